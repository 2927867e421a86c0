package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * ExcessMTL: He et al., "Robust Multi-Task Learning with Excess Risks", ICML 2024
 * (<a href="https://openreview.net/forum?id=JzWFmMySpn">OpenReview</a>), Algorithm 1.
 *
 * <p>Tasks are weighted by their excess risk (loss above the best reachable), not their loss, so a task with much
 * irreducible noise does not take over. The excess risk of task t is estimated by a second-order expansion with the
 * diagonal Fisher (the running sum of squared gradients, as AdaGrad's): {@code H_t += g_t²} element-wise and
 * {@code e_t = Σ g_t² / sqrt(H_t + 1e-7)}. The first step's estimates are kept as {@code e_t⁰} and later ones divided by
 * them; the task weights move by exponentiated gradient ascent, {@code w_t ← w_t exp(η e_t / e_t⁰)}, renormalized to
 * sum to K (η = {@link #DEFAULT_STEP_SIZE} as LibMTL). The update is {@code Σ w_t g_t} with the weights after this
 * step's move, on heads too ({@code headScales} w_t). Weights start at 1, so the first step is the plain sum.
 *
 * <p>State: the K x S Fisher sums, the first estimates and the weights ({@link #state()} for checkpoints). A task
 * without labels in the batch adds nothing to its sum and takes no exponent this step; a task's first estimate is the
 * first non-zero one it has. Scale: the weights sum to K, the scale of {@link SumAggregator}.
 */
public final class ExcessMtl implements GradientMatrixAggregator {

    /** The command-line name. */
    public static final String NAME = "excess-mtl";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, ExcessMtl.class, o -> new ExcessMtl());

    /** LibMTL's step size η of the weights' exponentiated ascent ({@code robust_step_size}). */
    public static final double DEFAULT_STEP_SIZE = 1e-2;

    /** Added to the Fisher sums under the square root, as in the authors' code. */
    public static final double EPSILON = 1e-7;

    private static final String SUMS = "fisher";
    private static final String FIRST = "first";
    private static final String WEIGHTS = "weights";

    private final double stepSize;
    private INDArray sums;
    private double[] restored;
    private double[] first;
    private double[] weights;

    /** ExcessMTL with η = 0.01. */
    public ExcessMtl() {
        this(DEFAULT_STEP_SIZE);
    }

    /** @param stepSize η &gt; 0, the step size of the weights' exponentiated ascent */
    public ExcessMtl(double stepSize) {
        if (!(stepSize > 0 && Double.isFinite(stepSize))) {
            throw new IllegalArgumentException(NAME + ": the step size of the task weights must be a finite number above 0, received "
                    + stepSize + ": LibMTL uses 0.01.");
        }
        this.stepSize = stepSize;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() {
        sums = null;
        restored = null;
        first = null;
        weights = null;
    }

    /** The current task weights (summing to K), or null before the first step. */
    public double[] weights() {
        return weights == null ? null : weights.clone();
    }

    @Override
    public Map<String, double[]> state() {
        if (weights == null) {
            return Map.of();
        }
        Map<String, double[]> state = new HashMap<>();
        state.put(SUMS, sums != null ? sums.dup('c').data().asDouble() : restored.clone());
        state.put(FIRST, first.clone());
        state.put(WEIGHTS, weights.clone());
        return state;
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        if (state.isEmpty()) {
            return;
        }
        double[] h = state.get(SUMS);
        double[] f = state.get(FIRST);
        double[] w = state.get(WEIGHTS);
        if (state.size() != 3 || h == null || f == null || w == null || w.length == 0 || f.length != w.length || h.length % w.length != 0) {
            throw new IllegalArgumentException(NAME + ": expected a saved state with entries '" + SUMS + "' (K x S), '" + FIRST
                    + "' and '" + WEIGHTS + "' (K), received " + state.keySet() + ": resume from a checkpoint written with excess-mtl.");
        }
        restored = h.clone();
        first = f.clone();
        weights = w.clone();
        sums = null;
    }

    @Override
    public INDArray combine(INDArray shared, double[] losses, double[] headScales, Random random) {
        int k = (int) shared.rows();
        long s = shared.columns();
        if (sums == null || sums.rows() != k || sums.columns() != s) {
            boolean fits = restored != null && restored.length == k * s && weights != null && weights.length == k;
            sums = fits ? GradientMatrixAggregator.detached(restored, shared, k, s) : GradientMatrixAggregator.detachedZeros(shared, k, s);
            if (!fits) {
                weights = new double[k];
                Arrays.fill(weights, 1.0);
                first = new double[k];
            }
            restored = null;
        }
        double[] exponents = new double[k];
        for (int t = 0; t < k; t++) {
            if (Double.isNaN(losses[t])) {
                continue;
            }
            INDArray g = shared.getRow(t);
            INDArray squared = g.mul(g);
            INDArray h = sums.getRow(t);
            h.addi(squared);
            double excess = squared.div(Transforms.sqrt(h.add(EPSILON), false)).sumNumber().doubleValue();
            if (first[t] > 0) {
                exponents[t] = stepSize * excess / first[t];
            } else {
                first[t] = excess;
            }
        }
        double total = 0;
        for (int t = 0; t < k; t++) {
            weights[t] *= Math.exp(exponents[t]);
            total += weights[t];
        }
        INDArray coefficients = Nd4j.create(shared.dataType(), 1, k);
        for (int t = 0; t < k; t++) {
            weights[t] *= k / total;
            headScales[t] = weights[t];
            coefficients.putScalar(0, t, weights[t]);
        }
        return coefficients.mmul(shared);
    }

    @Override
    public String toString() {
        return "ExcessMtl[stepSize=" + stepSize + "]";
    }
}
