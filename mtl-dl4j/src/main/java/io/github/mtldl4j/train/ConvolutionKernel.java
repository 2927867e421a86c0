package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of a {@link DirectTrainingStep}'s convolutions and poolings. A convolution is im2col then one GEMM,
 * as DL4J's own layer computes it: the patches of the whole batch as a K x (rows x P) matrix (K = channels x kH x kW
 * in the weights' order, P = output pixels per image), filled by a Java loop over a per-image index map (measured
 * about 8x faster here than libnd4j's {@code im2col}, whose strided writes dominated its {@code conv2d}); the weights
 * times it; a transposition into the NCHW output. Backward: the delta transposed once, the weight gradient and the
 * patches' gradient as one GEMM each, the bias gradient as one sum, and col2im by the same map. Poolings are libnd4j's
 * own ops ({@code maxpool2d}, {@code avgpool2d} and their {@code _bp}). Stateless.
 */
final class ConvolutionKernel {

    private ConvolutionKernel() {
    }

    /** Host buffers and device matrices of one convolution for the current batch size. */
    static final class Buffers {
        /** Per patch element k and output pixel p of one image, the offset of the input value in that image (-1: padding). */
        final int[] map;
        final int kernels;
        final int pixels;
        final int imageSize;
        /** The patches, K x (rows x P). */
        final INDArray columns;
        /** The output before its transposition (forward), then the delta transposed (backward): out x (rows x P). */
        final INDArray transposed;
        /** The patches' gradient, K x (rows x P) (null when the input takes no gradient). */
        final INDArray columnGradient;
        final float[] inFloats;
        final double[] inDoubles;
        final float[] colFloats;
        final double[] colDoubles;

        Buffers(Node node, int rows, boolean backward, boolean inputGradient) {
            int[] in = node.inShape;
            int[] out = node.outShape;
            int[] args = node.spatialArgs;
            kernels = in[0] * args[0] * args[1];
            pixels = out[1] * out[2];
            imageSize = in[0] * in[1] * in[2];
            map = new int[kernels * pixels];
            for (int c = 0, k = 0; c < in[0]; c++) {
                for (int kh = 0; kh < args[0]; kh++) {
                    for (int kw = 0; kw < args[1]; kw++, k++) {
                        for (int oh = 0, p = 0; oh < out[1]; oh++) {
                            for (int ow = 0; ow < out[2]; ow++, p++) {
                                int h = oh * args[2] + kh * args[6] - args[4];
                                int w = ow * args[3] + kw * args[7] - args[5];
                                map[k * pixels + p] = h < 0 || h >= in[1] || w < 0 || w >= in[2] ? -1 : (c * in[1] + h) * in[2] + w;
                            }
                        }
                    }
                }
            }
            DataType type = node.weights.dataType();
            columns = Nd4j.create(type, kernels, (long) rows * pixels);
            transposed = Nd4j.create(type, out[0], (long) rows * pixels);
            columnGradient = backward && inputGradient ? Nd4j.create(type, kernels, (long) rows * pixels) : null;
            boolean floats = type == DataType.FLOAT;
            int length = kernels * rows * pixels;
            inFloats = floats ? new float[rows * imageSize] : null;
            inDoubles = floats ? null : new double[rows * imageSize];
            colFloats = floats ? new float[length] : null;
            colDoubles = floats ? null : new double[length];
        }
    }

    /** The forward pass of a convolution (then its activation, ReLU in place) or a pooling. */
    static void forward(Node node) {
        node.in = input4(node);
        if (node.kind == Kind.POOLING) {
            Nd4j.exec(DynamicCustomOp.builder(node.pooling == PoolingType.MAX ? "maxpool2d" : "avgpool2d").addInputs(node.in)
                    .addOutputs(node.out4).addIntegerArguments(node.spatialArgs).build());
            return;
        }
        Buffers buffers = node.convolution;
        int rows = (int) node.in.size(0);
        im2col(node.in, buffers, rows);
        int outDepth = node.outShape[0];
        Nd4j.gemm(node.weights.reshape('c', outDepth, buffers.kernels), buffers.columns, buffers.transposed, false, false, 1.0, 0.0);
        if (node.bias != null) {
            buffers.transposed.addiColumnVector(node.biasVector.reshape(outDepth, 1));
        }
        INDArray target = node.preOut != null ? node.preOut : node.out;
        target.reshape('c', rows, outDepth, buffers.pixels).assign(buffers.transposed.reshape('c', outDepth, rows, buffers.pixels)
                .permute(1, 0, 2));
        DirectStepKernels.activate(node);
    }

