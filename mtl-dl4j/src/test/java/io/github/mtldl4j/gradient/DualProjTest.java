package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.dot;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DualProjTest {

    @Test
    void projectionOfTheSumByHand() {
        // g1 = (1,0), g2 = (-2,1); the sum (-1,1) breaks g1 . x >= 0; its projection onto that half-plane, (0,1), has
        // g2 . x = 1 >= 0, so it is the projection onto the cone: d = (0,1) = 2 g1 + 1 g2.
        double[] g1 = {1, 0};
        double[] g2 = {-2, 1};
        double[] exact = new DualProj(0).coefficients(gram(g1, g2), null);
        assertArrayEquals(new double[] {2, 1}, exact, 1e-12);
        assertArrayEquals(new double[] {0, 1}, combine(exact, g1, g2), 1e-12);
        // TorchJD's regularization: Q = G / 6 + 1e-4 I, with v2 = 1 at its bound v1 = -Q12 / Q11 = (1/3) / (1/6 + 1e-4).
        assertArrayEquals(new double[] {2 / (1 + 6e-4), 1}, new DualProj().coefficients(gram(g1, g2), null), 1e-12);
    }

    @Test
    void noConflictWithTheMeanGivesTheSum() {
        // g1 = (1,0), g2 = (1,1): no pair conflicts; the sum is in the cone and stays.
        assertArrayEquals(new double[] {1, 1}, new DualProj().coefficients(gram(new double[] {1, 0}, new double[] {1, 1}), null), 1e-6);
    }

    @Test
    void nonNegativeInnerProductWithEveryGradient() {
        Random random = new Random(8);
        DualProj dualProj = new DualProj();
        for (int trial = 0; trial < 50; trial++) {
            int k = 2 + random.nextInt(6);
            double[][] g = GradientVectors.random(random, k, k + 3, 1.0);
            double[][] gram = gram(g);
            double[] c = dualProj.coefficients(gram, null);
            double[] d = combine(c, g);
            double trace = 0;
            for (int t = 0; t < k; t++) {
                trace += gram[t][t];
            }
            for (int t = 0; t < k; t++) {
                assertTrue(c[t] >= 1, "trial " + trial);
                // The regularization allows g_t . d down to -reg trace c_t (class Javadoc), rounding 1e-9 of the scale.
                double slack = UpGrad.DEFAULT_REGULARIZATION * trace * c[t] + 1e-9 * trace * GradientVectors.sum(c);
                assertTrue(dot(g[t], d) >= -slack, "trial " + trial + ", task " + t + ": " + dot(g[t], d));
            }
        }
    }

    @Test
    void refusesANegativeRegularization() {
        assertThrows(IllegalArgumentException.class, () -> new DualProj(-1));
    }
}
