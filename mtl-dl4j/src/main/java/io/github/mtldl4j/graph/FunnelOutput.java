package io.github.mtldl4j.graph;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.LossLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runtime side of {@link FunnelOutputLayer}: DL4J's loss layer (score and gradient from the loss over the whole
 * input) whose activation is the input's first column.
 */
public final class FunnelOutput extends LossLayer {
    private static final long serialVersionUID = 1L;

    FunnelOutput(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray first = input.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)).dup();
        INDArray out = layerConf().getActivationFn().getActivation(first, training);
        if (maskArray != null) {
            out.muliColumnVector(maskArray.castTo(out.dataType()));
        }
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
    }
}
