package io.github.mtldl4j.train;

/**
 * Which epoch's parameters a trained model holds when training ends (as Keras' {@code restore_best_weights}).
 *
 * <p>"Parameters" here means the whole training state of that epoch's end: parameters, optimizer state (Adam's
 * moments) and the iteration and epoch counters. A kept model is therefore exactly the model as it was after that
 * epoch: its predictions are that epoch's, and training it further goes on from that epoch, not from a mix of the
 * best epoch's parameters and a later epoch's optimizer state.
 */
public enum KeptParameters {
    /**
     * The epoch the stopping criterion rates best ({@link TrainingHistory#bestEpoch()}): by default the mean relative
     * validation loss, or the training loss when there is no validation data. Where no epoch has a finite criterion,
     * the last epoch.
     */
    BEST("best_validation"),
    /** The last epoch trained (after early stopping, the epoch that triggered it). */
    LAST("last");

    private final String label;

    KeptParameters(String label) {
        this.label = label;
    }

    /** The value written as {@code "kept"} in {@code metrics.json}: {@code best_validation} or {@code last}. */
    public String label() {
        return label;
    }
}
