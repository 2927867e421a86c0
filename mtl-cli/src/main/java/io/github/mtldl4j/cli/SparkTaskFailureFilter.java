package io.github.mtldl4j.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import io.github.mtldl4j.data.InvalidDataException;

/**
 * Drops Spark's log lines about a task that failed on bad data ({@link InvalidDataException}: the executor's stack
 * trace, the lost task, the block it could not store) and its "failed N times; aborting job", which the command line
 * reports itself in one line. In Spark's local mode the executors log into this process's stderr; on a cluster into
 * their own logs. {@code MTL_DEBUG=1} keeps every line.
 */
public final class SparkTaskFailureFilter extends Filter<ILoggingEvent> {
    private static final String INVALID_DATA = InvalidDataException.class.getName();
    private final boolean debug = System.getenv("MTL_DEBUG") != null;

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (debug || !event.getLoggerName().startsWith("org.apache.spark")) {
            return FilterReply.NEUTRAL;
        }
        String message = String.valueOf(event.getFormattedMessage());
        if (message.contains(INVALID_DATA) || message.matches("(?s)Task \\S+ in stage \\S+ failed \\d+ times?; aborting job.*")
                || message.matches("(?s)Block \\S+ could not be removed as it was not found on disk or in memory.*")) {
            return FilterReply.DENY;
        }
        for (IThrowableProxy thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
            if (INVALID_DATA.equals(thrown.getClassName())) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
