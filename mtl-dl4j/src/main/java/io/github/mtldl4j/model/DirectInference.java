package io.github.mtldl4j.model;

import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inference without DL4J's per-call workspace and graph bookkeeping: a forward pass compiled once per graph copy into
 * buffers kept per batch size, used by {@link MultiTaskModel#predict} for the graphs it supports. The implementation
 * is the direct training step's forward pass ({@code train.DirectInferencePass}), a layer above this package: it is
 * found through {@link java.util.ServiceLoader} ({@code META-INF/services}), so this package imports nothing above it.
 * Without an implementation on the class path, {@code predict} runs {@code ComputationGraph.output}.
 */
public interface DirectInference {

    /**
     * A forward pass of {@code graph} reading its parameters live (views, so training between calls is seen), or
     * empty when the graph has something the direct pass does not compute.
     */
    Optional<Forward> compile(ComputationGraph graph);

    /** A compiled forward pass; not thread-safe (it owns its buffers): one per thread. */
    interface Forward {

        /**
         * The graph's activated outputs for {@code features} ({@code [rows, inputWidth]}, rows at least 1), in output
         * order; fresh arrays the caller may keep.
         */
        INDArray[] output(INDArray features);
    }
}
