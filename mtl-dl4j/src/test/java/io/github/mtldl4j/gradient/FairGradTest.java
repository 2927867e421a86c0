package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FairGradTest {
    /** The regularization moves (G w)_i by REGULARIZATION w_i on the normalized scale. */
    private static final double CONDITION_TOLERANCE = 1e-6;

    @Test
    void orthogonalGradientsByHand() {
        // G = diag(8, 1/8): G_ii w_i = w_i^(-1/α), so w_i = G_ii^(-α/(α+1)). α = 2: w = (8^(-2/3), 8^(2/3)) = (1/4, 4).
        double[][] g = gram(new double[] {Math.sqrt(8), 0}, new double[] {0, Math.sqrt(0.125)});
        assertArrayEquals(new double[] {0.25, 4}, new FairGrad(2).paperWeights(g), 1e-9);
        // α = 1 is Nash-MTL's condition: w = (8^(-1/2), 8^(1/2)).
        assertArrayEquals(new double[] {1 / Math.sqrt(8), Math.sqrt(8)}, new FairGrad().paperWeights(g), 1e-9);
    }

    @Test
    void conflictingPairByHand() {
        // G = [[1,-1/2],[-1/2,1]], α = 2: by symmetry w1 = w2 = a with a/2 = a^(-1/2), a = 2^(2/3).
        double[] w = new FairGrad(2).paperWeights(new double[][] {{1, -0.5}, {-0.5, 1}});
        assertArrayEquals(new double[] {Math.pow(2, 2.0 / 3), Math.pow(2, 2.0 / 3)}, w, 1e-9);
    }

    /** The paper's optimality condition g_i . d = w_i^(-1/α), on random gradients for several α. */
    @Test
    void fairnessConditionHolds() {
        Random random = new Random(11);
        for (double alpha : new double[] {0.5, 1, 2, 5}) {
            FairGrad fairGrad = new FairGrad(alpha);
            for (int trial = 0; trial < 50; trial++) {
                int k = 2 + random.nextInt(7);
                double[][] g = gram(GradientVectors.random(random, k, k + 2, 1.0));
                double[] w = fairGrad.paperWeights(g);
                for (int i = 0; i < k; i++) {
                    double gw = 0;
                    for (int j = 0; j < k; j++) {
                        gw += g[i][j] * w[j];
                    }
                    assertTrue(w[i] > 0, "alpha " + alpha + ", trial " + trial);
                    assertEquals(1, gw * Math.pow(w[i], 1 / alpha), CONDITION_TOLERANCE, "alpha " + alpha + ", trial " + trial + ", task " + i);
                }
            }
        }
    }

    @Test
    void alphaOneIsNashMtl() {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            double[][] g = gram(GradientVectors.random(random, 4, 6, 1.0));
            double[] nash = new NashMtl().coefficients(g, null);
            double[] fair = new FairGrad(1).coefficients(g, null);
            for (int i = 0; i < nash.length; i++) {
                assertEquals(nash[i], fair[i], 1e-8 * Math.abs(nash[i]), "trial " + trial);
            }
        }
    }

    @Test
    void equalGradientsGiveTheSum() {
        double[] g = {1, 2, 2};
        for (double alpha : new double[] {0.5, 1, 3}) {
            assertArrayEquals(new double[] {1, 1, 1}, new FairGrad(alpha).coefficients(gram(g, g, g), null), 1e-9);
        }
    }

    @Test
    void zeroGradientsAndBadAlpha() {
        assertArrayEquals(new double[] {1, 1}, new FairGrad().coefficients(new double[][] {{0, 0}, {0, 0}}, null));
        double[] w = new FairGrad(2).coefficients(gram(new double[] {1, 0}, new double[] {0, 0}), null);
        assertEquals(0, w[1]);
        assertTrue(w[0] > 0);
        assertThrows(IllegalArgumentException.class, () -> new FairGrad(0));
        assertThrows(IllegalArgumentException.class, () -> new FairGrad().paperWeights(new double[][] {{0, 0}, {0, 0}}));
    }
}
