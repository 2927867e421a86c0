package io.github.mtldl4j.graph;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime side of {@link CrossStitchLayer}. With the input viewed as {@code X} of shape {@code [T, N * width]} (row s =
 * tower s), forward is {@code Y = alpha X}; backward, for the incoming gradient {@code D} viewed the same way,
 * {@code dL/dalpha = D X^T} and {@code dL/dX = alpha^T D}.
 */
public final class CrossStitchUnit extends BaseLayer<CrossStitchLayer> {

    CrossStitchUnit(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return false;
    }

    private int tasks() {
        return layerConf().tasks();
    }

    private int width() {
        return layerConf().width();
    }

    /** {@code [N, T*w]} to {@code [T, N*w]} (a copy). */
    private INDArray towersAsRows(INDArray a) {
        long n = a.size(0);
        return a.dup('c').reshape('c', n, tasks(), width()).permute(1, 0, 2).dup('c').reshape('c', tasks(), n * width());
    }

    /** {@code [T, N*w]} back to {@code [N, T*w]} (a copy). */
    private INDArray rowsAsTowers(INDArray rows, long n) {
        return rows.reshape('c', tasks(), n, width()).permute(1, 0, 2).dup('c').reshape('c', n, (long) tasks() * width());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        long n = input.size(0);
        INDArray alpha = getParam(CrossStitchParamInitializer.ALPHA);
        INDArray mixed = rowsAsTowers(alpha.mmul(towersAsRows(input.castTo(dataType))), n);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, mixed);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        long n = input.size(0);
        INDArray alpha = getParam(CrossStitchParamInitializer.ALPHA);
        INDArray x = towersAsRows(input.castTo(dataType));
        INDArray d = towersAsRows(epsilon.castTo(dataType));
        INDArray alphaGrad = gradientViews.get(CrossStitchParamInitializer.ALPHA);
        alphaGrad.assign(d.mmul(x.transpose()));
        INDArray inputGrad = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, rowsAsTowers(alpha.transpose().mmul(d), n));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(CrossStitchParamInitializer.ALPHA, alphaGrad);
        return new Pair<>(gradient, inputGrad);
    }
}
