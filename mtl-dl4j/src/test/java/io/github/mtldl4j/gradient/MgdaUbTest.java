package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MgdaUbTest {
    private static final double TOLERANCE = 1e-12;
    /** Simplex grid resolution for the brute-force search: steps of 1/GRID. */
    private static final int GRID = 400;

    @Test
    void twoTasksClosedFormByHand() {
        // min over γ of |(1-γ)(1,0) + γ(0,2)|² = (1-γ)² + 4γ²: derivative -2(1-γ) + 8γ = 0, γ = 0.2.
        double[] g1 = {1, 0};
        double[] g2 = {0, 2};
        assertArrayEquals(new double[] {0.8, 0.2}, MgdaUb.simplexWeights(gram(g1, g2)), TOLERANCE);
        double[] c = MgdaUb.onRepresentation().coefficients(gram(g1, g2), null);
        assertArrayEquals(new double[] {1.6, 0.4}, c, TOLERANCE);                 // scaled by K = 2
        assertArrayEquals(new double[] {1.6, 0.8}, combine(c, g1, g2), TOLERANCE);
    }

    @Test
    void twoTasksWhereOneGradientIsTheMinNormPoint() {
        // g2 = 2 g1: the segment's closest point to 0 is g1 itself (the unclamped γ would be -1).
        double[] g1 = {1, 0};
        double[] g2 = {2, 0};
        assertArrayEquals(new double[] {1, 0}, MgdaUb.simplexWeights(gram(g1, g2)), TOLERANCE);
        // Equal gradients: every point is the min-norm point; the centre is returned, i.e. the plain sum.
        assertArrayEquals(new double[] {1, 1}, MgdaUb.onRepresentation().coefficients(gram(g1, g1), null), TOLERANCE);
    }

    @Test
    void threeTasksMatchABruteForceSearchOverTheSimplex() {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            double[][] g = GradientVectors.random(random, 3, 4, 0.7);
            double[] alpha = MgdaUb.simplexWeights(gram(g));
            double found = squaredNorm(alpha, g);
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a <= GRID; a++) {
                for (int b = 0; a + b <= GRID; b++) {
                    double[] point = {a / (double) GRID, b / (double) GRID, (GRID - a - b) / (double) GRID};
                    best = Math.min(best, squaredNorm(point, g));
                }
            }
            double scale = GradientVectors.maxSquaredNorm(g);
            assertTrue(found <= best + 1e-12 * scale, "trial " + trial + ": " + found + " > grid minimum " + best);
            assertEquals(best, found, 1e-4 * scale, "trial " + trial);
            assertEquals(1.0, GradientVectors.sum(alpha), 1e-12);
            for (double value : alpha) {
                assertTrue(value >= 0, java.util.Arrays.toString(alpha));
            }
        }
    }

    @Test
    void theMinNormPointIsACommonDescentDirection() {
        // Optimality on the simplex: g_i . d >= |d|² for every task i, hence >= 0.
        Random random = new Random(17);
        for (int trial = 0; trial < 100; trial++) {
            int k = 2 + random.nextInt(7);
            double[][] g = GradientVectors.random(random, k, k + 3, 1.0);
            double[] c = MgdaUb.onRepresentation().coefficients(gram(g), null);
            assertEquals(k, GradientVectors.sum(c), 1e-9);
            double[] d = combine(c, g);
            double dd = dot(d, d);
            double scale = k * k * GradientVectors.maxSquaredNorm(g);
            for (int i = 0; i < k; i++) {
                assertTrue(dot(g[i], d) >= dd / k - 1e-7 * scale, "trial " + trial + ", task " + i + ": g.d = " + dot(g[i], d)
                        + " < |d|²/K = " + dd / k);
            }
        }
    }

    @Test
    void zeroInTheHullGivesAZeroStep() {
        double[] g1 = {1, 0};
        double[] g2 = {-1, 1};
        double[] g3 = {-1, -1};                                          // 2 g1 + g2 + g3 = 0
        double[] d = combine(MgdaUb.onRepresentation().coefficients(gram(g1, g2, g3), null), g1, g2, g3);
        assertEquals(0, GradientVectors.norm(d), 1e-4);
        assertArrayEquals(new double[] {1, 1, 1}, MgdaUb.onRepresentation().coefficients(gram(new double[2], new double[2], new double[2]), null));
    }

    @Test
    void representationGradientsByDefault() {
        assertTrue(MgdaUb.onRepresentation().usesRepresentationGradients());
        assertFalse(MgdaUb.onSharedParameters().usesRepresentationGradients());
        assertEquals("mgda", MgdaUb.onRepresentation().name());
    }

    private static double squaredNorm(double[] alpha, double[][] g) {
        double[] point = combine(alpha, g);
        return dot(point, point);
    }
}
