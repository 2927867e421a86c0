package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static io.github.mtldl4j.gradient.GradientVectors.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CaGradTest {
    private static final double C = 0.5;

    @Test
    void cZeroGivesTheMeanGradientOnTheSumScale() {
        double[][] g = GradientVectors.random(new Random(1), 4, 5, 1.0);
        assertArrayEquals(new double[] {1, 1, 1, 1}, new CaGrad(0).coefficients(gram(g), null), 0);
        assertEquals(0.5, new CaGrad().c());
    }

    @Test
    void twoDimensionalCaseMatchesABruteForceSearchOfThePrimal() {
        // max_d min_i g_i . d over the disc |d - g_0| <= c |g_0|; 0 is outside the hull (all gradients point up),
        // so the maximum lies on the circle, searched here on a fine grid of angles.
        double[] g1 = {1, 0.1};
        double[] g2 = {-0.6, 1};
        double[] g3 = {0.2, 0.5};
        double[] g0 = GradientVectors.mean(g1, g2, g3);
        double radius = C * norm(g0);
        double bestValue = Double.NEGATIVE_INFINITY;
        double[] best = null;
        int angles = 200_000;
        for (int a = 0; a < angles; a++) {
            double theta = 2 * Math.PI * a / angles;
            double[] d = {g0[0] + radius * Math.cos(theta), g0[1] + radius * Math.sin(theta)};
            double value = worst(d, g1, g2, g3);
            if (value > bestValue) {
                bestValue = value;
                best = d;
            }
        }
        double[] d = unscaled(new CaGrad(C).coefficients(gram(g1, g2, g3), null), g1, g2, g3);
        assertTrue(worst(d, g1, g2, g3) >= bestValue - 1e-9, worst(d, g1, g2, g3) + " < brute force " + bestValue);
        assertEquals(bestValue, worst(d, g1, g2, g3), 1e-6);
        assertEquals(0, norm(GradientVectors.plus(d, best, -1)), 1e-3 * norm(g0));
    }

    @Test
    void theUpdateIsOnTheBallAndHelpsTheWorstTaskAtLeastAsMuchAsTheMean() {
        Random random = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            int k = 2 + random.nextInt(6);
            double[][] g = GradientVectors.random(random, k, k + 2, 0.7);
            double[] g0 = GradientVectors.mean(g);
            double[] d = unscaled(new CaGrad(C).coefficients(gram(g), null), g);
            double radius = C * norm(g0);
            assertEquals(radius, norm(GradientVectors.plus(d, g0, -1)), 1e-9 * norm(g0), "trial " + trial);
            double scale = GradientVectors.maxSquaredNorm(g);
            assertTrue(worst(d, g) >= worst(g0, g) - 1e-9 * scale, "trial " + trial);
            // No point sampled in the ball does better for the worst task.
            for (int sample = 0; sample < 500; sample++) {
                double[] direction = new double[g0.length];
                for (int p = 0; p < direction.length; p++) {
                    direction[p] = random.nextGaussian();
                }
                double length = radius * Math.pow(random.nextDouble(), 1.0 / direction.length) / norm(direction);
                double[] x = GradientVectors.plus(g0, direction, length);
                assertTrue(worst(x, g) <= worst(d, g) + 1e-7 * scale, "trial " + trial + ": a sampled point beats CAGrad");
            }
        }
    }

    @Test
    void theDualSolutionBeatsTheVerticesAndAGridOfTheSimplex() {
        Random random = new Random(13);
        int grid = 200;
        for (int trial = 0; trial < 10; trial++) {
            double[][] g = GradientVectors.random(random, 3, 5, 0.7);
            double[] w = new CaGrad(C).dualSolution(gram(g));
            assertEquals(1, GradientVectors.sum(w), 1e-12);
            double found = dualObjective(w, g);
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a <= grid; a++) {
                for (int b = 0; a + b <= grid; b++) {
                    best = Math.min(best, dualObjective(new double[] {a / (double) grid, b / (double) grid,
                            (grid - a - b) / (double) grid}, g));
                }
            }
            double scale = GradientVectors.maxSquaredNorm(g);
            assertTrue(found <= best + 1e-10 * scale, "trial " + trial + ": " + found + " > grid minimum " + best);
            assertEquals(best, found, 1e-3 * scale, "trial " + trial);
            for (int vertex = 0; vertex < 3; vertex++) {
                double[] e = new double[3];
                e[vertex] = 1;
                assertTrue(found <= dualObjective(e, g) + 1e-12 * scale);
            }
        }
    }

    @Test
    void coefficientsFollowTheAuthorsRescaling() {
        // Equal gradients g: g_0 = g_w = g, d = g + c g, divided by 1 + c², times K to match the sum.
        double[] g = {0.3, -1.2};
        double[] c = new CaGrad(C).coefficients(gram(g, g, g), null);
        assertEquals(3 * (1 + C) / (1 + C * C) * 0.3, combine(c, g, g, g)[0], 1e-12);
        // All-zero gradients: a zero step, finite coefficients.
        double[] zero = new CaGrad(C).coefficients(gram(new double[2], new double[2]), null);
        assertArrayEquals(new double[] {1 / (1 + C * C), 1 / (1 + C * C)}, zero, 0);
    }

    @Test
    void refusesABadC() {
        for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CaGrad(bad));
            assertTrue(e.getMessage().contains("cagrad") && e.getMessage().contains(">= 0")
                    && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    /** The paper's d: the coefficients undone from the sum scale, (1 + c²) / K. */
    private static double[] unscaled(double[] coefficients, double[]... g) {
        double[] d = combine(coefficients, g);
        for (int p = 0; p < d.length; p++) {
            d[p] *= (1 + C * C) / g.length;
        }
        return d;
    }

    private static double worst(double[] d, double[]... g) {
        double worst = Double.POSITIVE_INFINITY;
        for (double[] gi : g) {
            worst = Math.min(worst, dot(gi, d));
        }
        return worst;
    }

    /** g_w . g_0 + c |g_0| |g_w|, from the vectors. */
    private static double dualObjective(double[] w, double[][] g) {
        double[] gw = combine(w, g);
        double[] g0 = GradientVectors.mean(g);
        return dot(gw, g0) + C * norm(g0) * norm(gw);
    }
}
