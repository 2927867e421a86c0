package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static io.github.mtldl4j.gradient.GradientVectors.norm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GradVacTest {

    private static void assertSameUpToRounding(double[] expected, double[] actual, String message) {
        double scale = 0;
        for (double value : expected) {
            scale = Math.max(scale, Math.abs(value));
        }
        assertArrayEquals(expected, actual, 1e-12 * scale, message);
    }

    @Test
    void firstStepIsPcGrad() {
        // The targets start at 0, where GradVac's adjustment is PCGrad's projection; same Gram, same seed, same order.
        Random shapes = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int k = 2 + shapes.nextInt(6);
            double[][] g = gram(GradientVectors.random(shapes, k, k + 2, 1.0));
            assertSameUpToRounding(new PcGrad().coefficients(g, new Random(trial)), new GradVac().coefficients(g, new Random(trial)),
                    "trial " + trial);
        }
    }

    @Test
    void targetZeroStaysPcGrad() {
        // beta = 0 keeps every target at 0: PCGrad at every step, with one Random drawn from by both in the same order.
        GradVac gradVac = new GradVac(0);
        Random forPcGrad = new Random(3);
        Random forGradVac = new Random(3);
        Random shapes = new Random(4);
        for (int step = 0; step < 20; step++) {
            double[][] g = gram(GradientVectors.random(shapes, 5, 7, 1.0));
            assertSameUpToRounding(new PcGrad().coefficients(g, forPcGrad), gradVac.coefficients(g, forGradVac), "step " + step);
        }
    }

    @Test
    void secondStepRaisesTheCosineToTheMovingTargetByHand() {
        GradVac gradVac = new GradVac(0.5);
        // Step 1: cosine 0.6 >= target 0, nothing changes; target = 0.5 * 0 + 0.5 * 0.6 = 0.3 for both pairs.
        double[] g1 = {1, 0};
        double[] g2 = {0.6, 0.8};
        assertArrayEquals(new double[] {1, 1}, gradVac.coefficients(gram(g1, g2), new Random(1)), 0.0);
        assertEquals(0.3, gradVac.targets()[0][1], 1e-15);
        // Step 2: orthogonal g1, g2 (cosine 0 < 0.3): g_i += 0.3 / sqrt(1 - 0.09) g_j (|g_i| = |g_j| = 1), after which
        // the cosine with g_j is exactly 0.3; target = 0.5 * 0.3 + 0.5 * 0 = 0.15.
        double[] h2 = {0, 1};
        double w = 0.3 / Math.sqrt(0.91);
        double[] c = gradVac.coefficients(gram(g1, h2), new Random(1));
        assertArrayEquals(new double[] {1 + w, 1 + w}, c, 1e-15);
        double[] adjusted = combine(new double[] {1, w}, g1, h2);
        assertEquals(0.3, dot(adjusted, h2) / (norm(adjusted) * norm(h2)), 1e-15);
        assertEquals(0.15, gradVac.targets()[1][0], 1e-15);
    }

    @Test
    void savedStateResumesExactly() {
        Random shapes = new Random(9);
        double[][][] grams = new double[6][][];
        for (int s = 0; s < grams.length; s++) {
            grams[s] = gram(GradientVectors.random(shapes, 4, 6, 1.0));
        }
        GradVac uninterrupted = new GradVac(0.3);
        GradVac first = new GradVac(0.3);
        for (int s = 0; s < 3; s++) {
            uninterrupted.coefficients(grams[s], new Random(s));
            first.coefficients(grams[s], new Random(s));
        }
        Map<String, double[]> state = first.state();
        GradVac resumed = new GradVac(0.3);
        resumed.start();
        resumed.restoreState(state);
        for (int s = 3; s < grams.length; s++) {
            assertArrayEquals(uninterrupted.coefficients(grams[s], new Random(s)), resumed.coefficients(grams[s], new Random(s)), 0.0);
        }
        // A fresh instance (targets 0) differs: the state matters.
        double[] fresh = new GradVac(0.3).coefficients(grams[3], new Random(3));
        GradVac again = new GradVac(0.3);
        again.restoreState(state);
        double[] restored = again.coefficients(grams[3], new Random(3));
        assertEquals(false, java.util.Arrays.equals(fresh, restored));
    }

    @Test
    void refusesAnotherMethodsState() {
        assertThrows(IllegalArgumentException.class, () -> new GradVac().restoreState(Map.of("loss_history", new double[] {1, 2})));
        assertThrows(IllegalArgumentException.class, () -> new GradVac().restoreState(Map.of("targets", new double[] {1, 2, 3})));
        assertThrows(IllegalArgumentException.class, () -> new GradVac(1.5));
    }
}
