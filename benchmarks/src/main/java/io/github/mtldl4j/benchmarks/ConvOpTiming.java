package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One question: what do ND4J's own convolution ops ({@code conv2d}, {@code conv2d_bp}, {@code maxpool2d}, NCHW, weights
 * {@code [kH, kW, in, out]}) cost at the {@link BenchmarkModels#LENET lenet} model's two convolution shapes (256 images)?
 * DL4J's {@code ConvolutionLayer} does not call them on CPU (it runs its own im2col and GEMM); a direct convolutional
 * step could. Run it once per nd4j-native build (the oneDNN build by swapping that jar on the classpath, as
 * {@code benchmarks/nd4j-builds.sh} does): with oneDNN these ops run on oneDNN.
 *
 * <p>Usage: {@code java -cp ... io.github.mtldl4j.benchmarks.ConvOpTiming [REPEATS]} (default 8, after 2 of warm-up).
 */
public final class ConvOpTiming {
    private static final int KERNEL = 5;

    private ConvOpTiming() {
    }

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int images = BenchmarkModels.LENET.batchSize();
        System.out.println(BackendInfo.describe());
        // {input channels, side, filters}: conv_0 and conv_1 of the lenet trunk.
        for (int[] shape : new int[][] {{1, 36, 10}, {10, 16, 20}}) {
            int in = shape[0];
            int side = shape[1];
            int filters = shape[2];
            int out = side - KERNEL + 1;
            INDArray x = Nd4j.rand(DataType.FLOAT, images, in, side, side);
            INDArray w = Nd4j.rand(DataType.FLOAT, KERNEL, KERNEL, in, filters);
            INDArray b = Nd4j.rand(DataType.FLOAT, filters);
            INDArray y = Nd4j.create(DataType.FLOAT, images, filters, out, out);
            INDArray dy = Nd4j.rand(DataType.FLOAT, images, filters, out, out);
            INDArray pooled = Nd4j.create(DataType.FLOAT, images, filters, out / 2, out / 2);
            INDArray dx = x.ulike();
            INDArray dw = w.ulike();
            INDArray db = b.ulike();
            double[][] ms = new double[3][repeats];
            for (int r = -2; r < repeats; r++) {
                long t0 = System.nanoTime();
                exec("conv2d", convolution(), new INDArray[] {x, w, b}, y);
                long t1 = System.nanoTime();
                exec("conv2d_bp", convolution(), new INDArray[] {x, w, b, dy}, dx, dw, db);
                long t2 = System.nanoTime();
                exec("maxpool2d", new int[] {2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0}, new INDArray[] {y}, pooled);
                long t3 = System.nanoTime();
                if (r >= 0) {
                    ms[0][r] = (t1 - t0) / 1e6;
                    ms[1][r] = (t2 - t1) / 1e6;
                    ms[2][r] = (t3 - t2) / 1e6;
                }
            }
            for (double[] times : ms) {
                Arrays.sort(times);
            }
            System.out.printf(Locale.ROOT, "%d x %dx%d -> %d filters, %d images: conv2d %.1f ms, conv2d_bp %.1f ms, "
                    + "maxpool2d %.1f ms (medians of %d)%n", in, side, side, filters, images, ms[0][repeats / 2],
                    ms[1][repeats / 2], ms[2][repeats / 2], repeats);
        }
    }

    /** kH, kW, sH, sW, pH, pW, dH, dW, same mode (0: valid, DL4J's Truncate), data format (0: NCHW), weights format (0). */
    private static int[] convolution() {
        return new int[] {KERNEL, KERNEL, 1, 1, 0, 0, 1, 1, 0, 0, 0};
    }

    private static void exec(String op, int[] integers, INDArray[] inputs, INDArray... outputs) {
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(inputs).addOutputs(outputs).addIntegerArguments(integers).build());
    }
}
