package io.github.mtldl4j.model;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.deeplearning4j.nn.api.FwdPassType;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.FrozenVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link ComputationGraph} that can give one gradient per task from a single forward pass: the activations are
 * computed once and kept, then the backward pass runs once per task (each task's loss weight chosen by the caller
 * before its pass). DL4J's own {@code computeGradientAndScore} would redo the forward pass every time.
 * Everything else is the plain graph; models built by {@code MultiTaskGraphBuilder} or loaded by
 * {@link MultiTaskModel#load} use this class.
 */
public class MultiTaskComputationGraph extends ComputationGraph {
    private static final long serialVersionUID = 1L;

    /** A graph for {@code configuration}; call {@link #init()} as for any graph. */
    public MultiTaskComputationGraph(ComputationGraphConfiguration configuration) {
        super(configuration);
    }

    /** This class's copy of a plain graph: same configuration, parameters and updater state. */
    public static MultiTaskComputationGraph of(ComputationGraph graph) {
        if (graph instanceof MultiTaskComputationGraph own) {
            return own;
        }
        ComputationGraphConfiguration configuration = graph.getConfiguration().clone();
        // The configuration's clone does not carry the counters that Adam's bias correction and schedules read.
        configuration.setIterationCount(graph.getConfiguration().getIterationCount());
        configuration.setEpochCount(graph.getConfiguration().getEpochCount());
        MultiTaskComputationGraph copy = new MultiTaskComputationGraph(configuration);
        copy.init(graph.params().dup(), false);
        if (graph.getUpdater() != null && graph.getUpdater().getStateViewArray() != null) {
            copy.getUpdater(true).getStateViewArray().assign(graph.getUpdater().getStateViewArray());
        }
        return copy;
    }

    /** A deep copy of this graph, of this class (DL4J's early-stopping savers clone by reflection). */
    @Override
    public MultiTaskComputationGraph clone() {
        ComputationGraph plain = super.clone();
        plain.getConfiguration().setIterationCount(getConfiguration().getIterationCount());
        plain.getConfiguration().setEpochCount(getConfiguration().getEpochCount());
        return of(plain);
    }

    /**
     * One forward pass in training mode; each output's score with the loss weights as they are when called (its loss
     * averaged over the batch, no regularization); then for every task {@code t} with {@code include.test(t)}:
     * {@code before} (set the loss weights for this pass), one backward pass, {@code after} (read
     * {@link #getFlattenedGradients()} before the next pass overwrites it).
     *
     * <p>Task t's backward pass visits only the vertices its output depends on (its own head and what feeds it):
     * the other heads would add exact zeros. The gradient view is zeroed before each pass, so parameters task t does
     * not reach read 0, as in a full backward pass with the other tasks' loss weights at 0. The callbacks run inside
     * the training workspace: copy what they keep into arrays made outside workspaces.
     *
     * @return the output scores, in output order
     */
    public synchronized double[] backwardPerTask(MultiDataSet batch, IntPredicate include, IntConsumer before, IntConsumer after) {
        int tasks = getConfiguration().getNetworkOutputs().size();
        return forwardThen(batch, () -> {
            BackwardPass pass = new BackwardPass();
            for (int t = 0; t < tasks; t++) {
                if (include.test(t)) {
                    before.accept(t);
                    getFlattenedGradients().assign(0);
                    pass.run(ancestors(outputVertexIndex(t)), new INDArray[vertices.length]);
                    pass.publishGradient();
                    after.accept(t);
                }
            }
        });
    }

    /**
     * Whether every path from an output to the trunk passes through {@code representation} and the tasks' heads
     * share no vertex, so that {@link #backwardThroughRepresentation} gives each task's head gradient and one trunk
     * gradient (true for hard sharing with a representation tap and no cascades).
     */
    public boolean splitsAt(String representation) {
        GraphVertex split = getVertex(representation);
        if (split == null) {
            return false;
        }
        BitSet trunk = ancestors(split.getVertexIndex());
        BitSet seen = new BitSet(vertices.length);
        BitSet covered = (BitSet) trunk.clone();
        for (int t = 0; t < getConfiguration().getNetworkOutputs().size(); t++) {
            BitSet head = head(t, trunk);
            if (head.intersects(seen)) {
                return false;
            }
            for (int v = head.nextSetBit(0); v >= 0; v = head.nextSetBit(v + 1)) {
                for (VertexIndices input : inputsOf(vertices[v])) {
                    int from = input.getVertexIndex();
                    if (!head.get(from) && from != split.getVertexIndex() && !vertices[from].isInputVertex()) {
                        return false;
                    }
                }
            }
            seen.or(head);
            covered.or(head);
        }
        for (GraphVertex vertex : vertices) {
            if (vertex.numParams() > 0 && !covered.get(vertex.getVertexIndex())) {
                return false;
            }
        }
        return true;
    }

    /**
     * The backward pass of MGDA-UB (Sener &amp; Koltun, NeurIPS 2018): one forward pass in training mode and each
     * output's score (as in {@link #backwardPerTask}); then for every task {@code t} with {@code include.test(t)}:
     * {@code before} (set the loss weights), a backward pass through task t's head only, down to
     * {@code representation}; then {@code combine} turns the K gradients at the representation (entry t null for
     * tasks left out) into one, and a single backward pass takes it through the trunk. Afterwards
     * {@link #getFlattenedGradients()} holds every head's gradient from its own pass (0 for tasks left out) and the
     * trunk's gradient of the combined representation gradient. Needs {@link #splitsAt(String)}.
     *
     * @return the output scores, in output order
     */
    public synchronized double[] backwardThroughRepresentation(MultiDataSet batch, String representation, IntPredicate include,
                                                               IntConsumer before, Function<INDArray[], INDArray> combine) {
        if (!splitsAt(representation)) {
            throw new IllegalStateException("Graph does not split at '" + representation + "': a head reads the trunk "
                    + "other than through it, or heads share vertices; use backwardPerTask.");
        }
        int tasks = getConfiguration().getNetworkOutputs().size();
        int split = getVertex(representation).getVertexIndex();
        BitSet trunk = ancestors(split);
        return forwardThen(batch, () -> {
            BackwardPass pass = new BackwardPass();
            getFlattenedGradients().assign(0);
            INDArray[] atRepresentation = new INDArray[tasks];
            for (int t = 0; t < tasks; t++) {
                if (include.test(t)) {
                    before.accept(t);
                    INDArray[] epsilons = new INDArray[vertices.length];
                    pass.run(head(t, trunk), epsilons);
                    atRepresentation[t] = epsilons[split];
                }
            }
            INDArray[] epsilons = new INDArray[vertices.length];
            epsilons[split] = combine.apply(atRepresentation);
            pass.run(trunk, epsilons);
            pass.publishGradient();
        });
    }

    private double[] forwardThen(MultiDataSet batch, Runnable backward) {
        synchronizeIterEpochCounts();
        if (getFlattenedGradients() == null) {
            initGradientsView();
        }
        setInputs(batch.getFeatures());
        setLabels(batch.getLabels());
        setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
        LayerWorkspaceMgr workspaceMgr = trainingWorkspaces();
        int tasks = getConfiguration().getNetworkOutputs().size();
        double[] scores = new double[tasks];
        try (MemoryWorkspace activations = workspaceMgr.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
            ffToLayerActivationsInWS(true, -1, getOutputLayerIndices(), FwdPassType.STANDARD, false,
                    batch.getFeatures(), batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays(), false);
            for (int t = 0; t < tasks; t++) {
                scores[t] = outputScore(t, batch, workspaceMgr);
            }
            backward.run();
        } finally {
            for (GraphVertex vertex : getVertices()) {
                vertex.clear();
            }
            clearLayerMaskArrays();
        }
        return scores;
    }

    private int outputVertexIndex(int t) {
        return getVertex(getConfiguration().getNetworkOutputs().get(t)).getVertexIndex();
    }

    /** The vertex and everything it reads, directly or not. */
    private BitSet ancestors(int vertexIndex) {
        BitSet found = new BitSet(vertices.length);
        Deque<Integer> todo = new ArrayDeque<>(List.of(vertexIndex));
        while (!todo.isEmpty()) {
            int v = todo.pop();
            if (!found.get(v)) {
                found.set(v);
                for (VertexIndices input : inputsOf(vertices[v])) {
                    todo.push(input.getVertexIndex());
                }
            }
        }
        return found;
    }

    /** Task t's own vertices: what its output depends on, minus the trunk. */
    private BitSet head(int t, BitSet trunk) {
        BitSet head = ancestors(outputVertexIndex(t));
        head.andNot(trunk);
        return head;
    }

    private static VertexIndices[] inputsOf(GraphVertex vertex) {
        VertexIndices[] inputs = vertex.getInputVertices();
        return inputs == null ? new VertexIndices[0] : inputs;
    }

    /**
     * Backpropagation over a subset of the vertices, in reverse topological order, writing parameter gradients into
     * the graph's gradient view as {@code calcBackpropGradients} does. Activation gradients live outside workspaces
     * (they are few and small); each vertex's working memory is the usual per-layer workspace.
     */
    private final class BackwardPass {
        private final LayerWorkspaceMgr workspaceMgr;
        private final Map<Integer, Gradient> vertexGradients = new HashMap<>();

        BackwardPass() {
            LayerWorkspaceMgr.Builder builder = LayerWorkspaceMgr.builder().noWorkspaceFor(ArrayType.ACTIVATION_GRAD);
            if (getConfiguration().getTrainingWorkspaceMode() == WorkspaceMode.NONE) {
                builder.defaultNoWorkspace();
            } else {
                builder.with(ArrayType.INPUT, WS_ALL_LAYERS_ACT, WS_ALL_LAYERS_ACT_CONFIG)
                        .with(ArrayType.ACTIVATIONS, WS_LAYER_WORKING_MEM, WS_LAYER_WORKING_MEM_CONFIG)
                        .with(ArrayType.FF_WORKING_MEM, WS_LAYER_WORKING_MEM, WS_LAYER_WORKING_MEM_CONFIG)
                        .with(ArrayType.BP_WORKING_MEM, WS_LAYER_WORKING_MEM, WS_LAYER_WORKING_MEM_CONFIG)
                        .with(ArrayType.RNN_FF_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM_CONFIG)
                        .with(ArrayType.RNN_BP_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM_CONFIG);
            }
            this.workspaceMgr = builder.build();
            this.workspaceMgr.setHelperWorkspacePointers(getHelperWorkspaces());
        }

        /**
         * Backpropagates through {@code members}. {@code epsilons[v]} is the gradient arriving at vertex v (set by the
         * caller for where the pass starts, null elsewhere); on return it also holds what reached the members' inputs.
         */
        void run(BitSet members, INDArray[] epsilons) {
            for (int i = topologicalOrder.length - 1; i >= 0; i--) {
                GraphVertex current = vertices[topologicalOrder[i]];
                int index = current.getVertexIndex();
                if (!members.get(index) || current.isInputVertex() || isFrozen(current)) {
                    continue;
                }
                if (!current.isOutputVertex()) {
                    if (epsilons[index] == null) {
                        continue;
                    }
                    current.setEpsilon(epsilons[index]);
                }
                Pair<Gradient, INDArray[]> pair;
                try (MemoryWorkspace working = workspaceMgr.notifyScopeEntered(ArrayType.BP_WORKING_MEM)) {
                    pair = current.doBackward(false, workspaceMgr);
                }
                if (pair.getFirst() != null) {
                    vertexGradients.put(index, pair.getFirst());
                }
                VertexIndices[] inputs = inputsOf(current);
                try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    for (int j = 0; j < inputs.length; j++) {
                        INDArray epsilon = pair.getSecond()[j];
                        int from = inputs[j].getVertexIndex();
                        if (epsilon != null) {
                            epsilon = epsilon.isAttached() ? epsilon.detach() : epsilon;
                            epsilons[from] = epsilons[from] == null ? epsilon : epsilons[from].add(epsilon);
                        }
                    }
                }
            }
        }

        /** Sets the graph's {@link #gradient()} to the gradient view with every parameter named, as DL4J's own pass does. */
        void publishGradient() {
            Gradient all = new DefaultGradient(getFlattenedGradients());
            for (int index : topologicalOrder) {
                Gradient g = vertexGradients.get(index);
                if (g != null) {
                    String name = vertices[index].getVertexName();
                    for (Map.Entry<String, INDArray> entry : g.gradientForVariable().entrySet()) {
                        all.setGradientFor(name + "_" + entry.getKey(), entry.getValue(), g.flatteningOrderForVariable(entry.getKey()));
                    }
                }
            }
            gradient = all;
        }

        private boolean isFrozen(GraphVertex vertex) {
            return vertex.hasLayer() && vertex.getLayer() instanceof FrozenLayer || vertex instanceof FrozenVertex;
        }
    }

    private double outputScore(int t, MultiDataSet batch, LayerWorkspaceMgr workspaceMgr) {
        GraphVertex vertex = getVertex(getConfiguration().getNetworkOutputs().get(t));
        if (vertex instanceof LayerVertex layerVertex && !layerVertex.isSetLayerInput()) {
            layerVertex.applyPreprocessorAndSetInput(workspaceMgr);
        }
        org.deeplearning4j.nn.api.Layer layer = vertex.getLayer();
        if (layer instanceof FrozenLayerWithBackprop frozen) {
            layer = frozen.getInsideLayer();
        }
        layer.setMaskArray(batch.getLabelsMaskArrays() == null ? null : batch.getLabelsMaskArray(t));
        ((IOutputLayer) layer).setLabels(batch.getLabels(t));
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeEntered(ArrayType.FF_WORKING_MEM)) {
            return ((IOutputLayer) layer).computeScore(0.0, true, workspaceMgr);
        }
    }

    private LayerWorkspaceMgr trainingWorkspaces() {
        LayerWorkspaceMgr workspaceMgr;
        if (getConfiguration().getTrainingWorkspaceMode() == WorkspaceMode.NONE) {
            workspaceMgr = LayerWorkspaceMgr.noWorkspaces();
        } else {
            workspaceMgr = LayerWorkspaceMgr.builder()
                    .with(ArrayType.ACTIVATIONS, WS_ALL_LAYERS_ACT, WS_ALL_LAYERS_ACT_CONFIG)
                    .with(ArrayType.INPUT, WS_ALL_LAYERS_ACT, WS_ALL_LAYERS_ACT_CONFIG)
                    .with(ArrayType.FF_WORKING_MEM, WS_LAYER_WORKING_MEM, WS_LAYER_WORKING_MEM_CONFIG)
                    .with(ArrayType.BP_WORKING_MEM, WS_LAYER_WORKING_MEM, WS_LAYER_WORKING_MEM_CONFIG)
                    .with(ArrayType.RNN_FF_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM_CONFIG)
                    .with(ArrayType.RNN_BP_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM, WS_RNN_LOOP_WORKING_MEM_CONFIG)
                    .with(ArrayType.UPDATER_WORKING_MEM, WS_ALL_LAYERS_ACT, WS_ALL_LAYERS_ACT_CONFIG)
                    .build();
        }
        workspaceMgr.setHelperWorkspacePointers(getHelperWorkspaces());
        return workspaceMgr;
    }
}
