package io.github.mtldl4j.gradient;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ExcessMtlTest {
    private static final double EPS = ExcessMtl.EPSILON;

    private static INDArray rows(double[]... rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    /**
     * The paper's rule on a toy: a task whose gradient vanished (no excess risk left) loses weight to one whose
     * gradient persists. Excess estimates Σ g² / sqrt(H + 1e-7) with H the running sum of g²; weights w exp(η e / e⁰).
     */
    @Test
    void taskWithExcessRiskGainsWeightByHand() {
        ExcessMtl method = new ExcessMtl();
        double[] heads = {1, 1};
        double[] losses = {1, 1};
        // Step 1: weights stay 1, the update is the plain sum; e⁰ = (1 / sqrt(1 + eps), 4 / sqrt(4 + eps)).
        assertArrayEquals(new double[] {1, 2}, method.combine(rows(new double[] {1, 0}, new double[] {0, 2}), losses, heads, null)
                .toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {1, 1}, heads, 0.0);
        // Step 2: task 1 the same gradient (H = 2: e = 1 / sqrt(2 + eps)), task 2 none (e = 0).
        double ratio = (1 / Math.sqrt(2 + EPS)) / (1 / Math.sqrt(1 + EPS));
        double grown = Math.exp(0.01 * ratio);
        double w1 = 2 * grown / (grown + 1);
        double w2 = 2 / (grown + 1);
        double[] d = method.combine(rows(new double[] {1, 0}, new double[] {0, 0}), losses, heads, null).toDoubleVector();
        assertArrayEquals(new double[] {w1, 0}, d, 1e-14);
        assertArrayEquals(new double[] {w1, w2}, heads, 1e-14);
        assertArrayEquals(new double[] {w1, w2}, method.weights(), 1e-14);
        assertTrue(w1 > 1 && w2 < 1);
        assertEquals(2, w1 + w2, 1e-14);
    }

    @Test
    void stateRoundTripResumesExactly() {
        ExcessMtl method = new ExcessMtl(0.5);
        for (int i = 0; i < 2; i++) {
            method.combine(rows(new double[] {1, -2}, new double[] {3, 1 + i}), new double[] {0.5, 2}, new double[2], null);
        }
        Map<String, double[]> state = method.state();
        ExcessMtl resumed = new ExcessMtl(0.5);
        resumed.start();
        resumed.restoreState(state);
        double[] expected = method.combine(rows(new double[] {2, 1}, new double[] {-1, 1}), new double[] {1, 1}, new double[2], null)
                .toDoubleVector();
        double[] actual = resumed.combine(rows(new double[] {2, 1}, new double[] {-1, 1}), new double[] {1, 1}, new double[2], null)
                .toDoubleVector();
        assertArrayEquals(expected, actual, 0.0);
        assertThrows(IllegalArgumentException.class, () -> resumed.restoreState(Map.of("targets", new double[4])));
        assertThrows(IllegalArgumentException.class, () -> new ExcessMtl(0));
    }
}
