package io.github.mtldl4j.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.MultiDataSet;

/** The MMoE synthetic tasks: weight geometry, labels against the formula, the effect of p, seeding. */
class MmoeSyntheticDataTest {
    private static final double TIGHT = 1e-12;

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void weightVectorsHaveNormCAndCosineP() {
        for (double p : new double[] {1.0, 0.9, 0.5, 0.0, -0.3}) {
            MmoeSyntheticData data = new MmoeSyntheticData(100, 0.3, 5, 0.1, p, 7);
            double[] w1 = data.weights(0);
            double[] w2 = data.weights(1);
            assertEquals(0.09, dot(w1, w1), TIGHT);
            assertEquals(0.09, dot(w2, w2), TIGHT);
            assertEquals(p, dot(w1, w2) / 0.09, 1e-10);
        }
    }

    @Test
    void labelsFollowTheFormulaAndPEqualToOneWithoutNoiseGivesIdenticalTasks() {
        MmoeSyntheticData same = new MmoeSyntheticData(10, 0.5, 3, 0.0, 1.0, 3);
        MultiDataSet sample = same.sample(50, 1);
        assertTrue(sample.getLabels(0).equalsWithEps(sample.getLabels(1), 1e-6));

        // Without sines and noise the label is the linear part w_k . x; with m sines it stays within m of it.
        MmoeSyntheticData linear = new MmoeSyntheticData(10, 0.5, 0, 0.0, 0.5, 3);
        MmoeSyntheticData sines = new MmoeSyntheticData(10, 0.5, 3, 0.0, 0.5, 3);
        MultiDataSet a = linear.sample(5, 2);
        MultiDataSet b = sines.sample(5, 2);
        for (int r = 0; r < 5; r++) {
            double[] xr = a.getFeatures(0).getRow(r).toDoubleVector();
            for (int k = 0; k < 2; k++) {
                double z = dot(linear.weights(k), xr);
                assertEquals(z, a.getLabels(k).getDouble(r, 0), 1e-5);
                assertTrue(Math.abs(b.getLabels(k).getDouble(r, 0) - z) <= 3 + 1e-5);
            }
        }
    }

    @Test
    void labelCorrelationFallsWithP() {
        double high = labelCorrelation(1.0);
        double mid = labelCorrelation(0.9);
        double low = labelCorrelation(0.5);
        assertTrue(high > mid && mid > low, high + " > " + mid + " > " + low);
        assertTrue(high > 0.95, "p = 1 with noise 0.1: " + high);
    }

    private static double labelCorrelation(double p) {
        MultiDataSet s = MmoeSyntheticData.paper(p, 11).sample(4000, 5);
        double[] a = s.getLabels(0).toDoubleVector();
        double[] b = s.getLabels(1).toDoubleVector();
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i] / a.length;
            mb += b[i] / b.length;
        }
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    @Test
    void sameSeedsGiveSameData() {
        assertEquals(MmoeSyntheticData.paper(0.5, 1).sample(20, 2), MmoeSyntheticData.paper(0.5, 1).sample(20, 2));
        assertTrue(!MmoeSyntheticData.paper(0.5, 1).sample(20, 2).getLabels(1)
                .equals(MmoeSyntheticData.paper(0.5, 2).sample(20, 2).getLabels(1)));
    }

    @Test
    void refusesBadSettings() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MmoeSyntheticData.paper(1.5, 1))
                .getMessage().contains("[-1, 1], received 1.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MmoeSyntheticData(1, 0.3, 5, 0.1, 0.5, 1))
                .getMessage().contains("inputs >= 2, received 1"));
    }
}
