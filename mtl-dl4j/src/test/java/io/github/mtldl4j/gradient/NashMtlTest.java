package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static io.github.mtldl4j.gradient.GradientVectors.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NashMtlTest {
    /** The regularization moves α_i (G α)_i by REGULARIZATION α_i² on the normalized scale: 1e-6 allows α up to 1000. */
    private static final double CONDITION_TOLERANCE = 1e-6;
    private final NashMtl nash = new NashMtl();

    @Test
    void twoOrthogonalGradientsByHand() {
        // G = diag(9, 1/4): α_i² |g_i|² = 1, α = (1/3, 2); the update (1, 1) has g_i . d = 1/α_i.
        double[] g1 = {3, 0};
        double[] g2 = {0, 0.5};
        double[] alpha = NashMtl.paperWeights(gram(g1, g2));
        assertArrayEquals(new double[] {1 / 3.0, 2}, alpha, 1e-7);
        // The coefficients are α on G / F, F = sqrt(81 + 1/16): α times sqrt(F).
        double root = Math.pow(81.0625, 0.25);
        assertArrayEquals(new double[] {root / 3, 2 * root}, nash.coefficients(gram(g1, g2), null), 1e-6);
    }

    @Test
    void conflictingPairByHand() {
        // G = [[1,-1/2],[-1/2,1]]: by symmetry α1 = α2 = a, a (a - a/2) = 1, a = √2.
        assertArrayEquals(new double[] {Math.sqrt(2), Math.sqrt(2)}, NashMtl.paperWeights(new double[][] {{1, -0.5}, {-0.5, 1}}), 1e-7);
    }

    @Test
    void bargainingConditionHolds() {
        Random random = new Random(5);
        for (int trial = 0; trial < 100; trial++) {
            int k = 2 + random.nextInt(7);
            double[][] g = gram(GradientVectors.random(random, k, k + 2, 1.0));
            double[] alpha = NashMtl.paperWeights(g);
            for (int i = 0; i < k; i++) {
                double gAlpha = 0;
                for (int j = 0; j < k; j++) {
                    gAlpha += g[i][j] * alpha[j];
                }
                assertTrue(alpha[i] > 0, "trial " + trial);
                assertEquals(1, alpha[i] * gAlpha, CONDITION_TOLERANCE, "trial " + trial + ", task " + i);
            }
        }
    }

    @Test
    void oppositeGradientsGiveAFiniteSmallUpdate() {
        // Linearly dependent: no exact solution; the regularized one is symmetric, so the update nearly cancels.
        double[] g1 = {1, 0};
        double[] g2 = {-1, 0};
        double[] c = nash.coefficients(gram(g1, g2), null);
        for (double value : c) {
            assertTrue(Double.isFinite(value) && value > 0);
        }
        assertTrue(norm(combine(c, g1, g2)) <= 1e-6 * (c[0] + c[1]), java.util.Arrays.toString(c));
    }
}
