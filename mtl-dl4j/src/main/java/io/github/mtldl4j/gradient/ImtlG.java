package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.ojalgo.matrix.decomposition.Eigenvalue;
import org.ojalgo.matrix.store.MatrixStore;
import org.ojalgo.matrix.store.R064Store;

/**
 * IMTL-G, the gradient half of impartial multi-task learning: Liu, Li, Kuang, Xue, Chen, Yang, Liao and Zhang,
 * "Towards Impartial Multi-task Learning", ICLR 2021, Section 3.2 (the loss half, IMTL-L, is a loss weighting).
 *
 * <p>The update {@code d = Σ α_t g_t} with {@code Σ α_t = 1} has the same projection on every task's unit gradient
 * {@code u_t = g_t / ||g_t||}, so no task is favoured: with {@code D = [g_1 - g_t]} and {@code U = [u_1 - u_t]}
 * (rows t = 2..K), the paper's closed form is {@code α_{2..K} = g_1 U^T (D U^T)^{-1}} and
 * {@code α_1 = 1 - Σ_{t>=2} α_t}. In Gram terms {@code (g_1 U^T)_t = G_11/n_1 - G_1t/n_t} and
 * {@code (D U^T)_{st} = G_11/n_1 - G_1t/n_t - G_s1/n_1 + G_st/n_t} with {@code n_t = sqrt(G_tt)}; the (K-1) x (K-1)
 * system is solved by Gaussian elimination with partial pivoting.
 *
 * <p>Degenerate cases, each with a defined answer:
 * <ul>
 *   <li>A task whose squared gradient norm is at most {@link #NEGLIGIBLE_SQUARED_NORM} times the largest has no
 *       unit vector: it gets α = 0 and the others are solved among themselves. All gradients zero: α = 1/K.</li>
 *   <li>A singular system (a pivot at most {@link #SINGULAR_TOLERANCE} times the largest entry: linearly dependent
 *       gradients, e.g. two tasks with the same gradient): the generalization of Quinton and Rey ("Jacobian Descent
 *       for Multi-Objective Optimization", 2024, A_IMTL-G; TorchJD's {@code IMTLG}),
 *       {@code α = G⁺ n / Σ(G⁺ n)} with the pseudo-inverse G⁺ (eigenvalues at most
 *       {@link #SINGULAR_TOLERANCE} times the largest dropped, by ojAlgo's eigendecomposition). Equal projections
 *       λ on the unit gradients mean {@code G α = λ n}, so where G is invertible this is the closed form.</li>
 *   <li>n outside the range of G (beyond {@link #RANGE_TOLERANCE}), e.g. g_1 = (1, 0) and g_2 = g_3 = (-1, 0): only
 *       d = 0 has equal projections, so α = 0, no shared update (TorchJD's least-squares G⁺ n would return a
 *       direction with unequal projections); likewise when {@code Σ(G⁺ n)} vanishes, as TorchJD does.</li>
 * </ul>
 *
 * <p>Caveat (the paper's definition, kept as is): Σα = 1 fixes the sign of the common projection, and it can be
 * negative, so that d points uphill for every task; this happens when the gradients have very different norms
 * and a small one lies between others (in about one random 3-task case in nine with norms spread over e^±2).
 * TorchJD accordingly lists IMTL-G as not non-conflicting. Use UPGrad or MGDA where that matters.
 *
 * <p>Scale: the paper's α sums to 1 (as in LibMTL's {@code IMTL} and TorchJD); the coefficients are K α, so K equal
 * gradients give the step of {@link SumAggregator}.
 */
