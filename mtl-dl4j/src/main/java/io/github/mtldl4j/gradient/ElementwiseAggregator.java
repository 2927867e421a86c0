package io.github.mtldl4j.gradient;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A gradient aggregator that combines the task gradients at the shared representation element by element, not by
 * coefficients (GradDrop's sign mask). On the representation route the trainer hands it the K gradients w.r.t. the
 * shared representation and takes its result back through the trunk in one backward pass; where that route does
 * not apply (no split at the representation), it calls {@link GradientMatrixAggregator#combine} on the shared
 * parameters' gradients instead, so an implementation is both.
 */
public interface ElementwiseAggregator extends GradientMatrixAggregator {

    /**
     * The combined gradient at the shared representation.
     *
     * @param perTask per task its (weighted) gradient w.r.t. the representation, N x width (rows: the batch's rows), or
     *                null for a task without labels in the batch; not modified
     * @param random the trainer's seeded generator
     * @return N x width, outside any workspace: the gradient sent back through the trunk (the plain sum of the
     *         entries for tasks that agree everywhere)
     */
    INDArray combineAtRepresentation(INDArray[] perTask, Random random);

    /** Representation gradients: the route this kind of aggregator is for. */
    @Override
    default boolean usesRepresentationGradients() {
        return true;
    }
}
