package io.github.mtldl4j.train;

import java.util.stream.LongStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Central finite differences of a direct step's summed output scores: the gradient checks of the direct-step tests. */
final class FiniteDifferences {
    /** The step of the central differences (DOUBLE graphs). */
    static final double EPS = 1e-6;

    private FiniteDifferences() {
    }

    /**
     * The worst relative error {@code |a - n| / max(1e-3, |a| + |n|)} over {@code indices} between {@code analytic}
     * (the direct gradient, a sum over the batch) and {@code rows} times the central difference of the summed scores
     * (each a mean over the batch) when {@code params[i]} moves by {@link #EPS}; every parameter is put back.
     */
    static double worstRelativeError(DirectTrainingStep direct, MultiDataSet batch, int rows, INDArray params, INDArray analytic,
                                     LongStream indices) {
        return worstRelativeError(direct, batch, rows, params, analytic, indices, () -> { });
    }

    /** As above, running {@code beforePass} before every pass (e.g. reseeding the generator dropout masks come from). */
    static double worstRelativeError(DirectTrainingStep direct, MultiDataSet batch, int rows, INDArray params, INDArray analytic,
                                     LongStream indices, Runnable beforePass) {
        return indices.mapToDouble(i -> {
            double original = params.getDouble(i);
            params.putScalar(i, original + EPS);
            beforePass.run();
            double plus = sum(direct.computeGradient(batch));
            params.putScalar(i, original - EPS);
            beforePass.run();
            double minus = sum(direct.computeGradient(batch));
            params.putScalar(i, original);
            double numeric = (plus - minus) / (2 * EPS) * rows;
            double a = analytic.getDouble(i);
            return Math.abs(a - numeric) / Math.max(1e-3, Math.abs(a) + Math.abs(numeric));
        }).max().orElse(0.0);
    }

    static double sum(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }
}