public final class ImtlG implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "imtl";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, ImtlG.class, o -> new ImtlG());

    /** Squared gradient norms at most this fraction of the largest are treated as zero (a norm ratio of 1e-10). */
    public static final double NEGLIGIBLE_SQUARED_NORM = 1e-20;

    /** Relative size below which a pivot, or an eigenvalue of G, counts as zero. */
    public static final double SINGULAR_TOLERANCE = 1e-12;

    /**
     * n counts as in the range of G (so that {@code G α = λ n} has a solution with λ ≠ 0) when the squared length of its
     * part outside the range is at most this fraction of {@code ||n||²}.
     */
    public static final double RANGE_TOLERANCE = 1e-10;

    /** {@code Σ(G⁺ n)} at most this fraction of the magnitude of its terms counts as zero (rounding). */
    public static final double ZERO_SUM_TOLERANCE = 1e-10;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        double[] alpha = weights(Gram.of(gram, NAME));
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] *= alpha.length;
        }
        return alpha;
    }

    /**
     * The paper's α, summing to 1 (or all 0 in the degenerate case above).
     *
     * @param gram K x K Gram matrix of the task gradients
     * @return α, summing to 1 (all 0 where no direction has equal projections)
     * @throws IllegalArgumentException as {@link #coefficients(double[][], Random)}
     */
    public static double[] paperWeights(double[][] gram) {
        return weights(Gram.of(gram, NAME));
    }

    static double[] weights(Gram g) {
        int k = g.size();
        double[] alpha = new double[k];
        double negligible = NEGLIGIBLE_SQUARED_NORM * g.maxDiagonal();
        List<Integer> active = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            if (g.get(t, t) > negligible) {
                active.add(t);
            }
        }
        if (active.isEmpty()) {
            Arrays.fill(alpha, 1.0 / k);
            return alpha;
        }
        int[] tasks = active.stream().mapToInt(Integer::intValue).toArray();
        double[] activeAlpha = closedForm(g, tasks);
        if (activeAlpha == null) {
            activeAlpha = pseudoInverseForm(g, tasks);
        }
        for (int a = 0; a < tasks.length; a++) {
            alpha[tasks[a]] = activeAlpha[a];
        }
        return alpha;
    }

    /** The paper's closed form over the given tasks; null when the system is singular. */
    private static double[] closedForm(Gram g, int[] tasks) {
        int n = tasks.length;
        double[] alpha = new double[n];
        if (n == 1) {
            alpha[0] = 1;
            return alpha;
        }
        int first = tasks[0];
        double[] norm = new double[n];
        for (int a = 0; a < n; a++) {
            norm[a] = Math.sqrt(g.get(tasks[a], tasks[a]));
        }
        int m = n - 1;
        double[][] transposed = new double[m][m];                        // (D U^T)^T, to solve (D U^T)^T α^T = (g_1 U^T)^T
        double[] rhs = new double[m];
        double g11 = g.get(first, first) / norm[0];
        for (int s = 0; s < m; s++) {
            int ts = tasks[s + 1];
            rhs[s] = g11 - g.get(first, ts) / norm[s + 1];
            for (int q = 0; q < m; q++) {
                int tq = tasks[q + 1];
                double entry = g11 - g.get(first, tq) / norm[q + 1] - g.get(ts, first) / norm[0] + g.get(ts, tq) / norm[q + 1];
                transposed[q][s] = entry;
            }
        }
        double[] rest = solve(transposed, rhs);
        if (rest == null) {
            return null;
        }
        double sum = 0;
        for (int s = 0; s < m; s++) {
            alpha[s + 1] = rest[s];
            sum += rest[s];
        }
        alpha[0] = 1 - sum;
        for (double value : alpha) {
            if (!Double.isFinite(value)) {
                return null;
            }
        }
        return alpha;
    }

    /** Gaussian elimination with partial pivoting; null when a pivot is at most SINGULAR_TOLERANCE of the largest entry. */
    static double[] solve(double[][] matrix, double[] rhs) {
        int m = rhs.length;
        double[][] a = new double[m][];
        for (int i = 0; i < m; i++) {
            a[i] = matrix[i].clone();
        }
        double[] b = rhs.clone();
        double largest = 0;
        for (double[] row : a) {
            for (double value : row) {
                largest = Math.max(largest, Math.abs(value));
            }
        }
        double tolerance = SINGULAR_TOLERANCE * largest;
        for (int col = 0; col < m; col++) {
            int pivot = col;
            for (int row = col + 1; row < m; row++) {
                if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
                    pivot = row;
                }
            }
            if (!(Math.abs(a[pivot][col]) > tolerance)) {
                return null;
            }
            double[] swapRow = a[col];
            a[col] = a[pivot];
            a[pivot] = swapRow;
            double swapValue = b[col];
            b[col] = b[pivot];
            b[pivot] = swapValue;
            for (int row = col + 1; row < m; row++) {
                double factor = a[row][col] / a[col][col];
                for (int j = col; j < m; j++) {
                    a[row][j] -= factor * a[col][j];
                }
                b[row] -= factor * b[col];
            }
        }
        double[] x = new double[m];
        for (int row = m - 1; row >= 0; row--) {
            double sum = b[row];
            for (int j = row + 1; j < m; j++) {
                sum -= a[row][j] * x[j];
            }
            x[row] = sum / a[row][row];
        }
        return x;
    }

    /**
     * Quinton and Rey's generalization over the given tasks, α = G⁺ n / Σ(G⁺ n), where it states equal projections;
     * all 0 where no non-zero direction has them (n outside the range of G) or Σ(G⁺ n) vanishes.
     */
    private static double[] pseudoInverseForm(Gram g, int[] tasks) {
        int n = tasks.length;
        R064Store matrix = R064Store.FACTORY.make(n, n);
        double[] norm = new double[n];
        for (int a = 0; a < n; a++) {
            norm[a] = Math.sqrt(g.get(tasks[a], tasks[a]));
            for (int b = 0; b < n; b++) {
                matrix.set(a, b, g.get(tasks[a], tasks[b]));
            }
        }
        Eigenvalue<Double> decomposition = Eigenvalue.R064.make(matrix, true);
        if (!decomposition.decompose(matrix)) {
            throw new IllegalStateException(NAME + ": ojAlgo could not decompose the " + n + " x " + n + " Gram matrix "
                    + Arrays.deepToString(g.toArray()) + "; this is a bug, please report it with that matrix.");
        }
        MatrixStore<Double> vectors = decomposition.getV();
        MatrixStore<Double> values = decomposition.getD();
        double largest = 0;
        for (int i = 0; i < n; i++) {
            largest = Math.max(largest, values.doubleValue(i, i));
        }
        double[] v = new double[n];
        double magnitude = 0;                                             // Σ of |terms|: the scale of rounding in Σ v
        double normSquared = 0;
        double inRange = 0;                                               // squared length of n's part in the range of G
        for (double value : norm) {
            normSquared += value * value;
        }
        for (int e = 0; e < n; e++) {
            double eigenvalue = values.doubleValue(e, e);
            if (!(eigenvalue > SINGULAR_TOLERANCE * largest)) {
                continue;
            }
            double projection = 0;
            for (int i = 0; i < n; i++) {
                projection += vectors.doubleValue(i, e) * norm[i];
            }
            inRange += projection * projection;
            for (int i = 0; i < n; i++) {
                double term = vectors.doubleValue(i, e) * projection / eigenvalue;
                v[i] += term;
                magnitude += Math.abs(term);
            }
        }
        double sum = 0;
        for (double value : v) {
            sum += value;
        }
        double[] alpha = new double[n];
        if (normSquared - inRange > RANGE_TOLERANCE * normSquared || !(Math.abs(sum) > ZERO_SUM_TOLERANCE * magnitude)) {
            return alpha;
        }
        for (int i = 0; i < n; i++) {
            alpha[i] = v[i] / sum;
        }
        return alpha;
    }

    @Override
    public String toString() {
        return "ImtlG";
    }
}
