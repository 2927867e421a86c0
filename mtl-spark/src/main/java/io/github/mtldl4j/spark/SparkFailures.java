package io.github.mtldl4j.spark;

import io.github.mtldl4j.data.InvalidDataException;
import java.io.IOException;

/**
 * A Spark job's failure as the user's problem when it is one: Spark reports an exception thrown in a task as a
 * {@code SparkException} "Job aborted due to stage failure: Task 1 in stage 3.0 failed 1 times, most recent failure:
 * Lost task ... : io.github.mtldl4j.data.InvalidDataException: penguins.csv: line 12, column ...", followed by the
 * executor's stack trace, with the task's exception as its cause when it could be deserialized on the driver.
 */
final class SparkFailures {
    private static final String INVALID_DATA = InvalidDataException.class.getName() + ": ";

    private SparkFailures() {
    }

    /**
     * The {@link InvalidDataException} a task threw (from the cause chain, else from the failure's message); a file
     * Hadoop cannot find or read as an {@link InvalidDataException} naming {@code path}; else {@code failure} itself.
     */
    static RuntimeException unwrap(RuntimeException failure, String path) {
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
            if (cause instanceof IOException io) {
                String message = String.valueOf(io.getMessage()).lines().findFirst().orElse("").trim();
                if (message.contains("does not exist") || message.contains("matches 0 files")) {
                    return new InvalidDataException(path + ": no such file or directory (Hadoop: " + message + "); expected a CSV file that "
                            + "the driver and every executor can read, e.g. file:///shared/data.csv or hdfs://namenode/data.csv.", failure);
                }
                return new InvalidDataException(path + ": Spark cannot read it (" + io.getClass().getSimpleName() + ": " + message + "); a "
                        + "scheme such as s3a:// needs its Hadoop file system (hadoop-aws) on the class path and its credentials configured.", failure);
            }
        }
        return failure;
    }
}
