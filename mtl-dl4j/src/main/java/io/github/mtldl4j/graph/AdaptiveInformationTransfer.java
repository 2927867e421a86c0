package io.github.mtldl4j.graph;

import static io.github.mtldl4j.graph.AdaptiveInformationTransferParamInitializer.KEY;
import static io.github.mtldl4j.graph.AdaptiveInformationTransferParamInitializer.QUERY;
import static io.github.mtldl4j.graph.AdaptiveInformationTransferParamInitializer.VALUE;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runtime side of {@link AdaptiveInformationTransferLayer}. For the two attended vectors {@code h_0 = q_t} and
 * {@code h_1 = p_{t-1}}: {@code Q_u = h_u W_Q}, {@code K_u = h_u W_K}, {@code V_u = h_u W_V},
 * {@code s_u = <Q_u, K_u> / sqrt(k)}, {@code w_0 = sigmoid(s_0 - s_1)} (the softmax of two), {@code w_1 = 1 - w_0},
 * {@code z = w_0 V_0 + w_1 V_1}. Backward, for {@code G = dL/dz}: {@code dL/dV_u = w_u G},
 * {@code a_u = <G, V_u>}, {@code dL/ds_0 = w_0 w_1 (a_0 - a_1) = -dL/ds_1}, {@code dL/dQ_u = dL/ds_u K_u / sqrt(k)},
 * {@code dL/dK_u = dL/ds_u Q_u / sqrt(k)}; each projection's gradient is {@code sum_u h_u^T dL/d(h_u W)}, and
 * {@code dL/dh_u} the sum of the three back-projections.
 */
public final class AdaptiveInformationTransfer extends BaseLayer<AdaptiveInformationTransferLayer> {

    AdaptiveInformationTransfer(NeuralNetConfiguration conf, DataType dataType) {
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

    /** The forward pass's intermediate values. */
    private record Forward(INDArray h0, INDArray h1, INDArray q0, INDArray q1, INDArray k0, INDArray k1, INDArray v0,
                           INDArray v1, INDArray w0, INDArray w1, INDArray z) {
    }

    private Forward forward(INDArray x) {
        long k = layerConf().width();
        INDArray h0 = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k)).dup();
        INDArray h1 = x.get(NDArrayIndex.all(), NDArrayIndex.interval(k, 2 * k)).dup();
        INDArray wq = getParam(QUERY);
        INDArray wk = getParam(KEY);
        INDArray wv = getParam(VALUE);
        INDArray q0 = h0.mmul(wq);
        INDArray q1 = h1.mmul(wq);
        INDArray k0 = h0.mmul(wk);
        INDArray k1 = h1.mmul(wk);
        INDArray v0 = h0.mmul(wv);
        INDArray v1 = h1.mmul(wv);
        double scale = Math.sqrt(k);
        INDArray s0 = q0.mul(k0).sum(true, 1).divi(scale);
        INDArray s1 = q1.mul(k1).sum(true, 1).divi(scale);
        INDArray w0 = Transforms.sigmoid(s0.subi(s1), false);
        INDArray w1 = w0.rsub(1.0);
        INDArray z = v0.mulColumnVector(w0).addi(v1.mulColumnVector(w1));
        return new Forward(h0, h1, q0, q1, k0, k1, v0, v1, w0, w1, z);
    }

    /** The attention weights {@code [N, 2]}: column 0 on the task's own tower, column 1 on the transferred information. */
    public INDArray attentionWeights(INDArray in) {
        Forward f = forward(in.castTo(dataType));
        return Nd4j.hstack(f.w0(), f.w1());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, forward(input.castTo(dataType)).z());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Forward f = forward(input.castTo(dataType));
        double scale = Math.sqrt(layerConf().width());
        INDArray g = epsilon.castTo(dataType);
        INDArray gv0 = g.mulColumnVector(f.w0());
        INDArray gv1 = g.mulColumnVector(f.w1());
        INDArray a0 = g.mul(f.v0()).sum(true, 1);
        INDArray a1 = g.mul(f.v1()).sum(true, 1);
        INDArray c0 = f.w0().mul(f.w1()).muli(a0.subi(a1)).divi(scale);
        INDArray c1 = c0.neg();
        INDArray gq0 = f.k0().mulColumnVector(c0);
        INDArray gq1 = f.k1().mulColumnVector(c1);
        INDArray gk0 = f.q0().mulColumnVector(c0);
        INDArray gk1 = f.q1().mulColumnVector(c1);
        INDArray h0t = f.h0().transpose();
        INDArray h1t = f.h1().transpose();
        gradientViews.get(QUERY).assign(h0t.mmul(gq0).addi(h1t.mmul(gq1)));
        gradientViews.get(KEY).assign(h0t.mmul(gk0).addi(h1t.mmul(gk1)));
        gradientViews.get(VALUE).assign(h0t.mmul(gv0).addi(h1t.mmul(gv1)));
        INDArray wqt = getParam(QUERY).transpose();
        INDArray wkt = getParam(KEY).transpose();
        INDArray wvt = getParam(VALUE).transpose();
        INDArray dh0 = gq0.mmul(wqt).addi(gk0.mmul(wkt)).addi(gv0.mmul(wvt));
        INDArray dh1 = gq1.mmul(wqt).addi(gk1.mmul(wkt)).addi(gv1.mmul(wvt));
        INDArray inputGrad = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, Nd4j.hstack(dh0, dh1));
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(QUERY, gradientViews.get(QUERY));
        gradient.setGradientFor(KEY, gradientViews.get(KEY));
        gradient.setGradientFor(VALUE, gradientViews.get(VALUE));
        return new Pair<>(gradient, inputGrad);
    }
}
