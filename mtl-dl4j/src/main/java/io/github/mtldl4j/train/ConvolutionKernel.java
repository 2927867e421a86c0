package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.HostArray;
import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of a {@link DirectTrainingStep}'s convolutions and poolings. Between them the images stay in Java
 * arrays (each node's output and epsilon have a host copy; an ND4J buffer is written only for a reader outside the
 * trunk, e.g. the dense layer after the last pooling), so only the GEMMs' operands cross to ND4J, each in one bulk
 * copy. A convolution is im2col then one GEMM, as DL4J's own layer computes it: the patches of the whole batch as a
 * K x (rows x P) matrix (K = channels x kH x kW in the weights' order, P = output pixels per image), filled by a Java
 * loop (row copies at stride 1 without padding, else a per-image index map; measured about 8x faster here than
 * libnd4j's {@code im2col}, whose strided writes dominated its {@code conv2d}); the weights times it; then one loop
 * adds the bias, applies ReLU (other activations: DL4J's, on the ND4J buffer) and transposes into NCHW. Backward: one
 * loop multiplies the epsilon by ReLU's derivative, transposes it and sums the bias gradient; the weight gradient and
 * the patches' gradient as one GEMM each, col2im by the same map. Poolings are {@link PoolingKernel}'s loops. Stateless.
 */
final class ConvolutionKernel {

    private ConvolutionKernel() {
    }

    /** Whether a node is a convolution or pooling (its buffers are images, with host copies). */
    static boolean isSpatial(Node node) {
        return node.kind == Kind.CONVOLUTION || node.kind == Kind.POOLING;
    }

    /** Host copies and ND4J matrices of one convolution or pooling for the current batch size. */
    static final class Buffers {
        final int rows;
        /** The node's output (always current after the forward pass) and epsilon (null without a backward pass). */
        final HostArray out;
        final HostArray epsilon;
        /** The pre-activations of a convolution whose activation is neither ReLU nor the identity, else null. */
        final HostArray preOut;
        /** The input's values when the input is not a convolution or pooling (else its host copy is read). */
        final float[] inFloats;
        final double[] inDoubles;
        /** dL/d(input) bound for an ND4J epsilon (null when the input takes none or its host copy receives it). */
        final HostArray inputGradient;
        /** A convolution's patch layout: per patch element k and output pixel p, the input's offset in an image (-1: padding). */
        final int[] map;
        /** Per patch element k and output row, the offset of its first input value, when each output row reads a contiguous run. */
        final int[] runs;
        final int kernels;
        final int pixels;
        final int imageSize;
        /** A convolution's patches, K x (rows x P), and their host copy. */
        final INDArray columns;
        final HostArray columnsHost;
        /** The output before its transposition (forward), then the delta transposed (backward): out x (rows x P). */
        final INDArray transposed;
        final HostArray transposedHost;
        /** The patches' gradient, K x (rows x P) (null when the input takes no gradient). */
        final INDArray columnGradient;
        final HostArray columnGradientHost;
        /** A pooling's windows, and per output the input position of its maximum (max pooling). */
        final PoolingKernel.Geometry geometry;
        final int[] argmax;

        Buffers(Node node, int rows, boolean backward) {
            this.rows = rows;
            boolean hostInput = isSpatial(node.input);
            boolean takes = backward && DirectStepKernels.takesGradient(node.input);
            int[] in = node.inShape;
            int[] out = node.outShape;
            int[] args = node.spatialArgs;
            DataType type = node.out.dataType();
            boolean floats = type == DataType.FLOAT;
            imageSize = in[0] * in[1] * in[2];
            pixels = out[1] * out[2];
            this.out = new HostArray(node.out);
            epsilon = backward ? new HostArray(node.epsilon) : null;
            preOut = node.preOut != null ? new HostArray(node.preOut) : null;
            inFloats = !hostInput && floats ? new float[rows * imageSize] : null;
            inDoubles = !hostInput && !floats ? new double[rows * imageSize] : null;
            inputGradient = node.inputGradient != null ? new HostArray(node.inputGradient) : null;
            if (node.kind == Kind.POOLING) {
                geometry = new PoolingKernel.Geometry(in, out, args);
                argmax = node.pooling == PoolingType.MAX ? new int[rows * node.width] : null;
                map = null;
                runs = null;
                kernels = 0;
                columns = null;
                columnsHost = null;
                transposed = null;
                transposedHost = null;
                columnGradient = null;
                columnGradientHost = null;
                return;
            }
            geometry = null;
            argmax = null;
            kernels = in[0] * args[0] * args[1];
            map = new int[kernels * pixels];
            boolean contiguous = args[3] == 1 && args[7] == 1 && args[4] == 0 && args[5] == 0;
            runs = contiguous ? new int[kernels * out[1]] : null;
            for (int c = 0, k = 0; c < in[0]; c++) {
                for (int kh = 0; kh < args[0]; kh++) {
                    for (int kw = 0; kw < args[1]; kw++, k++) {
                        for (int oh = 0, p = 0; oh < out[1]; oh++) {
                            int h = oh * args[2] + kh * args[6] - args[4];
                            if (runs != null) {
                                runs[k * out[1] + oh] = (c * in[1] + h) * in[2] + kw;
                            }
                            for (int ow = 0; ow < out[2]; ow++, p++) {
                                int w = ow * args[3] + kw * args[7] - args[5];
                                map[k * pixels + p] = h < 0 || h >= in[1] || w < 0 || w >= in[2] ? -1 : (c * in[1] + h) * in[2] + w;
                            }
                        }
                    }
                }
            }
            columns = Nd4j.create(type, kernels, (long) rows * pixels);
            columnsHost = new HostArray(columns);
            transposed = Nd4j.create(type, out[0], (long) rows * pixels);
            transposedHost = new HostArray(transposed);
            columnGradient = takes ? Nd4j.create(type, kernels, (long) rows * pixels) : null;
            columnGradientHost = columnGradient == null ? null : new HostArray(columnGradient);
        }
    }

    /** The forward pass of a convolution (then its activation) or a pooling, into the node's host copy (and buffer). */
    static void forward(Node node) {
        Buffers buffers = node.spatial;
        Node source = node.input;
        boolean hostInput = isSpatial(source);
        if (!hostInput) {
            INDArray in = source.out;
            INDArray whole = in.isView() || in.ordering() != 'c' || in.offset() != 0 ? in.dup('c') : in;
            if (buffers.inFloats != null) {
                ((FloatPointer) whole.data().addressPointer()).get(buffers.inFloats, 0, buffers.inFloats.length);
            } else {
                ((DoublePointer) whole.data().addressPointer()).get(buffers.inDoubles, 0, buffers.inDoubles.length);
            }
        }
        float[] inFloats = hostInput ? source.spatial.out.floats : buffers.inFloats;
        double[] inDoubles = hostInput ? source.spatial.out.doubles : buffers.inDoubles;
        int rows = buffers.rows;
        if (node.kind == Kind.POOLING) {
            int planes = rows * node.outShape[0];
            if (node.pooling == PoolingType.MAX) {
                if (inFloats != null) {
                    PoolingKernel.maxForward(buffers.geometry, planes, inFloats, buffers.out.floats, buffers.argmax);
                } else {
                    PoolingKernel.maxForward(buffers.geometry, planes, inDoubles, buffers.out.doubles, buffers.argmax);
                }
            } else if (inFloats != null) {
                PoolingKernel.averageForward(buffers.geometry, planes, inFloats, buffers.out.floats);
            } else {
                PoolingKernel.averageForward(buffers.geometry, planes, inDoubles, buffers.out.doubles);
            }
            if (node.storeOut) {
                buffers.out.store();
            }
            return;
        }
        if (inFloats != null) {
            im2col(buffers, inFloats, buffers.columnsHost.floats);
        } else {
            im2col(buffers, inDoubles, buffers.columnsHost.doubles);
        }
        buffers.columnsHost.store();
        int outDepth = node.outShape[0];
        Nd4j.gemm(node.weights.reshape('c', outDepth, buffers.kernels), buffers.columns, buffers.transposed, false, false, 1.0, 0.0);
        buffers.transposedHost.load();
        boolean own = node.relu || node.identity;
        HostArray target = own ? buffers.out : buffers.preOut;
        if (inFloats != null) {
            float[] bias = node.bias == null ? new float[outDepth] : node.biasVector.toFloatVector();
            untranspose(buffers, bias, node.relu, buffers.transposedHost.floats, target.floats);
        } else {
            double[] bias = node.bias == null ? new double[outDepth] : node.biasVector.toDoubleVector();
            untranspose(buffers, bias, node.relu, buffers.transposedHost.doubles, target.doubles);
        }
        if (own) {
            if (node.storeOut) {
                buffers.out.store();
            }
        } else {
            buffers.preOut.store();
            DirectStepKernels.activate(node);
            buffers.out.load();
        }
    }

    /**
     * The backward pass from the node's epsilon: a convolution's weight and bias gradients (sums over the batch, as
     * DL4J leaves them) and its input's epsilon, or a pooling's input epsilon; into the input's host copy when this
     * node is its only reader, else written or added into its ND4J epsilon.
     */
    static void backward(Node node) {
        Buffers buffers = node.spatial;
        Node source = node.input;
        boolean takes = DirectStepKernels.takesGradient(source);
        if (node.kind == Kind.POOLING && !takes) {
            return;
        }
        if (!node.epsilonWritten) {
            buffers.epsilon.zero();
        } else if (!node.hostEpsilon) {
            buffers.epsilon.load();
        }
        boolean hostTarget = isSpatial(source) && source.hostEpsilon;
        HostArray target = !takes ? null : hostTarget ? source.spatial.epsilon : buffers.inputGradient;
        int rows = buffers.rows;
        if (node.kind == Kind.POOLING) {
            int planes = rows * node.outShape[0];
            if (node.pooling == PoolingType.MAX) {
                if (target.floats != null) {
                    PoolingKernel.maxBackward(buffers.epsilon.floats, buffers.argmax, target.floats);
                } else {
                    PoolingKernel.maxBackward(buffers.epsilon.doubles, buffers.argmax, target.doubles);
                }
            } else if (target.floats != null) {
                PoolingKernel.averageBackward(buffers.geometry, planes, buffers.epsilon.floats, target.floats);
            } else {
                PoolingKernel.averageBackward(buffers.geometry, planes, buffers.epsilon.doubles, target.doubles);
            }
            finish(node, source, hostTarget, rows);
            return;
        }
        int outDepth = node.outShape[0];
        if (!node.relu && !node.identity) {
            // DL4J's activation derivative on the ND4J buffers; its delta back on the host.
            buffers.epsilon.store();
            INDArray delta = DirectStepKernels.delta(node);
            if (delta != node.epsilon) {
                node.epsilon.assign(delta);
            }
            buffers.epsilon.load();
        }
        double[] biasGradient = new double[outDepth];
        if (buffers.epsilon.floats != null) {
            transposeDelta(buffers, node.relu, buffers.epsilon.floats, buffers.out.floats, buffers.transposedHost.floats, biasGradient);
        } else {
            transposeDelta(buffers, node.relu, buffers.epsilon.doubles, buffers.out.doubles, buffers.transposedHost.doubles,
                    biasGradient);
        }
        buffers.transposedHost.store();
        INDArray deltaT = buffers.transposed;
        // As DL4J: the c-order weight gradient [out, K] written as its f-order transpose [K, out].
        INDArray weightGradientT = node.weightGradient.reshape('c', outDepth, buffers.kernels).transpose();
        Nd4j.gemm(buffers.columns, deltaT, weightGradientT, false, true, 1.0, 0.0);
        if (node.biasGradient != null) {
            for (int c = 0; c < outDepth; c++) {
                node.biasGradientVector.putScalar(c, biasGradient[c]);
            }
        }
        if (!takes) {
            return;
        }
        Nd4j.gemm(node.weights.reshape('c', outDepth, buffers.kernels), deltaT, buffers.columnGradient, true, false, 1.0, 0.0);
        buffers.columnGradientHost.load();
        if (target.floats != null) {
            col2im(buffers, buffers.columnGradientHost.floats, target.floats);
        } else {
            col2im(buffers, buffers.columnGradientHost.doubles, target.doubles);
        }
        finish(node, source, hostTarget, rows);
    }

    /** Marks the input's host epsilon written, or hands the input gradient to its ND4J epsilon. */
    private static void finish(Node node, Node source, boolean hostTarget, int rows) {
        if (hostTarget) {
            source.epsilonWritten = true;
            return;
        }
        node.spatial.inputGradient.store();
        DirectStepKernels.accumulate(source, node.inputGradient.reshape('c', rows, source.width));
    }

    /** The patches of the images {@code src} (rows x C x H x W) into {@code dst} (K x (rows x P)). */
    private static void im2col(Buffers buffers, float[] src, float[] dst) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        if (buffers.runs != null) {
            int outRows = buffers.runs.length / buffers.kernels;
            int outWidth = pixels / outRows;
            for (int n = 0; n < buffers.rows; n++) {
                int base = n * buffers.imageSize;
                for (int k = 0; k < buffers.kernels; k++) {
                    int to = k * stride + n * pixels;
                    for (int oh = 0; oh < outRows; oh++, to += outWidth) {
                        System.arraycopy(src, base + buffers.runs[k * outRows + oh], dst, to, outWidth);
                    }
                }
            }
            return;
        }
        int[] map = buffers.map;
        for (int n = 0; n < buffers.rows; n++) {
            int base = n * buffers.imageSize;
            for (int k = 0; k < buffers.kernels; k++) {
                int to = k * stride + n * pixels;
                int from = k * pixels;
                for (int p = 0; p < pixels; p++) {
                    int at = map[from + p];
                    dst[to + p] = at < 0 ? 0f : src[base + at];
                }
            }
        }
    }

    private static void im2col(Buffers buffers, double[] src, double[] dst) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        if (buffers.runs != null) {
            int outRows = buffers.runs.length / buffers.kernels;
            int outWidth = pixels / outRows;
            for (int n = 0; n < buffers.rows; n++) {
                int base = n * buffers.imageSize;
                for (int k = 0; k < buffers.kernels; k++) {
                    int to = k * stride + n * pixels;
                    for (int oh = 0; oh < outRows; oh++, to += outWidth) {
                        System.arraycopy(src, base + buffers.runs[k * outRows + oh], dst, to, outWidth);
                    }
                }
            }
            return;
        }
        int[] map = buffers.map;
        for (int n = 0; n < buffers.rows; n++) {
            int base = n * buffers.imageSize;
            for (int k = 0; k < buffers.kernels; k++) {
                int to = k * stride + n * pixels;
                int from = k * pixels;
                for (int p = 0; p < pixels; p++) {
                    int at = map[from + p];
                    dst[to + p] = at < 0 ? 0.0 : src[base + at];
                }
            }
        }
    }

    /** The patches' gradient {@code src} summed back onto the images' pixels (col2im) in {@code dst}, zeroed first. */
    private static void col2im(Buffers buffers, float[] src, float[] dst) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        Arrays.fill(dst, 0f);
        if (buffers.runs != null) {
            int outRows = buffers.runs.length / buffers.kernels;
            int outWidth = pixels / outRows;
            for (int n = 0; n < buffers.rows; n++) {
                int base = n * buffers.imageSize;
                for (int k = 0; k < buffers.kernels; k++) {
                    int from = k * stride + n * pixels;
                    for (int oh = 0; oh < outRows; oh++, from += outWidth) {
                        int to = base + buffers.runs[k * outRows + oh];
                        for (int ow = 0; ow < outWidth; ow++) {
                            dst[to + ow] += src[from + ow];
                        }
                    }
                }
            }
            return;
        }
        int[] map = buffers.map;
        for (int n = 0; n < buffers.rows; n++) {
            int base = n * buffers.imageSize;
            for (int k = 0; k < buffers.kernels; k++) {
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
    }

    private static void col2im(Buffers buffers, double[] src, double[] dst) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        Arrays.fill(dst, 0.0);
        if (buffers.runs != null) {
            int outRows = buffers.runs.length / buffers.kernels;
            int outWidth = pixels / outRows;
            for (int n = 0; n < buffers.rows; n++) {
                int base = n * buffers.imageSize;
                for (int k = 0; k < buffers.kernels; k++) {
                    int from = k * stride + n * pixels;
                    for (int oh = 0; oh < outRows; oh++, from += outWidth) {
                        int to = base + buffers.runs[k * outRows + oh];
                        for (int ow = 0; ow < outWidth; ow++) {
                            dst[to + ow] += src[from + ow];
                        }
                    }
                }
            }
            return;
        }
        int[] map = buffers.map;
        for (int n = 0; n < buffers.rows; n++) {
            int base = n * buffers.imageSize;
            for (int k = 0; k < buffers.kernels; k++) {
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
    }

    /**
     * The GEMM's output {@code t} (out x (rows x P)) plus the bias, through ReLU if {@code relu}, into NCHW rows
     * {@code dst}; ReLU as {@code Math.max(v, 0)}: negative values to +0, NaN kept, as ND4J's {@code RectifiedLinear(0)}
     * (which keeps a -0); no branch on the data (mispredicted half the time on a branch).
     */
    private static void untranspose(Buffers buffers, float[] bias, boolean relu, float[] t, float[] dst) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        int width = bias.length * pixels;
        for (int c = 0; c < bias.length; c++) {
            float b = bias[c];
            for (int n = 0; n < buffers.rows; n++) {
                int from = c * stride + n * pixels;
                int to = n * width + c * pixels;
                if (relu) {
                    for (int p = 0; p < pixels; p++) {
                        dst[to + p] = Math.max(t[from + p] + b, 0f);
                    }
                } else {
                    for (int p = 0; p < pixels; p++) {
                        dst[to + p] = t[from + p] + b;
                    }
                }
            }
        }
    }

    private static void untranspose(Buffers buffers, double[] bias, boolean relu, double[] t, double[] dst) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        int width = bias.length * pixels;
        for (int c = 0; c < bias.length; c++) {
            double b = bias[c];
            for (int n = 0; n < buffers.rows; n++) {
                int from = c * stride + n * pixels;
                int to = n * width + c * pixels;
                if (relu) {
                    for (int p = 0; p < pixels; p++) {
                        dst[to + p] = Math.max(t[from + p] + b, 0.0);
                    }
                } else {
                    for (int p = 0; p < pixels; p++) {
                        dst[to + p] = t[from + p] + b;
                    }
                }
            }
        }
    }

    /**
     * The delta (the epsilon times ReLU's 0/1 derivative if {@code relu}, as the dense layers' step-times-epsilon)
     * transposed into {@code dT} (out x (rows x P)), and its sum per channel (the bias gradient) into {@code biasGradient}.
     * The derivative without a branch on the data: the outputs are +0 or positive (from {@link #untranspose}), and a
     * positive value times 2^149 (2^1074 in double), the reciprocal of the smallest subnormal, is at least 1.
     */
    private static void transposeDelta(Buffers buffers, boolean relu, float[] epsilon, float[] out, float[] dT, double[] biasGradient) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        int width = biasGradient.length * pixels;
        for (int c = 0; c < biasGradient.length; c++) {
            double sum = 0.0;
            for (int n = 0; n < buffers.rows; n++) {
                int from = n * width + c * pixels;
                int to = c * stride + n * pixels;
                if (relu) {
                    for (int p = 0; p < pixels; p++) {
                        float d = epsilon[from + p] * Math.min(out[from + p] * 0x1p100f * 0x1p49f, 1f);
                        dT[to + p] = d;
                        sum += d;
                    }
                } else {
                    for (int p = 0; p < pixels; p++) {
                        float d = epsilon[from + p];
                        dT[to + p] = d;
                        sum += d;
                    }
                }
            }
            biasGradient[c] = sum;
        }
    }

    private static void transposeDelta(Buffers buffers, boolean relu, double[] epsilon, double[] out, double[] dT,
                                       double[] biasGradient) {
        int pixels = buffers.pixels;
        int stride = buffers.rows * pixels;
        int width = biasGradient.length * pixels;
        for (int c = 0; c < biasGradient.length; c++) {
            double sum = 0.0;
            for (int n = 0; n < buffers.rows; n++) {
                int from = n * width + c * pixels;
                int to = c * stride + n * pixels;
                if (relu) {
                    for (int p = 0; p < pixels; p++) {
                        double d = epsilon[from + p] * Math.min(out[from + p] * 0x1p1000 * 0x1p74, 1.0);
                        dT[to + p] = d;
                        sum += d;
                    }
                } else {
                    for (int p = 0; p < pixels; p++) {
                        double d = epsilon[from + p];
                        dT[to + p] = d;
                        sum += d;
                    }
                }
            }
            biasGradient[c] = sum;
        }
    }
}
