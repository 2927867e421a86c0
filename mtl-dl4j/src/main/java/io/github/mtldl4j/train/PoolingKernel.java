package io.github.mtldl4j.train;

import java.util.Arrays;

/**
 * Max and average pooling (NCHW) as Java loops over host copies, with the arithmetic of libnd4j's {@code maxpool2d},
 * {@code avgpool2d} and their {@code _bp} ops, which DL4J's {@code SubsamplingLayer} runs: each window clipped to the
 * image as libnd4j clips it (padding never counts); the maximum found scanning the window row by row, a value
 * replacing the current one only when strictly greater (starting from {@code -MAX_VALUE}), so of tied values the first
 * in row-major window order takes the gradient; the average is the window's sum divided by its size. The forward pass
 * records, per output, the input element the maximum came from, and the backward pass scatters each output's gradient
 * there in the same order as libnd4j adds it (no second search). Timed op by op, libnd4j's {@code maxpool2d_bp} took
 * about 9x its forward pass (docs/performance.md). Stateless.
 */
final class PoolingKernel {

    private PoolingKernel() {
    }

    /** The windows of one pooling: per output row and column, the first input row/column and the one past the last. */
    static final class Geometry {
        final int channels;
        final int height;
        final int width;
        final int outHeight;
        final int outWidth;
        final int dilationH;
        final int dilationW;
        final int[] hStart;
        final int[] hEnd;
        final int[] wStart;
        final int[] wEnd;
        /** Whether every window is 2 x 2, undilated and inside the image (the common case, unrolled). */
        final boolean plain2x2;

        /**
         * @param in   the input's channels, height, width
         * @param out  the output's channels, height, width
         * @param args libnd4j's integer arguments: kH, kW, sH, sW, pH, pW, dH, dW
         */
        Geometry(int[] in, int[] out, int[] args) {
            channels = in[0];
            height = in[1];
            width = in[2];
            outHeight = out[1];
            outWidth = out[2];
            dilationH = args[6];
            dilationW = args[7];
            hStart = new int[outHeight];
            hEnd = new int[outHeight];
            wStart = new int[outWidth];
            wEnd = new int[outWidth];
            clip(hStart, hEnd, args[0], args[2], args[4], dilationH, height);
            clip(wStart, wEnd, args[1], args[3], args[5], dilationW, width);
            boolean plain = args[0] == 2 && args[1] == 2 && dilationH == 1 && dilationW == 1;
            for (int o = 0; o < outHeight; o++) {
                plain &= hEnd[o] - hStart[o] == 2;
            }
            for (int o = 0; o < outWidth; o++) {
                plain &= wEnd[o] - wStart[o] == 2;
            }
            plain2x2 = plain;
        }

        /** libnd4j's clipping of a window of {@code kernel} taps (dilated) to {@code [0, size)}, tap-aligned. */
        private static void clip(int[] start, int[] end, int kernel, int stride, int padding, int dilation, int size) {
            int effective = kernel + (kernel - 1) * (dilation - 1);
            for (int o = 0; o < start.length; o++) {
                int from = o * stride - padding;
                int to = from + effective;
                if (from < 0) {
                    from += dilation * ((-from + dilation - 1) / dilation);
                }
                if (to > size) {
                    to -= dilation * ((to - size + dilation - 1) / dilation);
                }
                start[o] = from;
                end[o] = to;
            }
        }

        /** Number of taps in the window of output (oh, ow). */
        int count(int oh, int ow) {
            return ((hEnd[oh] - hStart[oh] + dilationH - 1) / dilationH) * ((wEnd[ow] - wStart[ow] + dilationW - 1) / dilationW);
        }
    }

