package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.HostArray;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of a cross-stitch unit ({@code CrossStitchLayer}) in a {@link DirectTrainingStep}. Its input is T
 * towers side by side, {@code x = [x_1 | ... | x_T]} (each rows x w), its output {@code y_t = sum_s alpha[t, s] x_s};
 * backward, for {@code d = dL/dy}: {@code dL/dx_s = sum_t alpha[t, s] d_t} and
 * {@code dL/dalpha[t, s] = sum(d_t * x_s)} over rows and columns. T x T small axpy's per row: Java loops over host
 * copies of the buffers ({@link HostArray}; the input is copied once per forward pass), as in {@code GatedSumKernel}.
 * DL4J's {@code CrossStitchUnit} computes the same sums as GEMMs on a transposed copy, in another order. Stateless.
 */
final class CrossStitchKernel {

    private CrossStitchKernel() {
    }

    /** The forward pass, into the node's output; reads alpha from the graph's parameters. */
    static void forward(Node node) {
        int towers = node.towers;
        double[] alpha = node.alpha.dup('c').data().asDouble();
        HostArray in = node.stitchIn;
        in.load();
        HostArray out = node.stitchOut;
        int rows = (int) node.out.rows();
        int width = node.width / towers;
        if (out.floats != null) {
            float[] x = in.floats;
            float[] y = out.floats;
            java.util.Arrays.fill(y, 0f);
            for (int n = 0; n < rows; n++) {
                int row = n * node.width;
                for (int t = 0; t < towers; t++) {
                    int target = row + t * width;
                    for (int s = 0; s < towers; s++) {
                        float a = (float) alpha[t * towers + s];
                        int source = row + s * width;
                        for (int k = 0; k < width; k++) {
                            y[target + k] += a * x[source + k];
                        }
                    }
                }
            }
        } else {
            double[] x = in.doubles;
            double[] y = out.doubles;
            java.util.Arrays.fill(y, 0.0);
            for (int n = 0; n < rows; n++) {
                int row = n * node.width;
                for (int t = 0; t < towers; t++) {
                    int target = row + t * width;
                    for (int s = 0; s < towers; s++) {
                        double a = alpha[t * towers + s];
                        int source = row + s * width;
                        for (int k = 0; k < width; k++) {
                            y[target + k] += a * x[source + k];
                        }
                    }
                }
            }
        }
        out.store();
    }

    /**
     * The backward pass from the node's epsilon (zero if nothing was written): alpha's gradient into the graph's gradient
     * view, the input's gradient added to its epsilon.
     */
    static void backward(Node node) {
        if (!node.epsilonWritten) {
            node.epsilon.assign(0);
        }
        int towers = node.towers;
        double[] alpha = node.alpha.dup('c').data().asDouble();
        HostArray epsilon = node.stitchEpsilon;
        epsilon.load();
        HostArray inEpsilon = node.stitchInEpsilon;
        Node input = node.input;
        if (input.epsilonWritten) {
            inEpsilon.load();
        } else {
            inEpsilon.zero();
        }
        int rows = (int) node.out.rows();
        int width = node.width / towers;
        double[] alphaGradient = new double[towers * towers];
        if (epsilon.floats != null) {
            float[] x = node.stitchIn.floats;
            float[] d = epsilon.floats;
            float[] dx = inEpsilon.floats;
            for (int n = 0; n < rows; n++) {
                int row = n * node.width;
                for (int t = 0; t < towers; t++) {
                    int gradient = row + t * width;
                    for (int s = 0; s < towers; s++) {
                        int source = row + s * width;
                        float a = (float) alpha[t * towers + s];
                        float dot = 0f;
                        for (int k = 0; k < width; k++) {
                            float g = d[gradient + k];
                            dot += g * x[source + k];
                            dx[source + k] += a * g;
                        }
                        alphaGradient[t * towers + s] += dot;
                    }
                }
            }
        } else {
            double[] x = node.stitchIn.doubles;
            double[] d = epsilon.doubles;
            double[] dx = inEpsilon.doubles;
            for (int n = 0; n < rows; n++) {
                int row = n * node.width;
                for (int t = 0; t < towers; t++) {
                    int gradient = row + t * width;
                    for (int s = 0; s < towers; s++) {
                        int source = row + s * width;
                        double a = alpha[t * towers + s];
                        double dot = 0.0;
                        for (int k = 0; k < width; k++) {
                            double g = d[gradient + k];
                            dot += g * x[source + k];
                            dx[source + k] += a * g;
                        }
                        alphaGradient[t * towers + s] += dot;
                    }
                }
            }
        }
        inEpsilon.store();
        input.epsilonWritten = true;
        node.alphaGradient.assign(Nd4j.create(alphaGradient, new long[] {towers, towers}, node.alphaGradient.dataType()));
    }
}
