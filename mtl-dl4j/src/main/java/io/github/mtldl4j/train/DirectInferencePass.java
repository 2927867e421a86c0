package io.github.mtldl4j.train;

import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.DirectInference;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link DirectInference} through the forward pass of {@link DirectTrainingStep}'s plan: the graphs that step trains
 * (dense layers, subsets, the representation tap, mixtures of experts' gated sums, cascades' merges and loss layers,
 * cross-stitch units), each output's activation applied to its pre-activation, no loss, no dropout (as DL4J's
 * {@code output}). Calls of at most {@link #HOST_ROWS} rows run as plain Java loops over the parameters in place
 * ({@link HostForwardPass}: at a few rows ND4J's cost per operation dominates) when the graph has only what those loops
 * compute; other calls through a forward-only plan per batch size (the last {@link #BATCH_SIZES} sizes seen), each with
 * its buffers, so callers alternating a few batch sizes allocate nothing but the returned outputs. Registered in
 * {@code META-INF/services}; {@code MultiTaskModel.predict} finds it there.
 */
public final class DirectInferencePass implements DirectInference {
    /** Batch sizes whose buffers a forward pass keeps. */
    static final int BATCH_SIZES = 4;
    /**
     * The largest call computed by {@link HostForwardPass} when the graph allows it: on the wide benchmark model the
     * loops cost about 90 us a row beyond the first, the plan about 500 us for 1 to 8 rows (docs/performance.md).
     */
    static final int HOST_ROWS = 4;
    private final int hostRows;

    /** For {@link java.util.ServiceLoader}. */
    public DirectInferencePass() {
        this(HOST_ROWS);
    }

    /** Host loops for calls of at most {@code hostRows} rows (0: never; tests force either path). */
    DirectInferencePass(int hostRows) {
        this.hostRows = hostRows;
    }

    @Override
    public Optional<Forward> compile(ComputationGraph graph) {
        if (DirectTrainingStep.unsupportedReason(graph, RepresentationTapVertex.class).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new PlannedForward(graph, hostRows));
    }

    /** The host pass and the plans of one graph copy, by batch size. */
    private static final class PlannedForward implements Forward {
        private final ComputationGraph graph;
        private final int hostRows;
        /** Null when the graph has something the host loops do not compute (then every call takes a plan). */
        private final HostForwardPass host;
        private final Map<Integer, DirectStepPlan> plans = new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, DirectStepPlan> eldest) {
                return size() > BATCH_SIZES;
            }
        };

        PlannedForward(ComputationGraph graph, int hostRows) {
            this.graph = graph;
            this.hostRows = hostRows;
            this.host = hostRows > 0 ? HostForwardPass.of(DirectStepPlan.compile(graph, RepresentationTapVertex.class)).orElse(null)
                    : null;
        }

        @Override
        public INDArray[] output(INDArray features) {
            // Buffers and outputs outside any workspace the caller has open: they outlive the call.
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                int rows = (int) features.rows();
                if (host != null && rows <= hostRows) {
                    return host.output(features);
                }
                DirectStepPlan plan = plans.computeIfAbsent(rows, size -> DirectStepPlan.compile(graph, RepresentationTapVertex.class));
                INDArray input = features.dataType() == plan.dataType ? features : features.castTo(plan.dataType);
                plan.allocate(rows, false);
                plan.forwardPass++;
                Node[] nodes = plan.nodes;
                nodes[0].out = input;
                try {
                    for (int i = 1; i < nodes.length; i++) {
                        DirectStepKernels.forward(nodes[i], plan.forwardPass, false);
                    }
                    INDArray[] outputs = new INDArray[plan.outputs.length];
                    for (int t = 0; t < outputs.length; t++) {
                        Node output = plan.outputs[t];
                        // As DL4J's output layer: the activation of the pre-activation (in place on the copy, or a new array).
                        outputs[t] = output.activation.getActivation(output.preOut.dup(), false);
                    }
                    return outputs;
                } finally {
                    nodes[0].out = null;
                    // Subsets of the input hold views of the caller's features.
                    for (Node node : nodes) {
                        if (node.kind == DirectStepPlan.Kind.SUBSET && node.input == nodes[0]) {
                            node.out = null;
                        }
                        node.in = null;
                    }
                }
            }
        }
    }
}
