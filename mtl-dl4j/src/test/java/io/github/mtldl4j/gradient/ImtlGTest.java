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

class ImtlGTest {
    private static final double TOLERANCE = 1e-12;
    private final ImtlG imtl = new ImtlG();

    @Test
    void twoTasksByHand() {
        // d = a1 (1,0) + a2 (0,2): d.u1 = a1, d.u2 = 2 a2; equal with a1 + a2 = 1 gives (2/3, 1/3), d = (2/3, 2/3).
        double[] g1 = {1, 0};
        double[] g2 = {0, 2};
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, ImtlG.paperWeights(gram(g1, g2)), TOLERANCE);
        double[] c = imtl.coefficients(gram(g1, g2), null);
        assertArrayEquals(new double[] {4.0 / 3, 2.0 / 3}, c, TOLERANCE);                 // K = 2 times the paper's α
        assertArrayEquals(new double[] {4.0 / 3, 4.0 / 3}, combine(c, g1, g2), TOLERANCE);
    }

    @Test
    void equalProjectionsOnEveryUnitGradientAndWeightsSummingToOne() {
        Random random = new Random(21);
        for (int trial = 0; trial < 100; trial++) {
            int k = 2 + random.nextInt(7);
            double[][] g = GradientVectors.random(random, k, k + 2, 1.0);
            double[] alpha = ImtlG.paperWeights(gram(g));
            assertEquals(1, GradientVectors.sum(alpha), 1e-9, "trial " + trial);
            double[] c = imtl.coefficients(gram(g), null);
            for (int t = 0; t < k; t++) {
                assertEquals(k * alpha[t], c[t], 1e-12 * Math.max(1, Math.abs(c[t])));
            }
            double[] d = combine(alpha, g);
            double first = dot(d, g[0]) / norm(g[0]);
            for (int t = 1; t < k; t++) {
                assertEquals(first, dot(d, g[t]) / norm(g[t]), 1e-8 * (norm(d) + 1e-300), "trial " + trial + ", task " + t);
            }
        }
    }

    @Test
    void duplicateTasksFallBackToThePseudoInverseByHand() {
        // g1 = g2: the paper's system is singular. Equal projections on u1 = u2 = (1,1)/√2 and u3 = (1,-1)/√2 need
        // d = (x, 0): a1 + a2 - a3 = 0 with Σa = 1, so a3 = 1/2; G⁺ n splits the rest evenly: (1/4, 1/4, 1/2).
        double[] g1 = {1, 1};
        double[] g3 = {1, -1};
        double[] alpha = ImtlG.paperWeights(gram(g1, g1, g3));
        assertArrayEquals(new double[] {0.25, 0.25, 0.5}, alpha, 1e-12);
        assertArrayEquals(new double[] {1, 0}, combine(alpha, g1, g1, g3), 1e-12);
    }

    @Test
    void noDirectionWithEqualProjectionsGivesNoUpdate() {
        // u1 = (1,0), u2 = u3 = (-1,0): equal projections force d.(1,0) = -d.(1,0), so d = 0.
        double[] g1 = {1, 0};
        double[] g2 = {-1, 0};
        double[] g3 = {-2, 0};
        assertArrayEquals(new double[] {0, 0, 0}, imtl.coefficients(gram(g1, g2, g3), null), 0);
        // Two opposite gradients: the closed form exists and gives (1/2, 1/2), which is d = 0 as well.
        assertArrayEquals(new double[] {0, 0}, combine(imtl.coefficients(gram(g1, g2), null), g1, g2), 1e-15);
    }

    @Test
    void zeroGradientsGetNoWeight() {
        double[] g1 = {1, 0, 0};
        double[] zero = {0, 0, 0};
        double[] g3 = {0, 3, 0};
        double[] alpha = ImtlG.paperWeights(gram(g1, zero, g3));
        // Among g1 and g3 as in the two-task case: d.u1 = a1, d.u3 = 3 a3, so (3/4, 0, 1/4).
        assertArrayEquals(new double[] {0.75, 0, 0.25}, alpha, 1e-12);
        assertArrayEquals(new double[] {1, 1}, imtl.coefficients(gram(zero, zero), null), 0);
    }

    @Test
    void keepsThePapersSignEvenWhenTheCommonProjectionIsNegative() {
        // Documented caveat: Σα = 1 can put d uphill for every task (small g2 between larger gradients).
        double[] g1 = {-0.0792, -0.4039, 0.2374};
        double[] g2 = {-0.0041, -0.0089, 0.0106};
        double[] g3 = {-0.0349, 0.1016, 0.0257};
        double[] alpha = ImtlG.paperWeights(gram(g1, g2, g3));
        assertEquals(1, GradientVectors.sum(alpha), 1e-12);
        double[] d = combine(alpha, g1, g2, g3);
        double projection = dot(d, g1) / norm(g1);
        assertTrue(projection < 0, "common projection " + projection);
        assertEquals(projection, dot(d, g2) / norm(g2), 1e-12);
        assertEquals(projection, dot(d, g3) / norm(g3), 1e-12);
    }

    @Test
    void solvesSmallSystemsExactly() {
        double[][] a = {{0, 2, 1}, {1, 1, 1}, {2, 0, 3}};
        // By hand: 2y + z = 5, x + y + z = 6, 2x + 3z = 11. From the first z = 5 - 2y; the third gives x = 3y - 2;
        // the second 3y - 2 + y + 5 - 2y = 6, so y = 1.5, z = 2, x = 2.5. The zero first pivot needs a row swap.
        double[] x = ImtlG.solve(a, new double[] {5, 6, 11});
        assertArrayEquals(new double[] {2.5, 1.5, 2}, x, 1e-12);
        assertEquals(null, ImtlG.solve(new double[][] {{1, 2}, {2, 4}}, new double[] {1, 2}));
    }
}
