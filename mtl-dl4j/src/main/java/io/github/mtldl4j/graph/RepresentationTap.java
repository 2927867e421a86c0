package io.github.mtldl4j.graph;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime side of {@link RepresentationTapVertex}: passes activations and gradients through unchanged and, while
 * {@link #capture(boolean) capturing}, keeps a copy (outside any workspace) of the last gradient that reached it.
 */
public final class RepresentationTap extends ParameterFreeVertex {
    private boolean capturing;
    private INDArray captured;

    RepresentationTap(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, dataType);
    }

    /** Starts or stops recording the gradient of each backward pass. */
    public void capture(boolean on) {
        this.capturing = on;
        if (!on) {
            captured = null;
        }
    }

    /** The gradient of the last backward pass while capturing ({@code [examples, width]}), or null. */
    public INDArray captured() {
        return captured;
    }



    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("RepresentationTap " + vertexName + ": input not set");
        }
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATIONS)) {
            return inputs[0].dup();
        }
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("RepresentationTap " + vertexName + ": gradient not set");
        }
        if (capturing) {
            try (MemoryWorkspace scope = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                captured = epsilon.dup();
            }
        }
        try (MemoryWorkspace ws = workspaceMgr.notifyScopeBorrowed(ArrayType.ACTIVATION_GRAD)) {
            return new Pair<>(null, new INDArray[] {epsilon.dup()});
        }
    }



}
