package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * PCGrad, "projecting conflicting gradients": Yu, Kumar, Gupta, Levine, Hausman and Finn, "Gradient Surgery for
 * Multi-Task Learning", NeurIPS 2020, Algorithm 1.
 *
 * <p>For each task i, start from {@code g_i' = g_i} and visit the other tasks j in a random order; whenever
 * {@code g_i' . g_j < 0}, project {@code g_i'} onto the normal plane of the original {@code g_j}:
 * {@code g_i' -= (g_i' . g_j / ||g_j||²) g_j}. The update is {@code Σ_i g_i'}, which is the plain sum when no pair
 * conflicts. Each {@code g_i'} is kept as coefficients over the original gradients, so every inner product comes
 * from the Gram matrix.
 *
 * <p>Scale: the paper's sum of the projected gradients, already on the scale of {@link SumAggregator}.
 * The random order comes from the {@code Random} the trainer passes, so a seeded run is reproducible; as in the
 * paper (and TorchJD), a task is never projected against itself. A gradient whose squared norm is at most
 * {@link #NEGLIGIBLE_SQUARED_NORM} times the largest one (in particular a zero gradient) is not projected against:
 * there is no conflict with a direction that is not there, and dividing by its norm would give NaN or overflow.
 */
public final class PcGrad implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "pcgrad";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, PcGrad.class,
            o -> new PcGrad());

    /** Squared gradient norms at most this fraction of the largest are treated as zero (a norm ratio of 1e-10). */
    public static final double NEGLIGIBLE_SQUARED_NORM = 1e-20;

    /**
     * The tasks other than {@code i} of {@code k}, in the order task i's gradient meets them: a shuffle by
     * {@code random}, drawn the same way by every method that visits task pairs (PCGrad, GradVac), so that one seed
     * gives them the same order.
     */
    static List<Integer> othersInRandomOrder(int i, int k, Random random) {
        List<Integer> others = new ArrayList<>(k - 1);
        for (int j = 0; j < k; j++) {
            if (j != i) {
                others.add(j);
            }
        }
        Collections.shuffle(others, random);
        return others;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        Gram g = Gram.of(gram, NAME);
        if (random == null) {
            throw new IllegalArgumentException(NAME + ": expected a Random for the order in which conflicting gradients are"
                    + " projected, received null: pass a seeded one, e.g. new Random(seed).");
        }
        int k = g.size();
        double negligible = NEGLIGIBLE_SQUARED_NORM * g.maxDiagonal();
        double[] sum = new double[k];
        for (int i = 0; i < k; i++) {
            double[] projected = new double[k];
            projected[i] = 1.0;
            for (int j : PcGrad.othersInRandomOrder(i, k, random)) {
                double squaredNorm = g.get(j, j);
                if (squaredNorm <= negligible) {
                    continue;
                }
                double dot = 0;
                for (int m = 0; m < k; m++) {
                    dot += projected[m] * g.get(m, j);
                }
                if (dot < 0) {
                    projected[j] -= dot / squaredNorm;
                }
            }
            for (int m = 0; m < k; m++) {
                sum[m] += projected[m];
            }
        }
        return sum;
    }

    @Override
    public String toString() {
        return "PcGrad";
    }
}
