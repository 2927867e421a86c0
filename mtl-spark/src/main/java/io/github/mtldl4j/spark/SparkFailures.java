package io.github.mtldl4j.spark;

import io.github.mtldl4j.data.InvalidDataException;
import java.io.IOException;

/**
 * A Spark job's failure as the user's problem when it is one. Spark reports an exception thrown in a task as a
 * {@code SparkException} "Job aborted due to stage failure: Task 1 in stage 3.0 failed 1 times, most recent failure:
 * Lost task ... : io.github.mtldl4j.data.InvalidDataException: penguins.csv: line 12, column ...", followed by the
 * executor's stack trace, with the task's exception as its cause only when the driver could deserialize it; and Spark's
 * Scala code throws checked exceptions (that one, Hadoop's {@code IOException}s) without declaring them.
 */
final class SparkFailures {
    private static final String INVALID_DATA = InvalidDataException.class.getName() + ": ";

    private SparkFailures() {
    }

    /**
     * The {@link InvalidDataException} a task threw (from the cause chain, else from the failure's message); a file
     * Hadoop cannot find, a scheme it has no file system for, or another read failure as an {@link InvalidDataException}
     * naming {@code path}; else {@code failure} itself (wrapped when checked).
     */
    static RuntimeException unwrap(Exception failure, String path) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidDataException invalid) {
                return invalid;
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            int at = message.indexOf(INVALID_DATA);
            if (at >= 0) {
                String line = message.substring(at + INVALID_DATA.length()).lines().findFirst().orElse("").trim();
                return new InvalidDataException(line, failure);
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage()).lines().findFirst().orElse("").trim();
            if (message.contains("No FileSystem for scheme") || cause instanceof ClassNotFoundException && message.endsWith("FileSystem not found")) {
                return new InvalidDataException(path + ": Spark has no Hadoop file system for this scheme (" + message + "); put its "
                        + "connector on the class path of the driver and the executors (e.g. hadoop-aws 3.2.0 for s3a://) and configure "
                        + "it (spark.hadoop.fs.s3a.* for credentials).", failure);
            }
            if (cause instanceof IOException io) {
                if (message.contains("does not exist") || message.contains("matches 0 files")) {
                    return new InvalidDataException(path + ": no such file or directory (Hadoop: " + message + "); expected a CSV file that "
                            + "the driver and every executor can read, e.g. file:///shared/data.csv or hdfs://namenode/data.csv.", failure);
                }
                return new InvalidDataException(path + ": Spark cannot read it (" + io.getClass().getSimpleName() + ": " + message + ").", failure);
            }
        }
        return failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure.getMessage(), failure);
    }
}
