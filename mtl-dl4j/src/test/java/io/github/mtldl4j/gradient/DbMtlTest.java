package io.github.mtldl4j.gradient;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DbMtlTest {
    private static final double EPS = DbMtl.EPSILON;

    private static INDArray rows(double[]... rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    private static double[] step(DbMtl method, double[] losses, double[] headScales, double[]... gradients) {
        return method.combine(rows(gradients), losses, headScales, null).toDoubleVector();
    }

    /** Without the moving average (β = 0): log-loss gradients g_t / L_t, each scaled to the largest norm. */
    @Test
    void everyTaskContributesTheLargestNormByHand() {
        double[] heads = {1, 1};
        // g1 = (3, 0), L1 = 1: log-loss gradient (3, 0), norm 3. g2 = (0, 1), L2 = 2: (0, 1/2), norm 1/2, scaled x6 to norm 3.
        double[] d = step(new DbMtl(0), new double[] {1, 2}, heads, new double[] {3, 0}, new double[] {0, 1});
        double n1 = 3 / (1 + EPS);
        double n2 = 1 / (2 + EPS);
        assertArrayEquals(new double[] {n1 * n1 / (n1 + EPS), n2 * n1 / (n2 + EPS)}, d, 1e-12);
        assertEquals(3, d[0], 1e-7);
        assertEquals(3, d[1], 1e-7);
        // Heads train on log losses: their gradients are divided by the losses.
        assertArrayEquals(new double[] {1 / (1 + EPS), 1 / (2 + EPS)}, heads, 1e-15);
    }

    /** The moving average with β = 0.9 from 0: after one step 0.1 g, after two 0.19 g (same gradients), then scaled. */
    @Test
    void movingAverageOfTheGradientsByHand() {
        DbMtl method = new DbMtl();
        double[] losses = {1, 1};
        double[] first = step(method, losses, new double[2], new double[] {0, 4}, new double[] {2, 0});
        double[] second = step(method, losses, new double[2], new double[] {0, 4}, new double[] {2, 0});
        // Norms 0.4 and 0.2 (then 0.76 and 0.38): task 2 doubled to task 1's norm.
        assertArrayEquals(new double[] {0.4, 0.4}, first, 1e-7);
        assertArrayEquals(new double[] {0.76, 0.76}, second, 1e-7);
    }

    @Test
    void aTaskWithoutLabelsKeepsItsAverage() {
        DbMtl method = new DbMtl();
        step(method, new double[] {1, 1}, new double[2], new double[] {1, 0}, new double[] {0, 1});
        // Task 2 has no labels: its average stays 0.1 (0, 1); task 1's becomes 0.19 (1, 0), so task 2 is scaled to 0.19.
        double[] d = step(method, new double[] {1, Double.NaN}, new double[] {1, 1}, new double[] {1, 0}, new double[] {0, 0});
        assertArrayEquals(new double[] {0.19, 0.19}, d, 1e-7);
    }

    @Test
    void stateRoundTripResumesExactly() {
        DbMtl method = new DbMtl();
        step(method, new double[] {0.5, 2}, new double[2], new double[] {1, -2}, new double[] {3, 1});
        Map<String, double[]> state = method.state();
        DbMtl resumed = new DbMtl();
        resumed.start();
        resumed.restoreState(state);
        double[] expected = step(method, new double[] {0.7, 1.5}, new double[2], new double[] {2, 1}, new double[] {-1, 1});
        double[] actual = step(resumed, new double[] {0.7, 1.5}, new double[2], new double[] {2, 1}, new double[] {-1, 1});
        assertArrayEquals(expected, actual, 0.0);
        assertThrows(IllegalArgumentException.class, () -> resumed.restoreState(Map.of("targets", new double[1])));
        assertThrows(IllegalArgumentException.class, () -> new DbMtl(1));
        assertThrows(UnsupportedOperationException.class, () -> method.coefficients(new double[][] {{1}}, null));
    }
}
