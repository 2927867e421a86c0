package io.github.mtldl4j.graph;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runtime side of {@link GatedSumVertex}: forward {@code out = sum_e g[:, e] * h_e}; backward, for the incoming
 * gradient {@code d}, {@code dL/dh_e = g[:, e] * d} and {@code dL/dg[:, e] = rowSum(d * h_e)}.
 */
public final class GatedSum extends ParameterFreeVertex {

    GatedSum(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, dataType);
    }



    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("GatedSum " + vertexName + ": inputs not set");
        }
        INDArray gate = inputs[0];
        int experts = inputs.length - 1;
        if (gate.rank() != 2 || gate.columns() != experts) {
            throw new IllegalStateException("GatedSum " + vertexName + ": expected a gate of shape [N, " + experts
                    + "], received " + Arrays.toString(gate.shape()));
        }
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, dataType, inputs[1].shape(), 'c');
        for (int e = 0; e < experts; e++) {
            INDArray weight = gate.get(NDArrayIndex.all(), NDArrayIndex.interval(e, e + 1)).castTo(dataType);
            out.addi(inputs[e + 1].castTo(dataType).mulColumnVector(weight));
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("GatedSum " + vertexName + ": gradient not set");
        }
        INDArray gate = inputs[0];
        int experts = inputs.length - 1;
        INDArray[] grads = new INDArray[inputs.length];
        INDArray gateGrad = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, gate.dataType(), gate.shape(), 'c');
        for (int e = 0; e < experts; e++) {
            INDArray weight = gate.get(NDArrayIndex.all(), NDArrayIndex.interval(e, e + 1));
            INDArray expertGrad = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, inputs[e + 1].dataType(),
                    inputs[e + 1].shape(), 'c');
            expertGrad.assign(epsilon.mulColumnVector(weight));
            grads[e + 1] = expertGrad;
            gateGrad.get(NDArrayIndex.all(), NDArrayIndex.interval(e, e + 1))
                    .assign(epsilon.mul(inputs[e + 1]).sum(true, 1));
        }
        grads[0] = gateGrad;
        return new Pair<>(null, grads);
    }



}
