package io.github.mtldl4j.gradient;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MoCoTest {
    private static INDArray rows(double[]... rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    /** One step by hand: normalized gradients L_t g_t / ||g_t||, y = β_1 g̃ = g̃ / 2, one softmax step of λ from 1/2. */
    @Test
    void firstStepByHand() {
        MoCo moco = new MoCo();
        // g1 = (2, 0), L1 = 1: g̃1 = (1, 0), y1 = (1/2, 0). g2 = (0, 3), L2 = 1/2: g̃2 = (0, 1/2), y2 = (0, 1/4).
        double[] d = moco.combine(rows(new double[] {2, 0}, new double[] {0, 3}), new double[] {1, 0.5}, new double[] {1, 1}, null)
                .toDoubleVector();
        // Y Y^T = diag(1/4, 1/16); λ = softmax(1/2 - 0.1 (1/8), 1/2 - 0.1 (1/32)).
        double a = Math.exp(0.5 - 0.1 / 8);
        double b = Math.exp(0.5 - 0.1 / 32);
        double l1 = a / (a + b);
        double l2 = b / (a + b);
        assertArrayEquals(new double[] {2 * l1 * 0.5, 2 * l2 * 0.25}, d, 1e-8);
    }

    /** The tracked estimate: with the same gradient twice, y = (1 - (1 - β_1)(1 - β_2)) g̃, β_k = 0.5 / sqrt(k). */
    @Test
    void estimateTracksTheGradient() {
        MoCo moco = new MoCo();
        for (int i = 0; i < 2; i++) {
            moco.combine(rows(new double[] {0, 4}, new double[] {3, 4}), new double[] {2, 1}, new double[] {1, 1}, null);
        }
        double kept = 1 - (1 - 0.5) * (1 - 0.5 / Math.sqrt(2));
        // g̃1 = 2 (0, 1), g̃2 = (3, 4) / 5.
        assertArrayEquals(new double[] {0, 2 * kept, 0.6 * kept, 0.8 * kept}, moco.estimates().reshape(4).toDoubleVector(), 1e-8);
    }

    @Test
    void stateRoundTripResumesExactly() {
        MoCo moco = new MoCo();
        moco.combine(rows(new double[] {1, -2}, new double[] {3, 1}), new double[] {0.5, 2}, new double[] {1, 1}, null);
        Map<String, double[]> state = moco.state();
        MoCo resumed = new MoCo();
        resumed.start();
        resumed.restoreState(state);
        double[] expected = moco.combine(rows(new double[] {2, 1}, new double[] {-1, 1}), new double[] {0.7, 1.5}, new double[] {1, 1}, null)
                .toDoubleVector();
        double[] actual = resumed.combine(rows(new double[] {2, 1}, new double[] {-1, 1}), new double[] {0.7, 1.5}, new double[] {1, 1}, null)
                .toDoubleVector();
        assertArrayEquals(expected, actual, 0.0);
        assertThrows(IllegalArgumentException.class, () -> resumed.restoreState(Map.of("averages", new double[4])));
        assertThrows(IllegalArgumentException.class, () -> new MoCo(0, 0.5, 0.1, 0.5, 0));
    }
}
