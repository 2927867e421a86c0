package io.github.mtldl4j.model;

import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.deeplearning4j.nn.api.FwdPassType;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

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
     * @return the output scores, in output order
     */
    public synchronized double[] backwardPerTask(MultiDataSet batch, IntPredicate include, IntConsumer before, IntConsumer after) {
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
            for (int t = 0; t < tasks; t++) {
                if (include.test(t)) {
                    before.accept(t);
                    calcBackpropGradients(false, false);
                    after.accept(t);
                }
            }
        } finally {
            for (GraphVertex vertex : getVertices()) {
                vertex.clear();
            }
            clearLayerMaskArrays();
        }
        return scores;
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
