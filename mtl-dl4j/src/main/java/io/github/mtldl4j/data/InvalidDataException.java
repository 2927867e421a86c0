package io.github.mtldl4j.data;

/**
 * Input data that cannot be used, with a message naming the file, row, column or task and what was expected.
 * The command line turns it into exit code 2 and one line on stderr.
 */
public class InvalidDataException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, where, and what was expected */
    public InvalidDataException(String message) {
        super(message);
    }

    /** @param message what is wrong, where, and what was expected */
    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
