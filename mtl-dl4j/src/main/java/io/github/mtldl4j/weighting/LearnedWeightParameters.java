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
    private final INDArray updaterState;
    private int iteration;
    /** The epochs finished, for the optimizer's schedule. */
    private int epoch;

    LearnedWeightParameters(double[] initial, IUpdater config) {
        this.values = initial.clone();
        this.gradient = Nd4j.create(DataType.DOUBLE, 1, initial.length);
        IUpdater own = config.clone();
        long stateSize = own.stateSize(initial.length);
        this.updaterState = stateSize == 0 ? null : Nd4j.zeros(DataType.DOUBLE, 1, stateSize);
        this.updater = own.instantiate(updaterState, true);
    }

    /** The current values (a copy). */
    double[] values() {
        return values.clone();
    }

    /** Overwrites the values (e.g. after renormalization); the optimizer state is kept. */
    void set(double[] newValues) {
        System.arraycopy(newValues, 0, values, 0, values.length);
    }

    /** The values mapped by {@code f}, by task name ({@code tasks} in value order). */
    java.util.Map<String, Double> byTask(java.util.List<String> tasks, java.util.function.DoubleUnaryOperator f) {
        java.util.Map<String, Double> byTask = new java.util.LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            byTask.put(tasks.get(i), f.applyAsDouble(values[i]));
        }
        return byTask;
    }

    /** Tells the optimizer's schedule that {@code finishedEpoch} epochs are done. */
    void epochFinished(int finishedEpoch) {
        epoch = finishedEpoch;
    }

    /** One optimizer step along {@code dLoss/dValues}. */
    void step(double[] lossGradient) {
        for (int i = 0; i < values.length; i++) {
            gradient.putScalar(0, i, lossGradient[i]);
        }
        updater.applyUpdater(gradient, iteration++, epoch);
        for (int i = 0; i < values.length; i++) {
            values[i] -= gradient.getDouble(0, i);
        }
    }

    /**
     * Values, optimizer state and step counter under names starting with {@code prefix}, and the epoch counter as
     * {@code epoch}, for a checkpoint.
     */
    void saveTo(java.util.Map<String, double[]> state, String prefix) {
        state.put(prefix + "values", values.clone());
        state.put("epoch", new double[] {epoch});
        state.put(prefix + "iteration", new double[] {iteration});
        state.put(prefix + "optimizer", updaterState == null ? new double[0] : updaterState.toDoubleVector());
    }

    /** Restores what {@link #saveTo} wrote. */
    void restoreFrom(java.util.Map<String, double[]> state, String prefix, String method) {
        double[] newValues = LossWeightingState.require(state, prefix + "values", values.length, method);
        double[] newIteration = LossWeightingState.require(state, prefix + "iteration", 1, method);
        double[] optimizer = LossWeightingState.require(state, prefix + "optimizer",
                updaterState == null ? 0 : (int) updaterState.length(), method);
        System.arraycopy(newValues, 0, values, 0, values.length);
        iteration = (int) newIteration[0];
        epoch = (int) LossWeightingState.require(state, "epoch", 1, method)[0];
        if (updaterState != null) {
            updaterState.assign(Nd4j.createFromArray(optimizer).reshape(1, optimizer.length));
        }
    }
}
