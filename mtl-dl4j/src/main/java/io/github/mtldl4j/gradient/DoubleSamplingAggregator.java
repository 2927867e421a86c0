package io.github.mtldl4j.gradient;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The frame MoDo and SDMGrad share (both NeurIPS 2023): task weights on the simplex, kept from step to step (1/K
 * before the first), moved each step by {@link #step} from the product {@code G_1 G_2^T} of two independent samples'
 * task gradients (unbiased for {@code G G^T}), and the update taken on a third sample, {@code sum_t c_t g_{3,t}} with
 * {@link #coefficient}. The weights are the checkpoint state, under one entry.
 */
abstract class DoubleSamplingAggregator implements MultiSampleAggregator {
    private final String name;
    private final String entry;
    private double[] weights;

    /**
     * @param name the method's name, for messages
     * @param entry the name of the weights in the checkpoint state
     */
    DoubleSamplingAggregator(String name, String entry) {
        this.name = name;
        this.entry = entry;
    }

    /** The weights after one training step, from the current ones and {@code gg = G_1 G_2^T} (K x K). */
    abstract double[] step(double[][] gg, double[] current);

    /** Task {@code t}'s coefficient of the update on the third sample, given the new weights. */
    abstract double coefficient(double[] weights, int t);

    @Override
    public String name() {
        return name;
    }

    @Override
    public int samples() {
        return 3;
    }

    @Override
    public void start() {
        weights = null;
    }

    @Override
    public Map<String, double[]> state() {
        return weights == null ? Map.of() : Map.of(entry, weights.clone());
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        if (state.isEmpty()) {
            return;
        }
        double[] saved = state.get(entry);
        if (state.size() != 1 || saved == null || saved.length == 0) {
            throw new IllegalArgumentException(name + ": expected a saved state with the entry '" + entry + "' (K), received "
                    + state.keySet() + ": resume from a checkpoint written with " + name + ".");
        }
        weights = saved.clone();
    }

    /** The current weights on the simplex (null before the first step). */
    public double[] weights() {
        return weights == null ? null : weights.clone();
    }

    @Override
    public INDArray combine(List<INDArray> samples, Random random) {
        INDArray first = samples.get(0);
        int k = (int) first.rows();
        INDArray product = Nd4j.gemm(first, samples.get(1), false, true);
        double[][] gg = product.toDoubleMatrix();
        product.close();
        if (weights == null || weights.length != k) {
            weights = new double[k];
            Arrays.fill(weights, 1.0 / k);
        }
        weights = step(gg, weights);
        INDArray coefficients = Nd4j.create(first.dataType(), 1, k);
        for (int t = 0; t < k; t++) {
            coefficients.putScalar(0, t, coefficient(weights, t));
        }
        return Nd4j.gemm(coefficients, samples.get(2), false, false);
    }
}
