package io.github.mtldl4j.weighting;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A few scalar parameters learned with their own instance of the network's optimizer (same method and
 * hyper-parameters, separate state): the log-variances of uncertainty weighting, the weights of GradNorm.
 */
final class LearnedWeightParameters {
    private final double[] values;
    private final INDArray gradient;
    private final GradientUpdater<?> updater;
    private int iteration;

    LearnedWeightParameters(double[] initial, IUpdater config) {
        this.values = initial.clone();
        this.gradient = Nd4j.create(DataType.DOUBLE, 1, initial.length);
        IUpdater own = config.clone();
        long stateSize = own.stateSize(initial.length);
        INDArray state = stateSize == 0 ? null : Nd4j.zeros(DataType.DOUBLE, 1, stateSize);
        this.updater = own.instantiate(state, true);
    }

    /** The current values (a copy). */
    double[] values() {
        return values.clone();
    }

    /** Overwrites the values (e.g. after renormalization); the optimizer state is kept. */
    void set(double[] newValues) {
        System.arraycopy(newValues, 0, values, 0, values.length);
    }

    /** One optimizer step along {@code dLoss/dValues}. */
    void step(double[] lossGradient, int epoch) {
        for (int i = 0; i < values.length; i++) {
            gradient.putScalar(0, i, lossGradient[i]);
        }
        updater.applyUpdater(gradient, iteration++, epoch);
        for (int i = 0; i < values.length; i++) {
            values[i] -= gradient.getDouble(0, i);
        }
    }
}
