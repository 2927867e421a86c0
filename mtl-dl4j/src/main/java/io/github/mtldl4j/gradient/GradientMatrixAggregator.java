package io.github.mtldl4j.gradient;

import java.util.Random;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A gradient aggregator that reads the task gradients on the shared parameters themselves, not only their Gram
 * matrix: methods with per-task state as long as the shared parameters (DB-MTL's and MoCo's tracked gradients,
 * ExcessMTL's sums of squared gradients). The trainer calls {@link #combine} instead of {@link #coefficients}; the
 * representation route does not apply. Their state goes into checkpoints through {@link #state()} (K x S numbers).
 */
public interface GradientMatrixAggregator extends GradientAggregator {

    /**
     * The shared update of one step.
     *
     * @param shared K x S: row t the gradient of task t's mean loss (times its step weight) on the shared parameters,
     *               zero for a task without labels in the batch; the method may overwrite it
     * @param losses the step's mean loss per task, NaN for a task without labels in the batch
     * @param headScales length K, all 1 on entry: the method may set the factor on each task head's gradient (DB-MTL
     *                   trains on log losses, so its heads take 1 / L_t)
     * @param random for methods with a random element; may be null otherwise
     * @return 1 x S, the shared update direction on the scale of {@link SumAggregator} (the plain sum of the rows for
     *         equal weights)
     */
    INDArray combine(INDArray shared, double[] losses, double[] headScales, Random random);

    /** Not defined from the Gram matrix alone: these methods need the gradients ({@link #combine}). */
    @Override
    default double[] coefficients(double[][] gram, Random random) {
        throw new UnsupportedOperationException(name() + " needs the task gradients themselves, not only their Gram matrix: "
                + "train it with MultiTaskTrainer, which calls GradientMatrixAggregator.combine.");
    }

    /** A zero array outside any workspace, for state kept between steps. */
    static INDArray detachedZeros(INDArray like, long rows, long columns) {
        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.zeros(like.dataType(), rows, columns);
        }
    }

    /** {@code flat} (row-major K x S, e.g. from a checkpoint) as an array of {@code like}'s type, outside any workspace. */
    static INDArray detached(double[] flat, INDArray like, long rows, long columns) {
        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(flat, new long[] {rows, columns}, 'c').castTo(like.dataType());
        }
    }
}
