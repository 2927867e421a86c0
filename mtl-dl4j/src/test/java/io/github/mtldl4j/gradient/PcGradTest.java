package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static io.github.mtldl4j.gradient.GradientVectors.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PcGradTest {
    private static final double TOLERANCE = 1e-12;
    private final PcGrad pcGrad = new PcGrad();

    /** A Random under which {@code Collections.shuffle} swaps nothing: the other tasks come in ascending order. */
    private static Random ascendingOrder() {
        return new Random() {
            @Override
            public int nextInt(int bound) {
                return bound - 1;
            }
        };
    }

    /** A Random under which {@code Collections.shuffle} reverses a list of two: for K = 3, descending order. */
    private static Random descendingOrder() {
        return new Random() {
            @Override
            public int nextInt(int bound) {
                return 0;
            }
        };
    }

    @Test
    void withoutConflictItIsThePlainSum() {
        double[] g1 = {1, 0};
        double[] g2 = {1, 1};
        double[] c = pcGrad.coefficients(gram(g1, g2), new Random(1));
        assertArrayEquals(new double[] {1, 1}, c, TOLERANCE);
        assertArrayEquals(new double[] {2, 1}, combine(c, g1, g2), TOLERANCE);
    }

    @Test
    void twoConflictingGradientsAreProjectedOffEachOther() {
        // g1.g2 = -1: g1' = g1 - (-1/2) g2 = (0.5, 0.5); g2' = g2 - (-1/1) g1 = (0, 1); d = (0.5, 1.5) = 2 g1 + 1.5 g2.
        double[] g1 = {1, 0};
        double[] g2 = {-1, 1};
        double[] c = pcGrad.coefficients(gram(g1, g2), new Random(1));
        assertArrayEquals(new double[] {2, 1.5}, c, TOLERANCE);
        assertArrayEquals(new double[] {0.5, 1.5}, combine(c, g1, g2), TOLERANCE);
    }

    @Test
    void threeDimensionalCaseWithOneConflictingPair() {
        // g3 is orthogonal to both, so only g1 and g2 are projected: g1' = (0.5, 0.5, 0), g2' = (0, 1, 0), g3' = g3.
        double[] g1 = {1, 0, 0};
        double[] g2 = {-1, 1, 0};
        double[] g3 = {0, 0, 1};
        double[] c = pcGrad.coefficients(gram(g1, g2, g3), new Random(3));
        assertArrayEquals(new double[] {0.5, 1.5, 1}, combine(c, g1, g2, g3), TOLERANCE);
    }

    @Test
    void theOrderOfProjectionsMattersAndComesFromTheRandom() {
        double[] g1 = {1, 0};
        double[] g2 = {-1, 2};
        double[] g3 = {-1, -1};
        // Ascending order, by hand:
        //   g1: off g2 (dot -1, |g2|² 5) -> (0.8, 0.4); off g3 (dot -1.2, |g3|² 2) -> (0.2, -0.2)
        //   g2: off g1 (dot -1) -> (0, 2); off g3 (dot -2) -> (-1, 1)
        //   g3: off g1 (dot -1) -> (0, -1); off g2 (dot -2) -> (-0.4, -0.2)
        //   d = (-1.2, 0.6)
        double[] ascending = pcGrad.coefficients(gram(g1, g2, g3), ascendingOrder());
        assertArrayEquals(new double[] {-1.2, 0.6}, combine(ascending, g1, g2, g3), TOLERANCE);
        assertArrayEquals(reference(List.of(List.of(1, 2), List.of(0, 2), List.of(0, 1)), g1, g2, g3),
                combine(ascending, g1, g2, g3), TOLERANCE);
        // Descending order, by hand:
        //   g1: off g3 -> (0.5, -0.5); off g2 (dot -1.5) -> (0.2, 0.1)
        //   g2: off g3 (dot -1) -> (-1.5, 1.5); off g1 (dot -1.5) -> (0, 1.5)
        //   g3: off g2 (dot -1) -> (-1.2, -0.6); off g1 (dot -1.2) -> (0, -0.6)
        //   d = (0.2, 1.0)
        double[] descending = pcGrad.coefficients(gram(g1, g2, g3), descendingOrder());
        assertArrayEquals(new double[] {0.2, 1.0}, combine(descending, g1, g2, g3), TOLERANCE);
    }

    @Test
    void matchesProjectingTheVectorsThemselvesForSeededRandomOrders() {
        Random data = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int k = 2 + data.nextInt(5);
            double[][] g = GradientVectors.random(data, k, 6, 1.0);
            long seed = data.nextLong();
            double[] c = pcGrad.coefficients(gram(g), new Random(seed));
            // The same orders as the aggregator draws: shuffle the other tasks with the same Random, task by task.
            Random order = new Random(seed);
            List<List<Integer>> orders = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                List<Integer> others = new ArrayList<>();
                for (int j = 0; j < k; j++) {
                    if (j != i) {
                        others.add(j);
                    }
                }
                Collections.shuffle(others, order);
                orders.add(others);
            }
            double[] expected = reference(orders, g);
            double[] actual = combine(c, g);
            for (int p = 0; p < expected.length; p++) {
                assertEquals(expected[p], actual[p], 1e-10 * (1 + norm(expected)), "trial " + trial);
            }
        }
    }

    @Test
    void opposingGradientsGiveAStepThatHurtsNeither() {
        Random random = new Random(5);
        for (int trial = 0; trial < 100; trial++) {
            double[][] pair = GradientVectors.random(random, 2, 8, 1.0);
            double[] g1 = pair[0];
            double[] g2 = GradientVectors.plus(GradientVectors.plus(new double[8], g1, -0.7), pair[1], 0.3);  // mostly -g1
            if (dot(g1, g2) >= 0) {
                continue;
            }
            double[] d = combine(pcGrad.coefficients(gram(g1, g2), random), g1, g2);
            double scale = norm(g1) * norm(g2);
            assertTrue(dot(d, g1) >= -1e-12 * scale, "d.g1 = " + dot(d, g1));
            assertTrue(dot(d, g2) >= -1e-12 * scale, "d.g2 = " + dot(d, g2));
        }
    }

    @Test
    void zeroGradientsGiveNoNaN() {
        double[] g1 = {1, 2};
        double[] zero = {0, 0};
        double[] g3 = {-1, 0.5};
        double[] c = pcGrad.coefficients(gram(g1, zero, g3), new Random(2));
        for (double value : c) {
            assertTrue(Double.isFinite(value), java.util.Arrays.toString(c));
        }
        // Only g1 and g3 can conflict (dot = -1 + 1 = 0: they do not), so d is their plain sum.
        assertArrayEquals(new double[] {0, 2.5}, combine(c, g1, zero, g3), TOLERANCE);
        assertArrayEquals(new double[] {1, 1}, pcGrad.coefficients(gram(zero, zero), new Random(2)), 0);
    }

    @Test
    void theSameSeedGivesTheSameCoefficients() {
        double[][] g = GradientVectors.random(new Random(8), 5, 4, 1.0);
        assertArrayEquals(pcGrad.coefficients(gram(g), new Random(42)), pcGrad.coefficients(gram(g), new Random(42)));
    }

    @Test
    void refusesANullRandom() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pcGrad.coefficients(gram(new double[] {1}, new double[] {-1}), null));
        assertTrue(e.getMessage().contains("pcgrad") && e.getMessage().contains("received null")
                && e.getMessage().contains("new Random(seed)"), e.getMessage());
    }

    /** PCGrad on the vectors themselves, with the given order of other tasks for each task. */
    private static double[] reference(List<List<Integer>> orders, double[]... g) {
        double[] d = new double[g[0].length];
        for (int i = 0; i < g.length; i++) {
            double[] projected = g[i].clone();
            for (int j : orders.get(i)) {
                double dot = dot(projected, g[j]);
                if (dot < 0) {
                    projected = GradientVectors.plus(projected, g[j], -dot / dot(g[j], g[j]));
                }
            }
            d = GradientVectors.plus(d, projected, 1);
        }
        return d;
    }
}
