package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SdmGradTest {
    private static INDArray rows(double[]... rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    /**
     * G_ξ = [[2, 0], [1, 1]], G_ξ' = [[2, 0], [0, 1]]: G_ξ G_ξ'^T = [[4, 0], [2, 1]], scale (2 + 1) / 2 = 1.5, so
     * divided by 2.25. From w = (½, ½), λ = 0.3: gradient ((2 + 0.3 · 2), (1.5 + 0.3 · 1.5)) / 2.25 = (2.6, 1.95) / 2.25;
     * one step of 0.1: (0.5 - 0.26 / 2.25, 0.5 - 0.195 / 2.25), both positive, then projected: each plus half of what
     * the pair lacks to sum to 1.
     */
    @Test
    void weightStepByHand() {
        double[][] gg = {{4, 0}, {2, 1}};
        double norm = 2.25 + 1e-8;
        double a = 0.5 - 0.1 * 2.6 / norm;
        double b = 0.5 - 0.1 * 1.95 / norm;
        double shift = (1 - a - b) / 2;
        double[] one = SdmGrad.weightSteps(gg, new double[] {0.5, 0.5}, 0.3, 1, 0.1, 0.5);
        assertClose(new double[] {a + shift, b + shift}, one, REORDERED, "one projected step");
        // A second step adds momentum: velocity ½ v1 + gradient at the new w.
        double[] w = {a + shift, b + shift};
        double v0 = 0.5 * 2.6 / norm + (4 * w[0] + 0 * w[1]) / norm + 0.3 * 2 / norm;
        double v1 = 0.5 * 1.95 / norm + (2 * w[0] + 1 * w[1]) / norm + 0.3 * 1.5 / norm;
        double c = w[0] - 0.1 * v0;
        double d = w[1] - 0.1 * v1;
        double shift2 = (1 - c - d) / 2;
        assertClose(new double[] {c + shift2, d + shift2}, SdmGrad.weightSteps(gg, new double[] {0.5, 0.5}, 0.3, 2, 0.1, 0.5),
                REORDERED, "two steps with momentum");
    }

    /** Equal task gradients in the update's sample: d = (g + λ g) / (1 + λ) = g for any w, K g on the sum's scale. */
    @Test
    void agreeingGradientsGiveTheRegularizedAverage() {
        SdmGrad sdm = new SdmGrad();
        INDArray conflicting = rows(new double[] {1, -2, 0}, new double[] {-1, 1, 3}, new double[] {0.5, 0, -1});
        INDArray other = rows(new double[] {2, -1, 0}, new double[] {-1, 2, 1}, new double[] {0, 1, -1});
        INDArray agreeing = rows(new double[] {1, 2, -3}, new double[] {1, 2, -3}, new double[] {1, 2, -3});
        double[] d = sdm.combine(List.of(conflicting, other, agreeing), null).toDoubleVector();
        assertClose(new double[] {3, 6, -9}, d, REORDERED, "K g");
        // The coefficients on the update's sample, read through the identity: K (w + λ / K) / (1 + λ), w on the simplex.
        double[] w = sdm.weights();
        double[] c = sdm.combine(List.of(conflicting, other, rows(new double[] {1, 0, 0}, new double[] {0, 1, 0}, new double[] {0, 0, 1})),
                null).toDoubleVector();
        double[] w2 = sdm.weights();
        assertClose(new double[] {3 * (w2[0] + 0.1) / 1.3, 3 * (w2[1] + 0.1) / 1.3, 3 * (w2[2] + 0.1) / 1.3}, c, REORDERED, "coefficients");
        assertClose(1.0, w[0] + w[1] + w[2], REORDERED, "w on the simplex");
    }

    @Test
    void stateRoundTripResumesExactly() {
        SdmGrad sdm = new SdmGrad();
        List<INDArray> first = List.of(rows(new double[] {1, 0}, new double[] {0, 2}), rows(new double[] {2, 0}, new double[] {1, 1}),
                rows(new double[] {1, 1}, new double[] {-1, 0}));
        sdm.combine(first, null);
        Map<String, double[]> state = sdm.state();
        SdmGrad resumed = new SdmGrad();
        resumed.start();
        resumed.restoreState(state);
        assertArrayEquals(sdm.combine(first, null).toDoubleVector(), resumed.combine(first, null).toDoubleVector(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> resumed.restoreState(Map.of("lambda", new double[2])));
        assertThrows(IllegalArgumentException.class, () -> new SdmGrad(-1, 20, 5, 0.5));
    }
}
