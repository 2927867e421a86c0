package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UpGradTest {
    /** ojAlgo's convex solver meets its constraints and optimality to about 1e-7 on these scales. */
    private static final double SOLVER_TOLERANCE = 1e-5;

    @Test
    void withoutConflictsItIsThePlainSum() {
        double[] g1 = {1, 0, 0.2};
        double[] g2 = {0.5, 1, 0};
        double[] g3 = {0, 0.1, 2};
        assertArrayEquals(new double[] {1, 1, 1}, new UpGrad().coefficients(gram(g1, g2, g3), null), SOLVER_TOLERANCE);
        assertArrayEquals(new double[] {1, 1}, new UpGrad().coefficients(gram(new double[2], new double[2]), null), 0);
    }

    @Test
    void twoConflictingTasksByHand() {
        // g1 = (1,0), g2 = (-1,1), g1.g2 = -1. The dual cone is {x : x1 >= 0, x2 >= x1}.
        // g1 projects onto x2 = x1: (0.5, 0.5) = 1 g1 + 0.5 g2; g2 projects onto x1 = 0: (0, 1) = 1 g1 + 1 g2.
        double[] g1 = {1, 0};
        double[] g2 = {-1, 1};
        double[] c = new UpGrad(0).coefficients(gram(g1, g2), null);
        assertArrayEquals(new double[] {2, 1.5}, c, SOLVER_TOLERANCE);
        assertArrayEquals(new double[] {0.5, 1.5}, combine(c, g1, g2), SOLVER_TOLERANCE);
    }

    @Test
    void theUpdateConflictsWithNoTask() {
        Random random = new Random(31);
        int conflicting = 0;
        for (int trial = 0; trial < 60; trial++) {
            int k = 2 + random.nextInt(6);
            double[][] g = GradientVectors.random(random, k, k + 2, 1.0);
            if (GradientVectors.conflicting(g)) {
                conflicting++;
            }
            double trace = 0;
            for (double[] gi : g) {
                trace += dot(gi, gi);
            }
            for (UpGrad upGrad : new UpGrad[] {new UpGrad(0), new UpGrad()}) {
                double[] c = upGrad.coefficients(gram(g), null);
                double[] d = combine(c, g);
                for (int j = 0; j < k; j++) {
                    // Exact projections give g_j . d >= 0; the regularization allows -reg * trace * c_j.
                    double allowed = upGrad.regularization() * trace * Math.abs(c[j]) + SOLVER_TOLERANCE * trace;
                    assertTrue(dot(g[j], d) >= -allowed, "trial " + trial + ", " + upGrad + ", task " + j + ": g.d = "
                            + dot(g[j], d));
                }
                for (double value : c) {
                    assertTrue(value >= 1 - SOLVER_TOLERANCE, "each w^(i) >= e_i, so every coefficient is >= 1: "
                            + Arrays.toString(c));
                }
            }
        }
        assertTrue(conflicting > 40, "the random cases must mostly conflict, " + conflicting + " did");
    }

    @Test
    void eachProjectionSatisfiesTheKktConditions() {
        Random random = new Random(41);
        for (int trial = 0; trial < 30; trial++) {
            int k = 2 + random.nextInt(6);
            double[][] q = new UpGrad().normalizedRegularized(gram(GradientVectors.random(random, k, k + 1, 1.0)));
            for (int i = 0; i < k; i++) {
                double[] lower = new double[k];
                lower[i] = 1;
                double[] w = UpGrad.projectionWeights(q, lower);
                double[] multipliers = times(q, w);                       // the gradient of v^T Q v, halved
                for (int j = 0; j < k; j++) {
                    assertTrue(w[j] >= lower[j], "primal feasibility");
                    assertTrue(multipliers[j] >= -SOLVER_TOLERANCE, "dual feasibility: " + Arrays.toString(multipliers));
                    assertEquals(0, multipliers[j] * (w[j] - lower[j]), SOLVER_TOLERANCE, "complementary slackness");
                }
            }
        }
    }

    @Test
    void projectionsMatchAnActiveSetEnumeration() {
        Random random = new Random(51);
        for (int trial = 0; trial < 30; trial++) {
            int k = 2 + random.nextInt(3);
            double[][] q = new UpGrad().normalizedRegularized(gram(GradientVectors.random(random, k, k + 1, 1.0)));
            for (int i = 0; i < k; i++) {
                double[] lower = new double[k];
                lower[i] = 1;
                assertArrayEquals(enumerateActiveSets(q, lower), UpGrad.projectionWeights(q, lower), SOLVER_TOLERANCE,
                        "trial " + trial + ", task " + i);
            }
        }
    }

    @Test
    void theQpMatrixIsTheTraceNormalizedGramPlusTheRegularization() {
        double[][] q = new UpGrad(0.01).normalizedRegularized(new double[][] {{3, -1}, {-1, 1}});
        assertArrayEquals(new double[] {0.76, -0.25}, q[0], 1e-15);
        assertArrayEquals(new double[] {-0.25, 0.26}, q[1], 1e-15);
    }

    @Test
    void refusesABadRegularization() {
        for (double bad : new double[] {-1e-4, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UpGrad(bad));
            assertTrue(e.getMessage().contains("upgrad") && e.getMessage().contains(">= 0")
                    && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        assertEquals(1e-4, new UpGrad().regularization());
    }

    /**
     * The exact minimizer of v^T Q v subject to v >= lower for positive definite Q: for every choice of free variables,
     * fix the others at their bound, solve Q_FF v_F = -Q_FA lower_A, and keep the point that satisfies all KKT
     * conditions.
     */
    private static double[] enumerateActiveSets(double[][] q, double[] lower) {
        int k = lower.length;
        for (int free = 0; free < (1 << k); free++) {
            int mask = free;
            int[] f = java.util.stream.IntStream.range(0, k).filter(j -> (mask & (1 << j)) != 0).toArray();
            double[] v = lower.clone();
            if (f.length > 0) {
                double[][] a = new double[f.length][f.length];
                double[] b = new double[f.length];
                for (int r = 0; r < f.length; r++) {
                    for (int s = 0; s < f.length; s++) {
                        a[r][s] = q[f[r]][f[s]];
                    }
                    for (int j = 0; j < k; j++) {
                        if ((free & (1 << j)) == 0) {
                            b[r] -= q[f[r]][j] * lower[j];
                        }
                    }
                }
                double[] x = gaussJordan(a, b);
                for (int r = 0; r < f.length; r++) {
                    v[f[r]] = x[r];
                }
            }
            double[] gradient = times(q, v);
            boolean kkt = true;
            for (int j = 0; j < k; j++) {
                boolean isFree = (free & (1 << j)) != 0;
                kkt &= isFree ? v[j] >= lower[j] - 1e-12 && Math.abs(gradient[j]) <= 1e-9 : gradient[j] >= -1e-12;
            }
            if (kkt) {
                return v;
            }
        }
        throw new AssertionError("no KKT point: Q is not positive definite");
    }

    private static double[] gaussJordan(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int r = 0; r < n; r++) {
            System.arraycopy(a[r], 0, m[r], 0, n);
            m[r][n] = b[r];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] swap = m[col];
            m[col] = m[pivot];
            m[pivot] = swap;
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double factor = m[r][col] / m[col][col];
                    for (int c = col; c <= n; c++) {
                        m[r][c] -= factor * m[col][c];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int r = 0; r < n; r++) {
            x[r] = m[r][n] / m[r][r];
        }
        return x;
    }

    private static double[] times(double[][] q, double[] v) {
        double[] result = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            result[i] = dot(q[i], v);
        }
        return result;
    }
}
