package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link PoolingKernel} against libnd4j's pooling ops, which DL4J's {@code SubsamplingLayer} runs forward
 * ({@code maxpool2d}, {@code avgpool2d}) and backward ({@code maxpool2d_bp}, {@code avgpool2d_bp}): bitwise, since the
 * arithmetic and its order are the same; and a hand-computed case of tied maxima.
 */
class PoolingKernelTest {

    /**
     * One 4 x 4 image, 2 x 2 windows at stride 2, each window with a tie: the gradient of each output goes to the
     * first of its tied maxima in row-major window order, by hand and in libnd4j's {@code maxpool2d_bp}.
     */
    @Test
    void tiedMaximaGiveTheGradientToTheFirstInRowMajorOrder() {
        double[] image = {
            3, 3, 1, 5,
            1, 2, 5, 0,
            2, 2, 0, 1,
            2, 2, 4, 4};
        double[] epsilon = {10, 20, 30, 40};
        // Windows: {3,3;1,2} -> top left; {1,5;5,0} -> top right; {2,2;2,2} -> top left; {0,1;4,4} -> bottom left.
        double[] expected = {
            10, 0, 0, 20,
            0, 0, 0, 0,
            30, 0, 0, 0,
            0, 0, 40, 0};
        int[] args = {2, 2, 2, 2, 0, 0, 1, 1, 0, 0, 0};
        PoolingKernel.Geometry geometry = new PoolingKernel.Geometry(new int[] {1, 4, 4}, new int[] {1, 2, 2}, args);
        double[] out = new double[4];
        int[] argmax = new int[4];
        PoolingKernel.maxForward(geometry, 1, image, out, argmax);
        assertArrayEquals(new double[] {3, 5, 2, 4}, out);
        double[] gradient = new double[16];
        PoolingKernel.maxBackward(epsilon, argmax, gradient);
        assertArrayEquals(expected, gradient);

        INDArray libnd4j = Nd4j.create(DataType.DOUBLE, 1, 1, 4, 4);
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp").addInputs(Nd4j.createFromArray(image).reshape(1, 1, 4, 4),
                Nd4j.createFromArray(epsilon).reshape(1, 1, 2, 2)).addOutputs(libnd4j).addIntegerArguments(args).build());
        assertArrayEquals(expected, libnd4j.ravel().toDoubleVector(), "DL4J's backward op");
    }

    /**
     * Windows at stride 2 and 1 (overlapping: gradients add up), with padding (clipped windows) and dilation; values
     * on a coarse grid so that ties are frequent; FLOAT and DOUBLE.
     */
    @Test
    void maxAndAveragePoolingEqualLibnd4jBitwise() {
        int[][] cases = {
            // channels, height, width, kH, kW, sH, sW, pH, pW, dH, dW
            {3, 9, 8, 2, 2, 2, 2, 0, 0, 1, 1},
            {2, 7, 6, 3, 2, 1, 1, 0, 0, 1, 1},
            {2, 8, 7, 3, 3, 2, 2, 1, 1, 1, 1},
            {1, 9, 9, 2, 2, 1, 2, 0, 0, 2, 2}};
        int rows = 3;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] c : cases) {
                Nd4j.getRandom().setSeed(c[1] * 31L + c[3]);
                INDArray input = Nd4j.rand(type, rows, c[0], c[1], c[2]).muli(4).castTo(DataType.INT32).castTo(type);
                int[] out = new int[3];
                out[0] = c[0];
                for (int d = 0; d < 2; d++) {
                    out[d + 1] = (c[d + 1] + 2 * c[d + 7] - (c[d + 9] * (c[d + 3] - 1) + 1)) / c[d + 5] + 1;
                }
                INDArray epsilon = Nd4j.rand(type, rows, out[0], out[1], out[2]).subi(0.5);
                int[] args = {c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], 0, 0, 0};
                PoolingKernel.Geometry geometry = new PoolingKernel.Geometry(new int[] {c[0], c[1], c[2]}, out, args);
                for (boolean max : new boolean[] {true, false}) {
                    if (!max && (c[7] != 0 || c[8] != 0)) {
                        continue; // the direct step averages without padding only
                    }
                    String what = type + (max ? " max " : " average ") + java.util.Arrays.toString(c);
                    INDArray expectedOut = Nd4j.create(type, rows, out[0], out[1], out[2]);
                    Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d" : "avgpool2d").addInputs(input).addOutputs(expectedOut)
                            .addIntegerArguments(args).build());
                    INDArray expectedGradient = Nd4j.create(type, input.shape());
                    Nd4j.exec(DynamicCustomOp.builder(max ? "maxpool2d_bp" : "avgpool2d_bp").addInputs(input, epsilon)
                            .addOutputs(expectedGradient).addIntegerArguments(args).build());

                    INDArray actualOut;
                    INDArray actualGradient;
                    int planes = rows * c[0];
                    int[] argmax = new int[(int) expectedOut.length()];
                    if (type == DataType.FLOAT) {
                        float[] in = input.ravel().toFloatVector();
                        float[] pooled = new float[argmax.length];
                        float[] gradient = new float[in.length];
                        float[] eps = epsilon.ravel().toFloatVector();
                        if (max) {
                            PoolingKernel.maxForward(geometry, planes, in, pooled, argmax);
                            PoolingKernel.maxBackward(eps, argmax, gradient);
                        } else {
                            PoolingKernel.averageForward(geometry, planes, in, pooled);
                            PoolingKernel.averageBackward(geometry, planes, eps, gradient);
                        }
                        actualOut = Nd4j.createFromArray(pooled).reshape(expectedOut.shape());
                        actualGradient = Nd4j.createFromArray(gradient).reshape(input.shape());
                    } else {
                        double[] in = input.ravel().toDoubleVector();
                        double[] pooled = new double[argmax.length];
                        double[] gradient = new double[in.length];
                        double[] eps = epsilon.ravel().toDoubleVector();
                        if (max) {
                            PoolingKernel.maxForward(geometry, planes, in, pooled, argmax);
                            PoolingKernel.maxBackward(eps, argmax, gradient);
                        } else {
                            PoolingKernel.averageForward(geometry, planes, in, pooled);
                            PoolingKernel.averageBackward(geometry, planes, eps, gradient);
                        }
                        actualOut = Nd4j.createFromArray(pooled).reshape(expectedOut.shape());
                        actualGradient = Nd4j.createFromArray(gradient).reshape(input.shape());
                    }
                    assertIdentical(expectedOut, actualOut, what + " forward");
                    assertIdentical(expectedGradient, actualGradient, what + " backward");
                }
            }
        }
    }
}
