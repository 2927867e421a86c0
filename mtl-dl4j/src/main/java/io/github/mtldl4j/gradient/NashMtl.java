package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Nash-MTL: Navon, Shamsian, Achituve, Maron, Kawaguchi, Chechik and Fetaya, "Multi-Task Learning as a Bargaining
 * Game", ICML 2022, Section 3 and Algorithm 1.
 *
 * <p>The update {@code d = Σ α_i g_i} is the Nash bargaining solution of the tasks: {@code α > 0} with
 * {@code α ⊙ (G α) = 1}, i.e. {@code g_i . d = 1 / α_i} for every task (the paper's Theorem 3.1). The paper reaches
 * it by a sequence of convex problems solved with a cone solver (its Section 3.1, the authors' code with cvxpy and
 * ECOS, at most 20 iterations). Here the condition is solved exactly instead: it is the stationarity condition of the
 * strictly convex {@code f(α) = ½ α^T G α - Σ log α_i}, which damped Newton minimizes (step {@code 1/(1 + λ)} while
 * the Newton decrement λ is above 1/4, which keeps α positive since f is self-concordant; full steps after, which
 * converge quadratically), from {@code α_i = 1 / ||g_i||}, the solution for orthogonal gradients. It stops when
 * {@code λ²} is at most {@link #DECREMENT_TOLERANCE} or after {@link #MAX_ITERATIONS}.
 *
 * <p>As in the authors' code, G is first divided by its Frobenius norm F, and the α solved on {@code G / F} are the
 * coefficients. Its eigenvalues below 0 (rounding) are set to 0 and {@link #REGULARIZATION} is added to its diagonal,
 * so a solution exists when the gradients are linearly dependent (the paper assumes they are not; without it f
 * would be unbounded, e.g. for {@code g_2 = -g_1}); the price is {@code α_i (G α)_i = 1 - REGULARIZATION α_i²} on the
 * normalized scale. A gradient whose squared norm is at most {@link #NEGLIGIBLE_SQUARED_NORM} times the largest takes
 * no part (coefficient 0); all zero: the coefficients of the sum (the update is 0 anyway). The authors' optional
 * {@code max_norm} clipping of the update (1.0 in their experiments) and their reuse of α for several steps
 * ({@code update_weights_every}) are not applied: clip with the trainer's gradient clipping if wanted.
 *
 * <p>Scale: solved on {@code G / F}, α is the authors' weight vector, and it is on the scale of
 * {@link SumAggregator}: K equal gradients g give {@code F = K ||g||²}, α = 1 and {@code d = K g}. For any gradients
 * {@code d . d = α^T G α = F Σ α_i (G α / F)_i = K F} up to the regularization: the update's length is
 * {@code sqrt(K F)} whatever the conflicts. {@link #paperWeights(double[][])} returns the paper's α, solved on G itself
 * (the coefficients divided by {@code sqrt(F)}).
 */
public final class NashMtl implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "nash-mtl";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, NashMtl.class, o -> new NashMtl());

    /** Squared gradient norms at most this fraction of the largest are treated as zero (a norm ratio of 1e-10). */
    public static final double NEGLIGIBLE_SQUARED_NORM = 1e-20;

    /** Added to the diagonal of the Gram matrix divided by its Frobenius norm. */
    public static final double REGULARIZATION = 1e-12;

    /** Newton stops when the squared Newton decrement (twice the remaining decrease of f, about) is at most this. */
    public static final double DECREMENT_TOLERANCE = 1e-24;

    /** Newton stops after this many iterations at the latest (each costs O(K³)). */
    public static final int MAX_ITERATIONS = 1_000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        return solveOrEqual(Gram.of(gram, NAME), NashMtl::solve);
    }

    /**
     * The paper's α: {@code α > 0} with {@code α_i (G α)_i = 1} (up to the regularization), for gradients that are not
     * all zero; negligible gradients get 0.
     *
     * @param gram K x K Gram matrix of the task gradients
     * @throws IllegalArgumentException as {@link #coefficients(double[][], Random)}, or if every gradient is zero
     */
    public static double[] paperWeights(double[][] gram) {
        Gram g = Gram.of(gram, NAME);
        double[] alpha = normalizedSolution(g);
        if (alpha == null) {
            throw new IllegalArgumentException(NAME + ": every gradient is zero, so no α has α_i (G α)_i = 1: pass the Gram"
                    + " matrix of gradients that are not all zero.");
        }
        double root = Math.sqrt(frobenius(g));
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] /= root;
        }
        return alpha;
    }

    static double frobenius(Gram g) {
        double sum = 0;
        for (int i = 0; i < g.size(); i++) {
            for (int j = 0; j < g.size(); j++) {
                sum += g.get(i, j) * g.get(i, j);
            }
        }
        return Math.sqrt(sum);
    }

    /** α solved on G / F over the non-negligible gradients (0 for the others); null when every gradient is zero. */
    private static double[] normalizedSolution(Gram g) {
        return solveOnActive(g, NashMtl::solve);
    }

    /** {@link #solveOnActive}, or equal weights (the plain sum) when every gradient is zero. */
    static double[] solveOrEqual(Gram g, Function<double[][], double[]> solver) {
        double[] weights = solveOnActive(g, solver);
        if (weights == null) {
            weights = new double[g.size()];
            Arrays.fill(weights, 1.0);
        }
        return weights;
    }

    /**
     * A bargaining-style solve shared with {@link FairGrad}: the Gram matrix of the non-negligible gradients divided by
     * its Frobenius norm, made positive semi-definite and regularized, handed to {@code solver}; its solution is
     * scattered back (0 for negligible gradients). Null when every gradient is negligible.
     */
    static double[] solveOnActive(Gram g, Function<double[][], double[]> solver) {
        int k = g.size();
        double negligible = NEGLIGIBLE_SQUARED_NORM * g.maxDiagonal();
        List<Integer> active = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            if (g.get(t, t) > negligible && g.get(t, t) > 0) {
                active.add(t);
            }
        }
        if (active.isEmpty()) {
            return null;
        }
        int n = active.size();
        double f = frobenius(g);
        double[][] q = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                q[a][b] = g.get(active.get(a), active.get(b)) / f;
            }
        }
        q = positivePart(q);
        for (int a = 0; a < n; a++) {
            q[a][a] += REGULARIZATION;
        }
        double[] solved = solver.apply(q);
        double[] weights = new double[k];
        for (int a = 0; a < n; a++) {
            weights[active.get(a)] = solved[a];
        }
        return weights;
    }

    /** {@code V max(Λ, 0) V^T}: the nearest positive semi-definite matrix. */
    static double[][] positivePart(double[][] q) {
        SymmetricEigen eigen = SymmetricEigen.of(q, NAME);
        int n = q.length;
        double[][] result = new double[n][n];
        for (int e = 0; e < n; e++) {
            double value = eigen.values()[e];
            if (!(value > 0)) {
                continue;
            }
            double[] v = eigen.vectors()[e];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    result[i][j] += value * v[i] * v[j];
                }
            }
        }
        return result;
    }

    /** Damped Newton on {@code ½ α^T Q α - Σ log α_i} for a positive definite Q. */
    static double[] solve(double[][] q) {
        int n = q.length;
        double[] alpha = new double[n];
        for (int i = 0; i < n; i++) {
            alpha[i] = 1 / Math.sqrt(q[i][i]);
        }
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[] gradient = new double[n];
            double[][] hessian = new double[n][n];
            for (int i = 0; i < n; i++) {
                double qAlpha = 0;
                for (int j = 0; j < n; j++) {
                    qAlpha += q[i][j] * alpha[j];
                    hessian[i][j] = q[i][j];
                }
                gradient[i] = -(qAlpha - 1 / alpha[i]);                 // right-hand side of H Δ = -∇f
                hessian[i][i] += 1 / (alpha[i] * alpha[i]);
            }
            double[] step = ImtlG.solve(hessian, gradient);
            if (step == null) {
                break;
            }
            double decrement = 0;                                          // λ² = ∇f^T H^{-1} ∇f
            for (int i = 0; i < n; i++) {
                decrement += step[i] * gradient[i];
            }
            if (!(decrement > DECREMENT_TOLERANCE)) {
                break;
            }
            double lambda = Math.sqrt(decrement);
            double size = lambda > 0.25 ? 1 / (1 + lambda) : 1;
            for (int i = 0; i < n; i++) {
                alpha[i] = Math.max(alpha[i] + size * step[i], Double.MIN_NORMAL);
            }
        }
        return alpha;
    }

    @Override
    public String toString() {
        return "NashMtl";
    }
}
