package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static io.github.mtldl4j.gradient.GradientVectors.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ConFigTest {
    private final ConFig config = new ConFig();

    @Test
    void threeConflictingTasksByHand() {
        // Unit gradients u1 = (1,0,0), u2 = (-0.6,0.8,0), u3 = (0,0,1); u_i . x = 1 for all i gives x = (1, 2, 1),
        // |x| = √6, so every cosine is 1/√6. Gradients 2 u1, 5 u2, 0.5 u3: length Σ|g_i| / √6 = 7.5 / √6,
        // d = 7.5 x / 6 = (1.25, 2.5, 1.25).
        double[] g1 = {2, 0, 0};
        double[] g2 = {-3, 4, 0};
        double[] g3 = {0, 0, 0.5};
        double[] d = combine(config.coefficients(gram(g1, g2, g3), null), g1, g2, g3);
        assertArrayEquals(new double[] {1.25, 2.5, 1.25}, d, 1e-12);
        for (double[] g : new double[][] {g1, g2, g3}) {
            assertEquals(1 / Math.sqrt(6), dot(d, g) / (norm(d) * norm(g)), 1e-12);
        }
    }

    @Test
    void equalPositiveCosineWithEveryGradient() {
        Random random = new Random(17);
        for (int trial = 0; trial < 100; trial++) {
            int k = 2 + random.nextInt(7);
            double[][] g = GradientVectors.random(random, k, k + 3, 1.0);
            double[] d = combine(config.coefficients(gram(g), null), g);
            double first = dot(d, g[0]) / (norm(d) * norm(g[0]));
            assertTrue(first > 0, "trial " + trial + ": cosine " + first);
            for (int t = 1; t < k; t++) {
                assertEquals(first, dot(d, g[t]) / (norm(d) * norm(g[t])), 1e-8, "trial " + trial + ", task " + t);
            }
            // The length is the sum of the projections on the direction.
            double projections = 0;
            for (double[] gt : g) {
                projections += dot(gt, d) / norm(d);
            }
            assertEquals(projections, norm(d), 1e-9 * norm(d), "trial " + trial);
        }
    }

    @Test
    void oppositeGradientsGiveNoUpdate() {
        // No direction has a positive cosine with both (1,0) and (-2,0): x = 0, d = 0.
        assertArrayEquals(new double[] {0, 0}, config.coefficients(gram(new double[] {1, 0}, new double[] {-2, 0}), null), 1e-12);
    }

    @Test
    void aZeroGradientTakesNoPart() {
        double[] g1 = {2, 0, 0};
        double[] g2 = {-3, 4, 0};
        double[] zero = {0, 0, 0};
        double[] with = config.coefficients(gram(g1, zero, g2), null);
        double[] without = config.coefficients(gram(g1, g2), null);
        assertEquals(0, with[1], 0.0);
        assertArrayEquals(without, new double[] {with[0], with[2]}, 1e-12);
    }
}