    /** Max pooling of {@code planes} input planes: the maxima into {@code out}, their input positions into {@code argmax}. */
    static void maxForward(Geometry g, int planes, float[] in, float[] out, int[] argmax) {
        int inPlane = g.height * g.width;
        if (g.plain2x2) {
            // The loop below unrolled and without branches on the data (mispredicted on ReLU outputs: 5x slower here):
            // a tournament keeps the first of tied maxima as the row-major scan does. A NaN (which the scan skips)
            // makes the window take the scan.
            int w = g.width;
            for (int plane = 0, o = 0; plane < planes; plane++) {
                int base = plane * inPlane;
                for (int oh = 0; oh < g.outHeight; oh++) {
                    int row = base + g.hStart[oh] * w;
                    for (int ow = 0; ow < g.outWidth; ow++, o++) {
                        int a = row + g.wStart[ow];
                        float v0 = Math.max(in[a], -Float.MAX_VALUE);
                        float v1 = in[a + 1];
                        float v2 = Math.max(in[a + w], -Float.MAX_VALUE);
                        float v3 = in[a + w + 1];
                        int first = v1 > v0 ? a + 1 : a;
                        int second = v3 > v2 ? a + w + 1 : a + w;
                        float m01 = Math.max(v0, v1);
                        float m23 = Math.max(v2, v3);
                        argmax[o] = m23 > m01 ? second : first;
                        float max = Math.max(m01, m23);
                        out[o] = max;
                        if (max != max) {
                            scanWindow(g, in, out, argmax, base, oh, ow, o);
                        }
                    }
                }
            }
            return;
        }
        for (int plane = 0, o = 0; plane < planes; plane++) {
            int base = plane * inPlane;
            for (int oh = 0; oh < g.outHeight; oh++) {
                for (int ow = 0; ow < g.outWidth; ow++, o++) {
                    float max = -Float.MAX_VALUE;
                    int at = base + g.hStart[oh] * g.width + g.wStart[ow];
                    for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
                        int row = base + h * g.width;
                        for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                            float value = in[row + w];
                            if (value > max) {
                                max = value;
                                at = row + w;
                            }
                        }
                    }
                    out[o] = max;
                    argmax[o] = at;
                }
            }
        }
    }

    /** {@link #maxForward(Geometry, int, float[], float[], int[])} in double precision. */
    static void maxForward(Geometry g, int planes, double[] in, double[] out, int[] argmax) {
        int inPlane = g.height * g.width;
        if (g.plain2x2) {
            int w = g.width;
            for (int plane = 0, o = 0; plane < planes; plane++) {
                int base = plane * inPlane;
                for (int oh = 0; oh < g.outHeight; oh++) {
                    int row = base + g.hStart[oh] * w;
                    for (int ow = 0; ow < g.outWidth; ow++, o++) {
                        int a = row + g.wStart[ow];
                        double v0 = Math.max(in[a], -Double.MAX_VALUE);
                        double v1 = in[a + 1];
                        double v2 = Math.max(in[a + w], -Double.MAX_VALUE);
                        double v3 = in[a + w + 1];
                        int first = v1 > v0 ? a + 1 : a;
                        int second = v3 > v2 ? a + w + 1 : a + w;
                        double m01 = Math.max(v0, v1);
                        double m23 = Math.max(v2, v3);
                        argmax[o] = m23 > m01 ? second : first;
                        double max = Math.max(m01, m23);
                        out[o] = max;
                        if (max != max) {
                            scanWindow(g, in, out, argmax, base, oh, ow, o);
                        }
                    }
                }
            }
            return;
        }
        for (int plane = 0, o = 0; plane < planes; plane++) {
            int base = plane * inPlane;
            for (int oh = 0; oh < g.outHeight; oh++) {
                for (int ow = 0; ow < g.outWidth; ow++, o++) {
                    double max = -Double.MAX_VALUE;
                    int at = base + g.hStart[oh] * g.width + g.wStart[ow];
                    for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
                        int row = base + h * g.width;
                        for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                            double value = in[row + w];
                            if (value > max) {
                                max = value;
                                at = row + w;
                            }
                        }
                    }
                    out[o] = max;
                    argmax[o] = at;
                }
            }
        }
    }

    /** One window by the row-major scan (the windows with a NaN; NaN never replaces the current maximum). */
    private static void scanWindow(Geometry g, float[] in, float[] out, int[] argmax, int base, int oh, int ow, int o) {
        float max = -Float.MAX_VALUE;
        int at = base + g.hStart[oh] * g.width + g.wStart[ow];
        for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
            for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                float value = in[base + h * g.width + w];
                if (value > max) {
                    max = value;
                    at = base + h * g.width + w;
                }
            }
        }
        out[o] = max;
        argmax[o] = at;
    }

    private static void scanWindow(Geometry g, double[] in, double[] out, int[] argmax, int base, int oh, int ow, int o) {
        double max = -Double.MAX_VALUE;
        int at = base + g.hStart[oh] * g.width + g.wStart[ow];
        for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
            for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                double value = in[base + h * g.width + w];
                if (value > max) {
                    max = value;
                    at = base + h * g.width + w;
                }
            }
        }
        out[o] = max;
        argmax[o] = at;
    }

    /** The input gradient of max pooling: each output's gradient added at its maximum's position, the rest 0. */
    static void maxBackward(float[] epsilon, int[] argmax, float[] inputGradient) {
        Arrays.fill(inputGradient, 0f);
        for (int o = 0; o < argmax.length; o++) {
            inputGradient[argmax[o]] += epsilon[o];
        }
    }

    /** {@link #maxBackward(float[], int[], float[])} in double precision. */
    static void maxBackward(double[] epsilon, int[] argmax, double[] inputGradient) {
        Arrays.fill(inputGradient, 0.0);
        for (int o = 0; o < argmax.length; o++) {
            inputGradient[argmax[o]] += epsilon[o];
        }
    }

    /** Average pooling of {@code planes} input planes: each window's sum (row-major) divided by its number of taps. */
    static void averageForward(Geometry g, int planes, float[] in, float[] out) {
        int inPlane = g.height * g.width;
        for (int plane = 0, o = 0; plane < planes; plane++) {
            int base = plane * inPlane;
            for (int oh = 0; oh < g.outHeight; oh++) {
                for (int ow = 0; ow < g.outWidth; ow++, o++) {
                    float sum = 0f;
                    for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
                        int row = base + h * g.width;
                        for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                            sum += in[row + w];
                        }
                    }
                    out[o] = sum / g.count(oh, ow);
                }
            }
        }
    }

    /** {@link #averageForward(Geometry, int, float[], float[])} in double precision. */
    static void averageForward(Geometry g, int planes, double[] in, double[] out) {
        int inPlane = g.height * g.width;
        for (int plane = 0, o = 0; plane < planes; plane++) {
            int base = plane * inPlane;
            for (int oh = 0; oh < g.outHeight; oh++) {
                for (int ow = 0; ow < g.outWidth; ow++, o++) {
                    double sum = 0.0;
                    for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
                        int row = base + h * g.width;
                        for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                            sum += in[row + w];
                        }
                    }
                    out[o] = sum / g.count(oh, ow);
                }
            }
        }
    }

    /** The input gradient of average pooling: each output's gradient divided by its window's taps, added to each. */
    static void averageBackward(Geometry g, int planes, float[] epsilon, float[] inputGradient) {
        Arrays.fill(inputGradient, 0f);
        int inPlane = g.height * g.width;
        for (int plane = 0, o = 0; plane < planes; plane++) {
            int base = plane * inPlane;
            for (int oh = 0; oh < g.outHeight; oh++) {
                for (int ow = 0; ow < g.outWidth; ow++, o++) {
                    float share = epsilon[o] / g.count(oh, ow);
                    for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
                        int row = base + h * g.width;
                        for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                            inputGradient[row + w] += share;
                        }
                    }
                }
            }
        }
    }

    /** {@link #averageBackward(Geometry, int, float[], float[])} in double precision. */
    static void averageBackward(Geometry g, int planes, double[] epsilon, double[] inputGradient) {
        Arrays.fill(inputGradient, 0.0);
        int inPlane = g.height * g.width;
        for (int plane = 0, o = 0; plane < planes; plane++) {
            int base = plane * inPlane;
            for (int oh = 0; oh < g.outHeight; oh++) {
                for (int ow = 0; ow < g.outWidth; ow++, o++) {
                    double share = epsilon[o] / g.count(oh, ow);
                    for (int h = g.hStart[oh]; h < g.hEnd[oh]; h += g.dilationH) {
                        int row = base + h * g.width;
                        for (int w = g.wStart[ow]; w < g.wEnd[ow]; w += g.dilationW) {
                            inputGradient[row + w] += share;
                        }
                    }
                }
            }
        }
    }
}
