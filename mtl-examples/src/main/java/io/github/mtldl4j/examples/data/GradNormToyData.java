package io.github.mtldl4j.examples.data;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The synthetic regression tasks of GradNorm (Chen, Badrinarayanan, Lee and Rabinovich, ICML 2018, Section 5.1):
 * f_i(x) = σ_i tanh((B + ε_i) x) with a shared matrix B and a task-specific perturbation ε_i, so the tasks are
 * related but differ, and their scales σ_i differ by orders of magnitude. Here x ~ N(0, I) in R^inputs, B and ε_i
 * have i.i.d. entries N(0, 10²) and N(0, 3.5²) scaled by 1/sqrt(inputs) (so tanh is not saturated for every input;
 * the paper does not state a scaling), and σ_i = 10^(2i/(T−1)) spreads from 1 to 100.
 */
public final class GradNormToyData {
    private final int inputs;
    private final int outputs;
    private final double[] sigmas;
    private final INDArray[] matrices;

    /**
     * @param tasks number of tasks T ({@code >= 2})
     * @param inputs input width (the paper: 250)
     * @param outputs output width of each task (the paper: 100)
     * @param seed seed of B and the ε_i
     */
    public GradNormToyData(int tasks, int inputs, int outputs, long seed) {
        if (tasks < 2 || inputs < 1 || outputs < 1) {
            throw new IllegalArgumentException("GradNorm toy needs >= 2 tasks and positive widths, received tasks=" + tasks
                    + ", inputs=" + inputs + ", outputs=" + outputs + ".");
        }
        this.inputs = inputs;
        this.outputs = outputs;
        Random random = new Random(seed);
        double scale = 1.0 / Math.sqrt(inputs);
        INDArray shared = gaussian(random, inputs, outputs, 10.0 * scale);
        this.sigmas = new double[tasks];
        this.matrices = new INDArray[tasks];
        for (int i = 0; i < tasks; i++) {
            sigmas[i] = Math.pow(10, 2.0 * i / (tasks - 1));
            matrices[i] = shared.add(gaussian(random, inputs, outputs, 3.5 * scale));
        }
    }

    /** The scale σ_i of task i. */
    public double sigma(int task) {
        return sigmas[task];
    }

    /** Number of tasks. */
    public int tasks() {
        return sigmas.length;
    }

    /** {@code rows} fresh examples: features x and one label matrix per task. */
    public MultiDataSet sample(int rows, long seed) {
        Random random = new Random(seed);
        INDArray x = gaussian(random, rows, inputs, 1.0);
        INDArray[] labels = new INDArray[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            labels[i] = Transforms.tanh(x.mmul(matrices[i]), false).muli(sigmas[i]).castTo(DataType.FLOAT);
        }
        return new MultiDataSet(new INDArray[] {x.castTo(DataType.FLOAT)}, labels);
    }

    /** Output width of every task. */
    public int outputs() {
        return outputs;
    }

    private static INDArray gaussian(Random random, int rows, int columns, double sd) {
        double[] values = new double[rows * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian() * sd;
        }
        return Nd4j.create(values, new long[] {rows, columns}, 'c');
    }
}
