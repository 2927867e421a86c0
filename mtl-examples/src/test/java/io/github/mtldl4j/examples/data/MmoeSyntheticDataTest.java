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
    void googleSettingHasUnitWeightsCosinePAndItsFixedSines() {
        for (double p : new double[] {1.0, 0.9, 0.5}) {
            MmoeSyntheticData data = MmoeSyntheticData.Setting.GOOGLE.data(p, 4);
            double[] w1 = data.weights(0);
            double[] w2 = data.weights(1);
            assertEquals(100, w1.length);
            assertEquals(1.0, dot(w1, w1), TIGHT);
            assertEquals(1.0, dot(w2, w2), TIGHT);
            assertEquals(p, dot(w1, w2), 1e-10);
        }
        // A row by hand: x = 0.5 u1 gives w1.x = 0.5 and w2.x = 0.5 p (c = 1), so with alpha_i = i, beta_i = (i - 1)^2
        // y1 = 0.5 + sum_{i=1..10} sin(0.5 i + (i - 1)^2); the values were computed with Python's math.sin.
        MmoeSyntheticData data = MmoeSyntheticData.Setting.GOOGLE.data(0.9, 4);
        double[] x = data.weights(0);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 0.5;
        }
        assertEquals(-0.019260106768744345, data.target(0, x), 1e-12);
        assertEquals(0.23963228039081358, data.target(1, x), 1e-12);
        assertEquals(-1.5788615543013642, data.target(0, new double[100]), 1e-12);
    }

    @Test
    void googleSettingLinearPartsCorrelateAtPAndNoiseIsSmall() {
        double p = 0.5;
        MmoeSyntheticData data = MmoeSyntheticData.Setting.GOOGLE.data(p, 9);
        int n = 5000;
        MultiDataSet s = data.sample(n, 3);
        double[][] x = s.getFeatures(0).toDoubleMatrix();
        double[] y1 = s.getLabels(0).toDoubleVector();
        double[] w1 = data.weights(0);
        double[] w2 = data.weights(1);
        double s12 = 0;
        double s11 = 0;
        double s22 = 0;
        double maxNoise = 0;
        for (int r = 0; r < n; r++) {
            double[] xr = x[r];
            double z1 = dot(w1, xr);
            double z2 = dot(w2, xr);
            s12 += z1 * z2;
            s11 += z1 * z1;
            s22 += z2 * z2;
            maxNoise = Math.max(maxNoise, Math.abs(y1[r] - data.target(0, xr)));
        }
        // x ~ N(0, I): the linear parts have mean 0, variance |w|^2 = 1 and correlation cos(w1, w2) = p (se ~ 0.01).
        assertEquals(p, s12 / Math.sqrt(s11 * s22), 0.04);
        assertEquals(1.0, s11 / n, 0.06);
        // Noise sd 0.01: 5000 draws stay within 5 sd (plus float rounding of the stored label).
        assertTrue(maxNoise < 0.05 + 1e-4, "largest label minus noise-free target: " + maxNoise);
        assertTrue(maxNoise > 0.01, "noise sd 0.01 should show: " + maxNoise);
    }

    @Test
    void settingsAreNamedAsOnTheCommandLine() {
        assertEquals(MmoeSyntheticData.Setting.GOOGLE, MmoeSyntheticData.Setting.of("google"));
        assertEquals(MmoeSyntheticData.Setting.THIRD_PARTY, MmoeSyntheticData.Setting.of("third-party"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MmoeSyntheticData.Setting.of("paper"))
                .getMessage().contains("expected google or third-party"));
        // The third-party setting is the generator the paper() factory always gave.
        assertEquals(MmoeSyntheticData.paper(0.5, 1).sample(5, 2), new MmoeSyntheticData(100, 0.3, 5, 0.1, 0.5, 1).sample(5, 2));
    }

    @Test
    void refusesBadSettings() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MmoeSyntheticData.paper(1.5, 1))
                .getMessage().contains("[-1, 1], received 1.5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MmoeSyntheticData(1, 0.3, 5, 0.1, 0.5, 1))
                .getMessage().contains("inputs >= 2, received 1"));
    }
}
