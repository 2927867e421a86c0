package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.Node;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The classification losses of a {@link DirectTrainingStep} in their fused, numerically stable forms: sigmoid with
 * binary cross-entropy ({@code LossBinaryXENT}) and softmax with multi-class cross-entropy ({@code LossMCXENT}), each
 * with the gradient {@code dL/dz = w * mask * (p - y)} straight from the logits. An output has at most a few thousand
 * logits, so each loss runs as one Java loop over host copies of the logits, labels and mask (in double precision),
 * instead of the dozen ND4J operations of the loss function; the gradient is stored once into the node's buffer.
 *
 * <p>Scores are DL4J's: probabilities clipped to {@code [eps, 1 - eps]} (the loss's {@code clipEps}, 1e-5, or
 * {@code softmaxClipEps}, 1e-10) before the logarithm, masked, times the loss weight. Gradients are DL4J's wherever
 * no probability is clipped: {@code p - y} times the mask, where DL4J applies a per-output mask of a binary
 * cross-entropy twice (mask squared: the same for 0/1 masks). One deliberate difference: where the sigmoid's
 * probability is clipped (|z| above about 11.5), DL4J's gradient {@code (p' - y) s (1 - s) / (p' (1 - p'))} with the
 * clipped {@code p'} shrinks towards 0 (and is exactly 0 in FLOAT once {@code s} rounds to 1, |z| above about 17), so a
 * confidently wrong prediction stops learning; here it stays {@code s - y}, the gradient of the unclipped loss, of
 * size up to 1 per element. Softmax's gradient is never clipped in DL4J either. Stateless.
 */
final class CrossEntropyKernel {

    private CrossEntropyKernel() {
    }

    /** Which fused loss an output layer has, if any. */
    enum FusedLoss {
        /** The layer's own {@code ILossFunction}. */
        NONE,
        /** Identity output with {@code LossMSE}: {@link DirectStepKernels#squaredError}. */
        SQUARED_ERROR,
        /** Sigmoid output with {@code LossBinaryXENT}. */
        SIGMOID_BINARY_CROSS_ENTROPY,
        /** Softmax output with {@code LossMCXENT}. */
        SOFTMAX_CROSS_ENTROPY
    }

    /** Host copies of one output's logits, labels, mask and gradient, for one batch size. */
    static final class Host {
        final double[] logits;
        final double[] labels;
        final double[] mask;
        final double[] gradient;
        /** Transfer buffer for FLOAT arrays. */
        final float[] floats;

        Host(int rows, int width) {
            logits = new double[rows * width];
            labels = new double[rows * width];
            mask = new double[rows * width];
            gradient = new double[rows * width];
            floats = new float[rows * width];
        }
    }

    /**
     * The loss of output {@code node} on {@code labels} (and {@code mask}, [rows, 1] or [rows, width], or null), both of
     * the plan's data type: returns the score summed over the batch (times the loss weight) and leaves
     * {@code dL/dz} in {@code node.epsilon}, which becomes {@code node.delta}.
     *
     * @throws IllegalArgumentException for a per-output mask on a softmax output (DL4J refuses it too)
     */
    static double lossAndGradient(Node node, INDArray labels, INDArray mask) {
        int rows = (int) node.preOut.rows();
        int width = node.width;
        Host host = node.lossHost;
        read(node.preOut, host.logits, host.floats, rows * width);
        read(labels, host.labels, host.floats, rows * width);
        int maskColumns = 0;
        if (mask != null) {
            maskColumns = (int) mask.columns();
            if (mask.rank() != 2 || mask.rows() != rows || maskColumns != 1 && maskColumns != width) {
                throw new IllegalArgumentException("Label mask of output '" + node.name + "': expected shape [" + rows
                        + ", 1] or [" + rows + ", " + width + "], received " + Arrays.toString(mask.shape()) + ".");
            }
            if (node.fusedLoss == FusedLoss.SOFTMAX_CROSS_ENTROPY && maskColumns != 1) {
                throw new IllegalArgumentException("Label mask of softmax output '" + node.name + "': one value per row ["
                        + rows + ", 1] expected, received " + Arrays.toString(mask.shape()) + " (DL4J's "
                        + "LossMCXENT refuses per-output masks with softmax); mask whole rows.");
            }
            read(mask, host.mask, host.floats, rows * maskColumns);
        }
        double weight = DirectStepKernels.lossWeight(node);
        double score = node.fusedLoss == FusedLoss.SIGMOID_BINARY_CROSS_ENTROPY
                ? sigmoid(host, rows, width, maskColumns, node.clipEps, weight)
                : softmax(host, rows, width, maskColumns, node.clipEps, weight);
        write(host.gradient, host.floats, node.epsilon, rows * width);
        node.delta = node.epsilon;
        return score;
    }

    /**
     * Sigmoid with binary cross-entropy, element by element: {@code s = sigmoid(z)}, score
     * {@code -m (y log p + (1 - y) log(1 - p))} with {@code p = clip(s)}, gradient {@code m' (s - y)} where {@code m'} is
     * the mask squared when it has one value per output (DL4J masks dL/da and dL/dz then) and the mask otherwise.
     */
    private static double sigmoid(Host host, int rows, int width, int maskColumns, double eps, double weight) {
        double[] z = host.logits;
        double[] y = host.labels;
        double[] g = host.gradient;
        boolean perOutput = maskColumns == width;
        double sum = 0;
        for (int n = 0, i = 0; n < rows; n++) {
            double rowMask = maskColumns == 1 ? host.mask[n] : 1.0;
            for (int j = 0; j < width; j++, i++) {
                double m = perOutput ? host.mask[i] : rowMask;
                double s = z[i] >= 0 ? 1.0 / (1.0 + Math.exp(-z[i])) : Math.exp(z[i]) / (1.0 + Math.exp(z[i]));
                double p = Math.min(Math.max(s, eps), 1.0 - eps);
                if (m != 0.0) {
                    double term = 0;
                    if (y[i] != 0.0) {
                        term += y[i] * Math.log(p);
                    }
                    if (y[i] != 1.0) {
                        term += (1.0 - y[i]) * Math.log(1.0 - p);
                    }
                    sum -= m * term;
                }
                g[i] = weight * (perOutput ? m * m : m) * (s - y[i]);
            }
        }
        return weight * sum;
    }

    /**
     * Softmax with multi-class cross-entropy, row by row: {@code p = softmax(z)} (shifted by the row's maximum), score
     * {@code -m sum_j y_j log(clip(p_j))}, gradient {@code m (p - y)}.
     */
    private static double softmax(Host host, int rows, int width, int maskColumns, double eps, double weight) {
        double[] z = host.logits;
        double[] y = host.labels;
        double[] g = host.gradient;
        double sum = 0;
        for (int n = 0, row = 0; n < rows; n++, row += width) {
            double m = maskColumns == 1 ? host.mask[n] : 1.0;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < width; j++) {
                max = Math.max(max, z[row + j]);
            }
            double total = 0;
            for (int j = 0; j < width; j++) {
                double e = Math.exp(z[row + j] - max);
                g[row + j] = e;
                total += e;
            }
            double term = 0;
            double scale = weight * m;
            for (int j = 0; j < width; j++) {
                double p = g[row + j] / total;
                if (y[row + j] != 0.0) {
                    term += y[row + j] * Math.log(Math.min(Math.max(p, eps), 1.0 - eps));
                }
                g[row + j] = scale * (p - y[row + j]);
            }
            if (m != 0.0) {
                sum -= m * term;
            }
        }
        return weight * sum;
    }

    /** Copies the first {@code length} values of a row-major array into {@code into}. */
    private static void read(INDArray array, double[] into, float[] floats, int length) {
        if (array.isView() || array.offset() != 0 || array.ordering() != 'c' && !array.isVectorOrScalar()) {
            array = array.dup('c');
        }
        if (array.dataType() == DataType.FLOAT) {
            ((FloatPointer) array.data().addressPointer()).get(floats, 0, length);
            for (int i = 0; i < length; i++) {
                into[i] = floats[i];
            }
        } else {
            ((DoublePointer) array.data().addressPointer()).get(into, 0, length);
        }
    }

    /** Stores {@code values} into a whole row-major buffer of the plan's data type. */
    private static void write(double[] values, float[] floats, INDArray array, int length) {
        if (array.dataType() == DataType.FLOAT) {
            for (int i = 0; i < length; i++) {
                floats[i] = (float) values[i];
            }
            ((FloatPointer) array.data().addressPointer()).put(floats, 0, length);
        } else {
            ((DoublePointer) array.data().addressPointer()).put(values, 0, length);
        }
    }
}
