package io.github.mtldl4j.data;

/**
 * Labels that do not fit their task (wrong shape, not finite, not one-hot, outside [0, 1]), refused before training by
 * {@link LabelValidator}. The message names the task, the row and what was expected; {@link #task()} and {@link #row()}
 * give them to programs.
 */
public final class InvalidLabelsException extends InvalidDataException {
    private static final long serialVersionUID = 1L;

    private final String task;
    private final long row;

    /**
     * @param message what is wrong, where, what was expected and how to fix it
     * @param task the task whose labels are refused, or null when the batch as a whole is (e.g. too few label arrays)
     * @param row the refused row of the batch (from 0), or -1 when the whole label array is refused (e.g. its shape)
     */
    public InvalidLabelsException(String message, String task, long row) {
        super(message);
        this.task = task;
        this.row = row;
    }

    /** The task whose labels are refused, or null when the batch as a whole is. */
    public String task() {
        return task;
    }

    /** The refused row of the batch (from 0), or -1 when the whole label array is refused. */
    public long row() {
        return row;
    }
}
