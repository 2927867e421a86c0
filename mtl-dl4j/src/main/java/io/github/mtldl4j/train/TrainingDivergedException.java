package io.github.mtldl4j.train;

/**
 * Training produced a NaN or infinite loss for a task. The trainer stops, puts back the parameters and optimizer
 * state of the end of the last complete epoch, and throws this; checkpoints and saved models already written are
 * left as they were. Usual causes: a learning rate too high, unscaled extreme inputs; lower the learning rate or
 * clip gradients ({@link MultiTaskTrainer.Builder#clipGradientNorm}).
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String task;
    private final int epoch;
    private final double loss;
    private final transient TrainingHistory history;

    TrainingDivergedException(String task, int epoch, double loss, TrainingHistory history) {
        super("training diverged: task '" + task + "' has loss " + loss + " in epoch " + epoch
                + (history == null ? "" : epoch == 1 ? "; the parameters are back to their values before training"
                        : "; the parameters are back to the end of epoch " + (epoch - 1))
                + ". Lower the learning rate (--lr), clip gradients (--clip-norm) or check the inputs for extreme values.");
        this.task = task;
        this.epoch = epoch;
        this.loss = loss;
        this.history = history;
    }

    /** The task whose loss was not finite first. */
    public String task() {
        return task;
    }

    /** The 1-based epoch in which it happened. */
    public int epoch() {
        return epoch;
    }

    /** The non-finite loss. */
    public double loss() {
        return loss;
    }

    /** The complete epochs before the divergence. */
    public TrainingHistory history() {
        return history;
    }
}
