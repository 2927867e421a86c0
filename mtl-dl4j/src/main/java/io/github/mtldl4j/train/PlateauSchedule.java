package io.github.mtldl4j.train;

/**
 * Reduce-on-plateau learning-rate schedule: after {@code patience} epochs in a row without a new best of the
 * stopping criterion (the one early stopping and the kept epoch use), every layer's learning rate is multiplied by
 * {@code factor}, and the count starts again. Keras' and PyTorch's {@code ReduceLROnPlateau} (threshold 0, no
 * cooldown, no floor). ND4J's {@code ISchedule}s are functions of iteration and epoch and cannot see validation
 * figures, so this one is applied by the epoch loop ({@link EpochLoop.Settings#learningRateSchedule}).
 *
 * <p>The reduced rates are set with {@code ComputationGraph.setLearningRate}, which keeps the optimizer state and
 * replaces a layer's own {@code ISchedule}, if it has one, by the fixed reduced rate. When training ends every layer
 * gets its starting rate back, so the saved configuration holds the rate the user set.
 *
 * @param patience epochs without a new best before each reduction, {@code >= 1}
 * @param factor the multiplier, in (0, 1)
 */
public record PlateauSchedule(int patience, double factor) implements LearningRateSchedule {

    /** Validates: patience at least 1, factor strictly between 0 and 1. */
    public PlateauSchedule {
        if (patience < 1) {
            throw new IllegalArgumentException("Plateau schedule patience must be >= 1 epoch, received " + patience + ".");
        }
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("Plateau schedule factor must be in (0, 1), e.g. 0.5; received " + factor + ".");
        }
    }

    /** Halves the learning rate after {@code patience} epochs without improvement. */
    public static PlateauSchedule halving(int patience) {
        return new PlateauSchedule(patience, 0.5);
    }
}