    /**
     * The backward pass from the node's epsilon: a convolution's weight and bias gradients (sums over the batch, as
     * DL4J leaves them) and its input's epsilon, or a pooling's input epsilon; written into the input's epsilon when
     * nothing else has written it yet, else added.
     */
    static void backward(Node node) {
        if (!node.epsilonWritten) {
            node.epsilon.assign(0);
        }
        Node source = node.input;
        boolean takes = DirectStepKernels.takesGradient(source);
        boolean direct = takes && !source.epsilonWritten;
        int rows = (int) node.in.size(0);
        if (node.kind == Kind.POOLING) {
            INDArray inputGradient = direct ? source.epsilon.reshape('c', node.in.shape()) : node.inputGradient4;
            Nd4j.exec(DynamicCustomOp.builder(node.pooling == PoolingType.MAX ? "maxpool2d_bp" : "avgpool2d_bp")
                    .addInputs(node.in, node.epsilon4).addOutputs(inputGradient).addIntegerArguments(node.spatialArgs).build());
            finish(source, takes, direct, inputGradient, rows);
            return;
        }
        Buffers buffers = node.convolution;
        int outDepth = node.outShape[0];
        INDArray delta = DirectStepKernels.delta(node);
        INDArray deltaT = buffers.transposed;
        deltaT.reshape('c', outDepth, rows, buffers.pixels).assign(delta.reshape('c', rows, outDepth, buffers.pixels).permute(1, 0, 2));
        // As DL4J: the c-order weight gradient [out, K] written as its f-order transpose [K, out].
        INDArray weightGradientT = node.weightGradient.reshape('c', outDepth, buffers.kernels).transpose();
        Nd4j.gemm(buffers.columns, deltaT, weightGradientT, false, true, 1.0, 0.0);
        if (node.biasGradient != null) {
            deltaT.sum(node.biasGradientVector, 1);
        }
        if (!takes) {
            return;
        }
        Nd4j.gemm(node.weights.reshape('c', outDepth, buffers.kernels), deltaT, buffers.columnGradient, true, false, 1.0, 0.0);
        INDArray inputGradient = direct ? source.epsilon : node.inputGradient4;
        col2im(buffers, rows, inputGradient);
        finish(source, takes, direct, inputGradient, rows);
    }

    private static void finish(Node source, boolean takes, boolean direct, INDArray inputGradient, int rows) {
        if (direct) {
            source.epsilonWritten = true;
        } else if (takes) {
            DirectStepKernels.accumulate(source, inputGradient.reshape('c', rows, source.width));
        }
    }

    /** The patches of {@code in} ([rows, C, H, W]) into {@code buffers.columns}, through host copies. */
    private static void im2col(INDArray in, Buffers buffers, int rows) {
        INDArray whole = in.isView() || in.ordering() != 'c' || in.offset() != 0 ? in.dup('c') : in;
        int pixels = buffers.pixels;
        int stride = rows * pixels;
        int[] map = buffers.map;
        if (buffers.inFloats != null) {
            float[] src = buffers.inFloats;
            float[] dst = buffers.colFloats;
            ((FloatPointer) whole.data().addressPointer()).get(src, 0, src.length);
            for (int k = 0; k < buffers.kernels; k++) {
                for (int n = 0; n < rows; n++) {
                    int base = n * buffers.imageSize;
                    int to = k * stride + n * pixels;
                    int from = k * pixels;
                    for (int p = 0; p < pixels; p++) {
                        int at = map[from + p];
                        dst[to + p] = at < 0 ? 0f : src[base + at];
                    }
                }
            }
            ((FloatPointer) buffers.columns.data().addressPointer()).put(dst, 0, dst.length);
        } else {
            double[] src = buffers.inDoubles;
            double[] dst = buffers.colDoubles;
            ((DoublePointer) whole.data().addressPointer()).get(src, 0, src.length);
            for (int k = 0; k < buffers.kernels; k++) {
                for (int n = 0; n < rows; n++) {
                    int base = n * buffers.imageSize;
                    int to = k * stride + n * pixels;
                    int from = k * pixels;
                    for (int p = 0; p < pixels; p++) {
                        int at = map[from + p];
                        dst[to + p] = at < 0 ? 0.0 : src[base + at];
                    }
                }
            }
            ((DoublePointer) buffers.columns.data().addressPointer()).put(dst, 0, dst.length);
        }
    }

    /** The patches' gradient summed back onto the input's pixels (col2im), into {@code target} (a whole row-major buffer). */
    private static void col2im(Buffers buffers, int rows, INDArray target) {
        int pixels = buffers.pixels;
        int stride = rows * pixels;
        int[] map = buffers.map;
        if (buffers.inFloats != null) {
            float[] src = buffers.colFloats;
            float[] dst = buffers.inFloats;
            ((FloatPointer) buffers.columnGradient.data().addressPointer()).get(src, 0, src.length);
            Arrays.fill(dst, 0f);
            for (int k = 0; k < buffers.kernels; k++) {
                for (int n = 0; n < rows; n++) {
                    int base = n * buffers.imageSize;
                    int from = k * stride + n * pixels;
                    int at0 = k * pixels;
                    for (int p = 0; p < pixels; p++) {
                        int at = map[at0 + p];
                        if (at >= 0) {
                            dst[base + at] += src[from + p];
                        }
                    }
                }
            }
            ((FloatPointer) target.data().addressPointer()).put(dst, 0, dst.length);
        } else {
            double[] src = buffers.colDoubles;
            double[] dst = buffers.inDoubles;
            ((DoublePointer) buffers.columnGradient.data().addressPointer()).get(src, 0, src.length);
            Arrays.fill(dst, 0.0);
            for (int k = 0; k < buffers.kernels; k++) {
                for (int n = 0; n < rows; n++) {
                    int base = n * buffers.imageSize;
                    int from = k * stride + n * pixels;
                    int at0 = k * pixels;
                    for (int p = 0; p < pixels; p++) {
                        int at = map[at0 + p];
                        if (at >= 0) {
                            dst[base + at] += src[from + p];
                        }
                    }
                }
            }
            ((DoublePointer) target.data().addressPointer()).put(dst, 0, dst.length);
        }
    }

    /** The node's input as [rows, channels, height, width]: a view of the input's buffer (or of the features). */
    private static INDArray input4(Node node) {
        Node input = node.input;
        if (input.out4 != null) {
            return input.out4;
        }
        int[] shape = node.inShape;
        return input.out.reshape('c', input.out.rows(), shape[0], shape[1], shape[2]);
    }
}
