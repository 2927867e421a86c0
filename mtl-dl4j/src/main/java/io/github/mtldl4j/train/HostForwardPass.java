package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Optional;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward pass of a {@link DirectStepPlan} as plain Java loops for calls of a few rows, where ND4J's cost per
 * operation (about 10-20 us, some 35 operations a call on a wide multi-task model) outweighs the arithmetic. The
 * parameters are read in place, where the graph keeps them (NIO views of its parameter buffer: no copy per call, and
 * training or a write into {@code graph.params()} between calls is seen, as on the plan's path); activations are kept
 * in doubles, so the results are the exact products rounded once more than DL4J's, well inside its own rounding. Sibling
 * layers are computed one by one from their own weights (no concatenation). The output layers' activations are DL4J's
 * own, applied to the returned pre-activations. Not thread-safe (one per forward pass, which is one per caller).
 */
final class HostForwardPass {
    private final DirectStepPlan plan;
    private final HostLayer[] layers;
    /** Activations per node (rows x width, row-major), grown to the largest row count seen. */
    private final double[][] values;

    /** The hidden activations computed here; any other hidden activation leaves the graph to the plan's path. */
    private enum Activation { IDENTITY, RELU, SIGMOID, TANH, SOFTMAX }

    /** A dense or output layer's parameters as views of the graph's buffer: W[i, j] at {@code weightsFrom + j * nIn + i}. */
    private record HostLayer(FloatBuffer floatWeights, DoubleBuffer doubleWeights, int weightsFrom, FloatBuffer floatBias,
                             DoubleBuffer doubleBias, int biasFrom, int nIn, Activation activation) {
    }

    private HostForwardPass(DirectStepPlan plan, HostLayer[] layers) {
        this.plan = plan;
        this.layers = layers;
        this.values = new double[plan.nodes.length][];
    }

    /**
     * The host pass of {@code plan}, or empty when the backend is not the CPU's, a hidden layer has an activation
     * other than identity, ReLU, sigmoid, tanh and softmax, or the parameters are not laid out as DL4J lays out a dense layer's (column-major weights, a
     * contiguous bias, FLOAT or DOUBLE).
     */
    static Optional<HostForwardPass> of(DirectStepPlan plan) {
        // On a GPU backend the host copy of a buffer may be stale: read parameters in place on the CPU backend only.
        if (!Nd4j.getEnvironment().isCPU() || plan.dataType != DataType.FLOAT && plan.dataType != DataType.DOUBLE) {
            return Optional.empty();
        }
        HostLayer[] layers = new HostLayer[plan.nodes.length];
        for (Node node : plan.nodes) {
            if (node.kind == Kind.MERGE || node.kind == Kind.LOSS || node.kind == Kind.CROSS_STITCH
                    || node.kind == Kind.CONVOLUTION || node.kind == Kind.POOLING) {
                return Optional.empty(); // cascades, cross-stitch units and images: the plan computes them
            }
            if (node.kind != Kind.DENSE && node.kind != Kind.OUTPUT) {
                continue;
            }
            Activation activation = Activation.IDENTITY;
            if (node.kind == Kind.DENSE) {
                Optional<Activation> hosted = activation(node);
                if (hosted.isEmpty()) {
                    return Optional.empty();
                }
                activation = hosted.get();
            }
            INDArray weights = node.weights;
            long nIn = weights.rows();
            if (weights.ordering() != 'f' || weights.stride(0) != 1 || weights.stride(1) != nIn || weights.dataType() != plan.dataType
                    || node.bias != null && (node.bias.length() != node.width || node.bias.length() > 1 && node.biasVector.stride(0) != 1)) {
                return Optional.empty();
            }
            boolean floats = plan.dataType == DataType.FLOAT;
            FloatBuffer floatBias = null;
            DoubleBuffer doubleBias = null;
            if (node.bias != null) {
                floatBias = floats ? floatView(node.bias) : null;
                doubleBias = floats ? null : doubleView(node.bias);
            }
            layers[node.index] = new HostLayer(floats ? floatView(weights) : null, floats ? null : doubleView(weights),
                    Math.toIntExact(weights.offset()), floatBias, doubleBias, node.bias == null ? 0 : Math.toIntExact(node.bias.offset()),
                    Math.toIntExact(nIn), activation);
        }
        return Optional.of(new HostForwardPass(plan, layers));
    }

    private static Optional<Activation> activation(Node node) {
        if (node.relu) {
            return Optional.of(Activation.RELU);
        }
        Class<?> type = node.activation.getClass();
        if (type == ActivationIdentity.class) {
            return Optional.of(Activation.IDENTITY);
        } else if (type == ActivationSigmoid.class) {
            return Optional.of(Activation.SIGMOID);
        } else if (type == ActivationTanH.class) {
            return Optional.of(Activation.TANH);
        } else if (type == ActivationSoftmax.class) {
            return Optional.of(Activation.SOFTMAX);
        }
        return Optional.empty();
    }

    /** The whole buffer behind {@code array} (a view's offset indexes into it), in place. */
    private static FloatBuffer floatView(INDArray array) {
        return array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static DoubleBuffer doubleView(INDArray array) {
        return array.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    /** The graph's activated outputs for {@code features} (FLOAT or DOUBLE, any strides), in output order. */
    INDArray[] output(INDArray features) {
        int rows = (int) features.rows();
        int inputWidth = (int) features.columns();
        Node[] nodes = plan.nodes;
        values[0] = read(features, rows, inputWidth, values[0]);
        for (int k = 1; k < nodes.length; k++) {
            Node node = nodes[k];
            double[] out = buffer(k, rows * node.width);
            switch (node.kind) {
                case DENSE, OUTPUT -> {
                    HostLayer layer = layers[k];
                    double[] in = values[node.input.index];
                    if (layer.floatWeights != null) {
                        dense(in, rows, layer, layer.floatWeights, layer.floatBias, out, node.width);
                    } else {
                        dense(in, rows, layer, layer.doubleWeights, layer.doubleBias, out, node.width);
                    }
                    activate(layer.activation, out, rows, node.width);
                }
                case SUBSET -> {
                    double[] in = values[node.input.index];
                    int inWidth = node.input.kind == Kind.INPUT ? inputWidth : node.input.width;
                    for (int n = 0; n < rows; n++) {
                        System.arraycopy(in, n * inWidth + node.from, out, n * node.width, node.width);
                    }
                }
                case GATED_SUM -> gatedSum(node, rows, out);
                default -> throw new IllegalStateException("input vertex after the first");
            }
        }
        INDArray[] outputs = new INDArray[plan.outputs.length];
        for (int t = 0; t < outputs.length; t++) {
            Node output = plan.outputs[t];
            double[] z = values[output.index];
            long[] shape = {rows, output.width};
            INDArray preOut;
            if (plan.dataType == DataType.FLOAT) {
                float[] copy = new float[rows * output.width];
                for (int i = 0; i < copy.length; i++) {
                    copy[i] = (float) z[i];
                }
                preOut = Nd4j.create(copy, shape, DataType.FLOAT);
            } else {
                preOut = Nd4j.create(java.util.Arrays.copyOf(z, rows * output.width), shape, DataType.DOUBLE);
            }
            // As DL4J's output layer: its activation of the pre-activation (in place, or a new array).
            outputs[t] = output.activation.getActivation(preOut, false);
        }
        return outputs;
    }

    private double[] buffer(int node, int length) {
        if (values[node] == null || values[node].length < length) {
            values[node] = new double[length];
        }
        return values[node];
    }

    /** The features as row-major doubles, read in place through their strides. */
    private static double[] read(INDArray features, int rows, int inputWidth, double[] into) {
        INDArray source = features.dataType() == DataType.FLOAT || features.dataType() == DataType.DOUBLE ? features
                : features.castTo(DataType.DOUBLE);
        double[] x = into != null && into.length >= rows * inputWidth ? into : new double[rows * inputWidth];
        int from = Math.toIntExact(source.offset());
        long rowStride = source.stride(0);
        long columnStride = source.stride(1);
        if (source.dataType() == DataType.FLOAT) {
            FloatBuffer data = floatView(source);
            for (int n = 0; n < rows; n++) {
                for (int j = 0; j < inputWidth; j++) {
                    x[n * inputWidth + j] = data.get((int) (from + n * rowStride + j * columnStride));
                }
            }
        } else {
            DoubleBuffer data = doubleView(source);
            for (int n = 0; n < rows; n++) {
                for (int j = 0; j < inputWidth; j++) {
                    x[n * inputWidth + j] = data.get((int) (from + n * rowStride + j * columnStride));
                }
            }
        }
        return x;
    }

    /**
     * {@code z = x W + b} for FLOAT parameters: four output columns at a time (their weights contiguous), each row's
     * input read once for the four sums (measured twice as fast as one column with four partial sums).
     */
    private static void dense(double[] x, int rows, HostLayer layer, FloatBuffer w, FloatBuffer b, double[] z, int width) {
        int nIn = layer.nIn;
        int j = 0;
        for (; j + 3 < width; j += 4) {
            int c0 = layer.weightsFrom + j * nIn;
            int c1 = c0 + nIn;
            int c2 = c1 + nIn;
            int c3 = c2 + nIn;
            for (int n = 0; n < rows; n++) {
                int row = n * nIn;
                double s0 = 0.0;
                double s1 = 0.0;
                double s2 = 0.0;
                double s3 = 0.0;
                for (int i = 0; i < nIn; i++) {
                    double xi = x[row + i];
                    s0 += xi * w.get(c0 + i);
                    s1 += xi * w.get(c1 + i);
                    s2 += xi * w.get(c2 + i);
                    s3 += xi * w.get(c3 + i);
                }
                int to = n * width + j;
                z[to] = s0 + (b == null ? 0.0 : b.get(layer.biasFrom + j));
                z[to + 1] = s1 + (b == null ? 0.0 : b.get(layer.biasFrom + j + 1));
                z[to + 2] = s2 + (b == null ? 0.0 : b.get(layer.biasFrom + j + 2));
                z[to + 3] = s3 + (b == null ? 0.0 : b.get(layer.biasFrom + j + 3));
            }
        }
        for (; j < width; j++) {
            int column = layer.weightsFrom + j * nIn;
            for (int n = 0; n < rows; n++) {
                int row = n * nIn;
                double sum = 0.0;
                for (int i = 0; i < nIn; i++) {
                    sum += x[row + i] * w.get(column + i);
                }
                z[n * width + j] = sum + (b == null ? 0.0 : b.get(layer.biasFrom + j));
            }
        }
    }

    /**
     * {@link #dense(double[], int, HostLayer, FloatBuffer, FloatBuffer, double[], int)} for DOUBLE parameters: a copy on
     * purpose, since reading the typed buffer directly keeps the 1-row inner loop free of an accessor call.
     */
    private static void dense(double[] x, int rows, HostLayer layer, DoubleBuffer w, DoubleBuffer b, double[] z, int width) {
        int nIn = layer.nIn;
        int j = 0;
        for (; j + 3 < width; j += 4) {
            int c0 = layer.weightsFrom + j * nIn;
            int c1 = c0 + nIn;
            int c2 = c1 + nIn;
            int c3 = c2 + nIn;
            for (int n = 0; n < rows; n++) {
                int row = n * nIn;
                double s0 = 0.0;
                double s1 = 0.0;
                double s2 = 0.0;
                double s3 = 0.0;
                for (int i = 0; i < nIn; i++) {
                    double xi = x[row + i];
                    s0 += xi * w.get(c0 + i);
                    s1 += xi * w.get(c1 + i);
                    s2 += xi * w.get(c2 + i);
                    s3 += xi * w.get(c3 + i);
                }
                int to = n * width + j;
                z[to] = s0 + (b == null ? 0.0 : b.get(layer.biasFrom + j));
                z[to + 1] = s1 + (b == null ? 0.0 : b.get(layer.biasFrom + j + 1));
                z[to + 2] = s2 + (b == null ? 0.0 : b.get(layer.biasFrom + j + 2));
                z[to + 3] = s3 + (b == null ? 0.0 : b.get(layer.biasFrom + j + 3));
            }
        }
        for (; j < width; j++) {
            int column = layer.weightsFrom + j * nIn;
            for (int n = 0; n < rows; n++) {
                int row = n * nIn;
                double sum = 0.0;
                for (int i = 0; i < nIn; i++) {
                    sum += x[row + i] * w.get(column + i);
                }
                z[n * width + j] = sum + (b == null ? 0.0 : b.get(layer.biasFrom + j));
            }
        }
    }

    private static void activate(Activation activation, double[] z, int rows, int width) {
        int length = rows * width;
        switch (activation) {
            case IDENTITY -> {
            }
            case RELU -> {
                for (int i = 0; i < length; i++) {
                    z[i] = Math.max(z[i], 0.0);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < length; i++) {
                    z[i] = 1.0 / (1.0 + Math.exp(-z[i]));
                }
            }
            case TANH -> {
                for (int i = 0; i < length; i++) {
                    z[i] = Math.tanh(z[i]);
                }
            }
            case SOFTMAX -> {
                for (int n = 0; n < rows; n++) {
                    int from = n * width;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < width; j++) {
                        max = Math.max(max, z[from + j]);
                    }
                    double sum = 0.0;
                    for (int j = 0; j < width; j++) {
                        z[from + j] = Math.exp(z[from + j] - max);
                        sum += z[from + j];
                    }
                    for (int j = 0; j < width; j++) {
                        z[from + j] /= sum;
                    }
                }
            }
            default -> throw new IllegalStateException(activation.name());
        }
    }

    /** A mixture's {@code m = sum_e g[:, e] h_e}, the experts added in the vertex's order (as {@code GatedSum}). */
    private void gatedSum(Node mix, int rows, double[] m) {
        double[] gate = values[mix.inputs[0].index];
        int experts = mix.inputs.length - 1;
        int width = mix.width;
        java.util.Arrays.fill(m, 0, rows * width, 0.0);
        for (int e = 0; e < experts; e++) {
            double[] h = values[mix.inputs[e + 1].index];
            for (int n = 0; n < rows; n++) {
                double weight = gate[n * experts + e];
                for (int j = 0; j < width; j++) {
                    m[n * width + j] += weight * h[n * width + j];
                }
            }
        }
    }
}
