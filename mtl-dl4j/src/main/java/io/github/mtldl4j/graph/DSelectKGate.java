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
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime side of {@link DSelectKLayer}: logits {@code L = x W + b} (a static gate: {@code b} on every row), then per example the DSelect-k weights of
 * {@link #expertWeights}. The per-example part is a few dozen numbers, so it runs on Java doubles; the two matrix
 * products run in ND4J. Backward: {@link #logitGradient} per example, then {@code dW = x^T dL}, {@code db = colSum(dL)},
 * {@code dx = dL W^T}.
 */
public final class DSelectKGate extends BaseLayer<DSelectKLayer> {

    DSelectKGate(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * The cubic smooth-step of the paper: 0 for {@code t <= -gamma/2}, 1 for {@code t >= gamma/2}, else
     * {@code -2 t^3 / gamma^3 + 3 t / (2 gamma) + 1/2}.
     */
    static double smoothStep(double t, double gamma) {
        if (t <= -gamma / 2) {
            return 0;
        }
        if (t >= gamma / 2) {
            return 1;
        }
        return -2 * t * t * t / (gamma * gamma * gamma) + 3 * t / (2 * gamma) + 0.5;
    }

    /** The smooth-step's derivative: {@code -6 t^2 / gamma^3 + 3 / (2 gamma)} inside, 0 outside. */
    static double smoothStepDerivative(double t, double gamma) {
        if (t <= -gamma / 2 || t >= gamma / 2) {
            return 0;
        }
        return -6 * t * t / (gamma * gamma * gamma) + 3 / (2 * gamma);
    }

    /**
     * Single-expert selector outputs {@code r[i][j]} for one example: selector i's weight on expert j, the product over
     * bits l of {@code S(z_il)} where bit l of j is 1 and {@code 1 - S(z_il)} where it is 0.
     *
     * @param logits the example's logits, {@code z_il} at {@code i m + l}
     */
    static double[][] selectorOutputs(double[] logits, int experts, int selectors, double gamma) {
        int bits = Integer.numberOfTrailingZeros(experts);
        double[][] r = new double[selectors][experts];
        for (int i = 0; i < selectors; i++) {
            for (int j = 0; j < experts; j++) {
                double p = 1;
                for (int l = 0; l < bits; l++) {
                    double s = smoothStep(logits[i * bits + l], gamma);
                    p *= ((j >> l) & 1) == 1 ? s : 1 - s;
                }
                r[i][j] = p;
            }
        }
        return r;
    }

    /** The softmax over the k selector logits (after the {@code k m} bit logits). */
    static double[] selectorWeights(double[] logits, int experts, int selectors) {
        int offset = selectors * Integer.numberOfTrailingZeros(experts);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < selectors; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] a = new double[selectors];
        double sum = 0;
        for (int i = 0; i < selectors; i++) {
            a[i] = Math.exp(logits[offset + i] - max);
            sum += a[i];
        }
        for (int i = 0; i < selectors; i++) {
            a[i] /= sum;
        }
        return a;
    }

    /** One example's expert weights {@code q_j = sum_i softmax(alpha)_i r[i][j]}; they sum to 1. */
    static double[] expertWeights(double[] logits, int experts, int selectors, double gamma) {
        double[][] r = selectorOutputs(logits, experts, selectors, gamma);
        double[] a = selectorWeights(logits, experts, selectors);
        double[] q = new double[experts];
        for (int i = 0; i < selectors; i++) {
            for (int j = 0; j < experts; j++) {
                q[j] += a[i] * r[i][j];
            }
        }
        return q;
    }

    /** One example's gradient with respect to its logits, given {@code dq}, the gradient with respect to its weights. */
    static double[] logitGradient(double[] logits, double[] dq, int experts, int selectors, double gamma) {
        int bits = Integer.numberOfTrailingZeros(experts);
        double[][] r = selectorOutputs(logits, experts, selectors, gamma);
        double[] a = selectorWeights(logits, experts, selectors);
        double[] grad = new double[logits.length];
        double[] da = new double[selectors];
        double mean = 0;
        for (int i = 0; i < selectors; i++) {
            for (int j = 0; j < experts; j++) {
                da[i] += dq[j] * r[i][j];
            }
            mean += a[i] * da[i];
        }
        for (int i = 0; i < selectors; i++) {
            grad[selectors * bits + i] = a[i] * (da[i] - mean);
        }
        for (int i = 0; i < selectors; i++) {
            double[] s = new double[bits];
            for (int l = 0; l < bits; l++) {
                s[l] = smoothStep(logits[i * bits + l], gamma);
            }
            for (int l = 0; l < bits; l++) {
                double ds = 0;
                for (int j = 0; j < experts; j++) {
                    // d r[i][j] / d s_l: the other bits' factors, signed by bit l of j.
                    double others = ((j >> l) & 1) == 1 ? 1 : -1;
                    for (int o = 0; o < bits; o++) {
                        if (o != l) {
                            others *= ((j >> o) & 1) == 1 ? s[o] : 1 - s[o];
                        }
                    }
                    ds += dq[j] * others;
                }
                grad[i * bits + l] = a[i] * ds * smoothStepDerivative(logits[i * bits + l], gamma);
            }
        }
        return grad;
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
        return true;
    }

    private INDArray logitsOf(INDArray x) {
        if (layerConf().routing() == DSelectKLayer.Routing.STATIC) {
            return Nd4j.zeros(dataType, x.size(0), layerConf().logits()).addiRowVector(getParam(DSelectKParamInitializer.BIAS));
        }
        return x.mmul(getParam(DSelectKParamInitializer.WEIGHTS)).addiRowVector(getParam(DSelectKParamInitializer.BIAS));
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        DSelectKLayer gate = layerConf();
        double[][] logits = logitsOf(input.castTo(dataType)).toDoubleMatrix();
        double[][] weights = new double[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            weights[r] = expertWeights(logits[r], gate.experts(), gate.selectors(), gate.gamma());
        }
        INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, dataType, logits.length, gate.experts());
        out.assign(Nd4j.create(weights).castTo(dataType));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        DSelectKLayer gate = layerConf();
        INDArray x = input.castTo(dataType);
        double[][] logits = logitsOf(x).toDoubleMatrix();
        double[][] dq = epsilon.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] dLogits = new double[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            dLogits[r] = logitGradient(logits[r], dq[r], gate.experts(), gate.selectors(), gate.gamma());
        }
        INDArray d = Nd4j.create(dLogits).castTo(dataType);
        INDArray biasGrad = gradientViews.get(DSelectKParamInitializer.BIAS);
        biasGrad.assign(d.sum(true, 0));
        Gradient gradient = new DefaultGradient();
        if (gate.routing() == DSelectKLayer.Routing.STATIC) {
            // The static gate ignores its input's values.
            gradient.setGradientFor(DSelectKParamInitializer.BIAS, biasGrad);
            return new Pair<>(gradient, workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c'));
        }
        INDArray weightGrad = gradientViews.get(DSelectKParamInitializer.WEIGHTS);
        weightGrad.assign(x.transpose().mmul(d));
        INDArray inputGrad = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        inputGrad.assign(d.mmul(getParam(DSelectKParamInitializer.WEIGHTS).transpose()));
        gradient.setGradientFor(DSelectKParamInitializer.WEIGHTS, weightGrad);
        gradient.setGradientFor(DSelectKParamInitializer.BIAS, biasGrad);
        return new Pair<>(gradient, inputGrad);
    }
}
