package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Arrays;
import java.util.Random;

/**
 * ConFIG, conflict-free inverse gradients: Liu, Chu and Thuerey, "ConFIG: Towards Conflict-free Training of Physics
 * Informed Neural Networks", ICLR 2025, Section 3.1.
 *
 * <p>The direction is the one with the same cosine to every task gradient: with the unit gradients
 * {@code u_i = g_i / ||g_i||} as the rows of U, {@code x = U⁺ 1} (the minimum-norm solution of {@code u_i . x = 1}
 * for all i), and the update is {@code d = (Σ_i g_i . x̂) x̂} with {@code x̂ = x / ||x||}: the direction's length is
 * the sum of the gradients' projections on it. In Gram terms, with the normalized Gram matrix
 * {@code N_ij = G_ij / (||g_i|| ||g_j||)}, {@code x = Σ_j (β_j / ||g_j||) g_j} with {@code β = N⁺ 1}, so x and d are
 * combinations of the gradients and every product comes from G. The pseudo-inverse drops eigenvalues of N at most
 * {@link SymmetricEigen#RANK_TOLERANCE} times K times the largest. When the gradients are linearly independent,
 * {@code u_i . x̂ = 1 / ||x||} for every task: a positive cosine, equal for all, so no task's loss increases to first
 * order. The authors' code ({@code tum-pbs/ConFIG}, {@code ConFIG_update} with equal weights and
 * {@code ProjectionLength}) and TorchJD's {@code ConFIG} compute the same with a least-squares solve or pinv on the
 * unit gradients themselves.
 *
 * <p>Degenerate cases: a gradient whose squared norm is at most {@link #NEGLIGIBLE_SQUARED_NORM} times the largest
 * has no unit vector and gets coefficient 0 (the authors' code turns its NaN unit vector into 0); all gradients zero,
 * or {@code x = 0} (e.g. two opposite gradients: no direction has a positive cosine with both): the update is 0.
 *
 * <p>Scale: the paper's update, already on the scale of {@link SumAggregator}: K equal gradients g give
 * {@code x̂ = g / ||g||} and {@code d = K g}.
 */
public final class ConFig implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "config";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, ConFig.class, o -> new ConFig());

    /** Squared gradient norms at most this fraction of the largest are treated as zero (a norm ratio of 1e-10). */
    public static final double NEGLIGIBLE_SQUARED_NORM = 1e-20;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        Gram g = Gram.of(gram, NAME);
        int k = g.size();
        double[] c = new double[k];
        double negligible = NEGLIGIBLE_SQUARED_NORM * g.maxDiagonal();
        double[] norm = new double[k];
        for (int i = 0; i < k; i++) {
            norm[i] = g.get(i, i) > negligible ? Math.sqrt(g.get(i, i)) : 0;
        }
        if (!(g.maxDiagonal() > 0)) {
            return c;
        }
        double[][] normalized = new double[k][k];
        double[] ones = new double[k];
        for (int i = 0; i < k; i++) {
            if (norm[i] == 0) {
                continue;
            }
            ones[i] = 1;
            for (int j = 0; j < k; j++) {
                if (norm[j] > 0) {
                    normalized[i][j] = g.get(i, j) / (norm[i] * norm[j]);
                }
            }
        }
        double[] beta = SymmetricEigen.of(normalized, NAME).pseudoInverseTimes(ones);
        double[] x = new double[k];                                       // x = Σ x_j g_j
        for (int j = 0; j < k; j++) {
            x[j] = norm[j] > 0 ? beta[j] / norm[j] : 0;
        }
        double squaredLength = g.inner(x, x);                            // ||x||²
        if (!(squaredLength > 0)) {
            return c;
        }
        double[] projections = g.times(x);                               // entry i: g_i . x
        double sum = Arrays.stream(projections).sum();
        double scale = sum / squaredLength;                               // d = (Σ g_i . x / ||x||²) x
        for (int j = 0; j < k; j++) {
            c[j] = scale * x[j];
        }
        return c;
    }

    @Override
    public String toString() {
        return "ConFig";
    }
}
