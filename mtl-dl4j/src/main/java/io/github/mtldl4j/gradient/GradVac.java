package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Map;
import java.util.Random;

/**
 * GradVac, gradient vaccine: Wang, Tsvetkov, Firat and Cao, "Gradient Vaccine: Investigating and Improving Multi-task
 * Optimization in Massively Multilingual Models", ICLR 2021, Section 3 (Equations 2 and 3, Algorithm 1).
 *
 * <p>PCGrad only acts when two gradients conflict (cosine below 0); GradVac acts whenever the cosine
 * {@code φ_ij} of the current {@code g_i'} and the original {@code g_j} falls below a target {@code φ̂_ij}, adding
 * the multiple of g_j that brings it exactly to the target:
 * {@code g_i' += ||g_i'|| (φ̂ sqrt(1 - φ²) - φ sqrt(1 - φ̂²)) / (||g_j|| sqrt(1 - φ̂²)) g_j}. The targets are moving
 * averages of the observed cosines, {@code φ̂_ij = (1 - β) φ̂_ij + β φ_ij} after each visit of the pair (Equation 3),
 * starting at 0, so the first step is exactly PCGrad and a target of 0 is PCGrad throughout. The tasks j are visited
 * in a random order per task i, drawn from the {@code Random} the trainer passes exactly as {@link PcGrad} draws it,
 * and gradients negligible by {@link PcGrad#NEGLIGIBLE_SQUARED_NORM} are skipped as there. As LibMTL's
 * {@code GradVac} and TorchJD's, the cosines are of the whole shared gradient (the paper also applies it per layer).
 *
 * <p>State: the K x K targets, kept between steps ({@link #state()} / {@link #restoreState} for checkpoints;
 * {@link #start()} forgets them). A call with another K starts from targets 0.
 *
 * <p>Scale: the paper's sum of the adjusted gradients, on the scale of {@link SumAggregator} (equal gradients have
 * cosine 1, at or above every target, and are not changed).
 */
public final class GradVac implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "gradvac";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, GradVac.class, o -> new GradVac());

    /** The paper's β, the rate of the targets' moving average. */
    public static final double DEFAULT_BETA = 0.01;

    /** {@code sqrt(1 - φ̂²)} is kept at least this, so a target of 1 adds a large but finite multiple. */
    public static final double MIN_TARGET_SINE = 1e-8;

    private static final String TARGETS = "targets";

    private final double beta;
    private double[][] targets;

    /** GradVac with the paper's β = 0.01. */
    public GradVac() {
        this(DEFAULT_BETA);
    }

    /**
     * @param beta the rate of the targets' moving average, in [0, 1]; 0 keeps every target at 0 (PCGrad)
     */
    public GradVac(double beta) {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException(NAME + ": beta (the rate of the moving average of the target cosines) must be in"
                    + " [0, 1], received " + beta + ": the paper uses 0.01; 0 keeps every target at 0, which is PCGrad.");
        }
        this.beta = beta;
    }

    /** The rate of the targets' moving average. */
    public double beta() {
        return beta;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() {
        targets = null;
    }

    @Override
    public Map<String, double[]> state() {
        if (targets == null) {
            return Map.of();
        }
        int k = targets.length;
        double[] flat = new double[k * k];
        for (int i = 0; i < k; i++) {
            System.arraycopy(targets[i], 0, flat, i * k, k);
        }
        return Map.of(TARGETS, flat);
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        if (state.isEmpty()) {
            targets = null;
            return;
        }
        double[] flat = state.get(TARGETS);
        int k = flat == null ? -1 : (int) Math.round(Math.sqrt(flat.length));
        if (state.size() != 1 || flat == null || k * k != flat.length) {
            throw new IllegalArgumentException(NAME + ": expected a saved state with one entry '" + TARGETS + "' of K x K target"
                    + " cosines, received " + state.keySet() + (flat == null ? "" : " with " + flat.length + " values")
                    + ": resume from a checkpoint written with gradvac.");
        }
        targets = new double[k][k];
        for (int i = 0; i < k; i++) {
            System.arraycopy(flat, i * k, targets[i], 0, k);
        }
    }

    /** A copy of the current target cosines (K x K, 0 on the diagonal), or null before the first step. */
    double[][] targets() {
        if (targets == null) {
            return null;
        }
        double[][] copy = new double[targets.length][];
        for (int i = 0; i < targets.length; i++) {
            copy[i] = targets[i].clone();
        }
        return copy;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        Gram g = Gram.of(gram, NAME);
        if (random == null) {
            throw new IllegalArgumentException(NAME + ": expected a Random for the order in which the task pairs are visited,"
                    + " received null: pass a seeded one, e.g. new Random(seed).");
        }
        int k = g.size();
        if (targets == null || targets.length != k) {
            targets = new double[k][k];
        }
        double negligible = PcGrad.NEGLIGIBLE_SQUARED_NORM * g.maxDiagonal();
        double[] sum = new double[k];
        for (int i = 0; i < k; i++) {
            double[] adjusted = new double[k];
            adjusted[i] = 1.0;
            for (int j : PcGrad.othersInRandomOrder(i, k, random)) {
                double squaredNorm = g.get(j, j);
                if (squaredNorm <= negligible) {
                    continue;
                }
                double[] gAdjusted = g.times(adjusted);
                double adjustedSquaredNorm = 0;                              // ||g_i'||²
                for (int m = 0; m < k; m++) {
                    adjustedSquaredNorm += adjusted[m] * gAdjusted[m];
                }
                if (!(adjustedSquaredNorm > negligible)) {
                    continue;
                }
                double adjustedNorm = Math.sqrt(adjustedSquaredNorm);
                double norm = Math.sqrt(squaredNorm);
                double cosine = Math.max(-1, Math.min(1, gAdjusted[j] / (adjustedNorm * norm)));
                double target = targets[i][j];
                if (cosine < target) {
                    double targetSine = Math.max(MIN_TARGET_SINE, Math.sqrt(Math.max(0, 1 - target * target)));
                    double sine = Math.sqrt(Math.max(0, 1 - cosine * cosine));
                    adjusted[j] += adjustedNorm * (target * sine - cosine * targetSine) / (norm * targetSine);
                }
                targets[i][j] = (1 - beta) * target + beta * cosine;
            }
            for (int m = 0; m < k; m++) {
                sum[m] += adjusted[m];
            }
        }
        return sum;
    }

    @Override
    public String toString() {
        return "GradVac[beta=" + beta + "]";
    }
}
