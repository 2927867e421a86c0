package io.github.mtldl4j.train;

import io.github.mtldl4j.train.CrossEntropyKernel.FusedLoss;
import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A whole gradient pass of a small dense {@link DirectStepPlan} (forward pass, squared-error losses, backward pass) as
 * plain Java loops, for graphs so small that ND4J's fixed cost per operation (several microseconds each, some fifteen
 * operations a pass) outweighs their arithmetic: the seed model (10 -> 2 -> two heads of 2, batch 1000) does 28,000
 * multiply-adds a forward pass. Parameters are read in place from the graph's parameter buffer and the gradients
 * written in place into its gradient view (sums over the batch, as DL4J leaves them for its updater); activations,
 * epsilons and sums are doubles, rounded once to the graph's data type when written: DL4J's sums in another order.
 *
 * <p>Takes graphs of input, dense (identity or ReLU, no dropout) and output layers (identity with mean squared error,
 * maybe weighted), each layer reading the input or a dense layer, on the CPU backend, FLOAT or DOUBLE; batches without
 * label masks and of at most {@link #MAX_PRODUCTS} multiply-adds a forward pass. Anything else goes through the plan's
 * ND4J operations. Not thread-safe (one per direct step).
 */
final class HostTrainingPass {
    /**
     * Multiply-adds of a forward pass (rows x weights) up to which it runs here: about the work of 40-80 us of Java
     * loops, where the ND4J route pays a fixed cost of that order per operation.
     */
    static final long MAX_PRODUCTS = 1L << 16;

    private final DirectStepPlan plan;
    private final Layer[] layers;
    private final int weights;
    /** Per node: activations and dL/d(activations), rows x width row-major, grown to the largest batch. */
    private final double[][] values;
    private final double[][] epsilons;
    /** A row-major copy of the features or labels being read (FLOAT). */
    private float[] floats = new float[0];
    private double[] labels = new double[0];

    /** A dense or output layer: its parameters and gradients in the graph's buffers (W[i, j] at {@code from + j * nIn + i}). */
    private static final class Layer {
        final Node node;
        final int nIn;
        final HostBuffer params;
        final int weightsFrom;
        final int biasFrom;
        final HostBuffer gradients;
        final int weightGradientFrom;
        final int biasGradientFrom;
        final boolean bias;
        /** This pass's weights (column-major), and its weight and bias gradients. */
        final double[] w;
        final double[] dw;
        final double[] db;

        Layer(Node node) {
            this.node = node;
            this.nIn = (int) node.weights.rows();
            this.params = HostBuffer.of(node.weights);
            this.weightsFrom = Math.toIntExact(node.weights.offset());
            this.gradients = HostBuffer.of(node.weightGradient);
            this.weightGradientFrom = Math.toIntExact(node.weightGradient.offset());
            this.bias = node.bias != null;
            this.biasFrom = bias ? Math.toIntExact(node.bias.offset()) : 0;
            this.biasGradientFrom = bias ? Math.toIntExact(node.biasGradient.offset()) : 0;
            this.w = new double[nIn * node.width];
            this.dw = new double[nIn * node.width];
            this.db = new double[node.width];
        }
    }

    /** A FLOAT or DOUBLE buffer read and written in place (NIO views of ND4J's host memory). */
    private static final class HostBuffer {
        final FloatBuffer floats;
        final DoubleBuffer doubles;

        private HostBuffer(FloatBuffer floats, DoubleBuffer doubles) {
            this.floats = floats;
            this.doubles = doubles;
        }

        /** The whole buffer behind {@code array} (its offset indexes into it). */
        static HostBuffer of(INDArray array) {
            java.nio.ByteBuffer bytes = array.data().asNio().order(ByteOrder.nativeOrder());
            return array.dataType() == DataType.FLOAT ? new HostBuffer(bytes.asFloatBuffer(), null)
                    : new HostBuffer(null, bytes.asDoubleBuffer());
        }

        double get(int i) {
            return floats != null ? floats.get(i) : doubles.get(i);
        }

        void put(int i, double value) {
            if (floats != null) {
                floats.put(i, (float) value);
            } else {
                doubles.put(i, value);
            }
        }
    }

    private HostTrainingPass(DirectStepPlan plan, Layer[] layers) {
        this.plan = plan;
        this.layers = layers;
        int count = 0;
        for (Layer layer : layers) {
            count += layer == null ? 0 : layer.w.length;
        }
        this.weights = count;
        this.values = new double[plan.nodes.length][];
        this.epsilons = new double[plan.nodes.length][];
    }

    /**
     * The host pass of {@code plan}, or empty when the backend is not the CPU's, the graph has anything but the layers
     * named above, or a layer's parameters or gradients are not laid out as DL4J lays out a dense layer's.
     */
    static Optional<HostTrainingPass> of(DirectStepPlan plan, ComputationGraph graph) {
        if (!Nd4j.getEnvironment().isCPU() || plan.dataType != DataType.FLOAT && plan.dataType != DataType.DOUBLE
                || plan.nodes[0].kind != Kind.INPUT) {
            return Optional.empty();
        }
        Layer[] layers = new Layer[plan.nodes.length];
        for (int k = 1; k < plan.nodes.length; k++) {
            Node node = plan.nodes[k];
            boolean dense = node.kind == Kind.DENSE && (node.relu || node.identity);
            boolean output = node.kind == Kind.OUTPUT && node.fusedLoss == FusedLoss.SQUARED_ERROR;
            if (!dense && !output || node.retain > 0 || node.input.kind != Kind.INPUT && node.input.kind != Kind.DENSE
                    || !denseLayout(node.weights) || !denseLayout(node.weightGradient)
                    || node.bias != null && (!vectorLayout(node.bias, node.width) || !vectorLayout(node.biasGradient, node.width))) {
                return Optional.empty();
            }
            layers[k] = new Layer(node);
        }
        return Optional.of(new HostTrainingPass(plan, layers));
    }

    /** Column-major [nIn, nOut] (W[i, j] at {@code offset + j * nIn + i}), as DL4J's dense layers keep their weights. */
    private static boolean denseLayout(INDArray w) {
        return w.rank() == 2 && (w.rows() == 1 || w.stride(0) == 1) && (w.columns() == 1 || w.stride(1) == w.rows())
                && w.length() < Integer.MAX_VALUE;
    }

    private static boolean vectorLayout(INDArray b, int width) {
        return b.length() == width && (width == 1 || b.elementWiseStride() == 1);
    }

    /**
     * Whether this pass takes {@code batch}: no label masks, labels of a floating type, features as wide as the layers
     * that read them, few enough products.
     */
    boolean accepts(MultiDataSet batch) {
        INDArray[] masks = batch.getLabelsMaskArrays();
        if (masks != null) {
            for (INDArray mask : masks) {
                if (mask != null) {
                    return false;
                }
            }
        }
        for (INDArray labels : batch.getLabels()) {
            if (labels.dataType() != DataType.FLOAT && labels.dataType() != DataType.DOUBLE) {
                return false;
            }
        }
        INDArray features = batch.getFeatures(0);
        for (Layer layer : layers) {
            if (layer != null && layer.node.input.kind == Kind.INPUT && (features.rank() != 2 || features.columns() != layer.nIn)) {
                return false; // the plan's operations name the mismatch
            }
        }
        return features.rows() * weights <= MAX_PRODUCTS;
    }

    /**
     * The gradient of the graph's loss on {@code batch} into the graph's gradient view (sums over the batch) and each
     * output's score (its loss summed over the batch, divided by the batch size; no regularization), in output order.
     * The caller has checked the batch's shapes.
     */
    double[] computeGradient(MultiDataSet batch) {
        Node[] nodes = plan.nodes;
        // In the graph's data type, as DL4J and the plan cast them (FLOAT features of a DOUBLE graph, or the reverse).
        INDArray features = batch.getFeatures(0);
        features = features.dataType() == plan.dataType ? features : features.castTo(plan.dataType);
        int rows = (int) features.rows();
        values[0] = read(features, rows, (int) features.columns(), values[0]);
        for (int k = 1; k < nodes.length; k++) {
            Layer layer = layers[k];
            Node node = layer.node;
            int size = rows * node.width;
            if (values[k] == null || values[k].length < size) {
                values[k] = new double[size];
                epsilons[k] = new double[size];
            }
            loadWeights(layer);
            forward(values[node.input.index], rows, layer, values[k]);
            java.util.Arrays.fill(epsilons[k], 0, size, 0.0);
        }
        double[] scores = new double[plan.outputs.length];
        for (Node output : plan.outputs) {
            INDArray y = batch.getLabels(output.outputIndex);
            labels = read(y.dataType() == plan.dataType ? y : y.castTo(plan.dataType), rows, output.width, labels);
            scores[output.outputIndex] = squaredError(output, rows, labels) / rows;
        }
        for (int k = nodes.length - 1; k > 0; k--) {
            backward(layers[k], rows);
        }
        return scores;
    }

    private void loadWeights(Layer layer) {
        int from = layer.weightsFrom;
        double[] w = layer.w;
        for (int i = 0; i < w.length; i++) {
            w[i] = layer.params.get(from + i);
        }
    }

    /** {@code out = act(in W + b)}: each row's sums over its inputs, then the bias, as DL4J's GEMM then bias add. */
    private static void forward(double[] in, int rows, Layer layer, double[] out) {
        int nIn = layer.nIn;
        int width = layer.node.width;
        double[] w = layer.w;
        boolean relu = layer.node.relu;
        for (int j = 0; j < width; j++) {
            double b = layer.bias ? layer.params.get(layer.biasFrom + j) : 0.0;
            int column = j * nIn;
            for (int n = 0; n < rows; n++) {
                int row = n * nIn;
                double sum = 0.0;
                for (int i = 0; i < nIn; i++) {
                    sum += in[row + i] * w[column + i];
                }
                sum += b;
                out[n * width + j] = relu && !(sum > 0.0) ? 0.0 : sum;
            }
        }
    }

    /**
     * Mean squared error of an identity output, as {@code LossMSE} times the loss weight: leaves
     * {@code dL/dz = w * 2 (z - y) / nOut} in the output's epsilon and returns {@code w * sum((z - y)^2) / nOut}.
     */
    private double squaredError(Node output, int rows, double[] y) {
        double[] z = values[output.index];
        double[] delta = epsilons[output.index];
        double weight = DirectStepKernels.lossWeight(output);
        double scale = 2.0 * weight / output.width;
        double sum = 0.0;
        int length = rows * output.width;
        for (int i = 0; i < length; i++) {
            double residual = z[i] - y[i];
            sum += residual * residual;
            delta[i] = scale * residual;
        }
        return weight * sum / output.width;
    }

    /**
     * A layer's delta (its epsilon through the ReLU's 0/1 step, or as is), its weight and bias gradients into the
     * graph's gradient view, and its input's epsilon (added to what later layers left there).
     */
    private void backward(Layer layer, int rows) {
        Node node = layer.node;
        int width = node.width;
        int nIn = layer.nIn;
        double[] delta = epsilons[node.index];
        if (node.relu) {
            double[] out = values[node.index];
            for (int i = 0; i < rows * width; i++) {
                if (!(out[i] > 0.0)) {
                    delta[i] = 0.0;
                }
            }
        }
        double[] in = values[node.input.index];
        double[] dw = layer.dw;
        double[] db = layer.db;
        java.util.Arrays.fill(dw, 0.0);
        java.util.Arrays.fill(db, 0.0);
        for (int n = 0; n < rows; n++) {
            int row = n * nIn;
            for (int j = 0; j < width; j++) {
                double d = delta[n * width + j];
                db[j] += d;
                int column = j * nIn;
                for (int i = 0; i < nIn; i++) {
                    dw[column + i] += in[row + i] * d;
                }
            }
        }
        for (int i = 0; i < dw.length; i++) {
            layer.gradients.put(layer.weightGradientFrom + i, dw[i]);
        }
        if (layer.bias) {
            for (int j = 0; j < width; j++) {
                layer.gradients.put(layer.biasGradientFrom + j, db[j]);
            }
        }
        if (node.input.kind == Kind.INPUT) {
            return;
        }
        double[] inputEpsilon = epsilons[node.input.index];
        double[] w = layer.w;
        for (int n = 0; n < rows; n++) {
            int row = n * nIn;
            for (int i = 0; i < nIn; i++) {
                double sum = 0.0;
                for (int j = 0; j < width; j++) {
                    sum += delta[n * width + j] * w[j * nIn + i];
                }
                inputEpsilon[row + i] += sum;
            }
        }
    }

    /** {@code array} (rows x columns, FLOAT or DOUBLE, any strides) as row-major doubles. */
    private double[] read(INDArray array, int rows, int columns, double[] into) {
        int length = rows * columns;
        double[] x = into != null && into.length >= length ? into : new double[length];
        INDArray source = array.dataType() == DataType.FLOAT || array.dataType() == DataType.DOUBLE ? array
                : array.castTo(DataType.DOUBLE);
        int from = Math.toIntExact(source.offset());
        HostBuffer data = HostBuffer.of(source);
        if (source.ordering() == 'c' && source.elementWiseStride() == 1 && data.floats != null) {
            if (floats.length < length) {
                floats = new float[length];
            }
            data.floats.get(from, floats, 0, length);
            for (int i = 0; i < length; i++) {
                x[i] = floats[i];
            }
        } else if (source.ordering() == 'c' && source.elementWiseStride() == 1) {
            data.doubles.get(from, x, 0, length);
        } else {
            long rowStride = source.stride(0);
            long columnStride = source.stride(1);
            for (int n = 0; n < rows; n++) {
                for (int j = 0; j < columns; j++) {
                    x[n * columns + j] = data.get((int) (from + n * rowStride + j * columnStride));
                }
            }
        }
        return x;
    }
}
