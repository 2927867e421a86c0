package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every aggregator is on the scale of the sum: K equal gradients g give K g (CAGrad: its authors' (1 + c)/(1 + c²)). */
class ScaleContractTest {

    static java.util.List<GradientAggregator> aggregators() {
        return GramValidationTest.aggregators();
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void equalGradientsGiveTheSumsStep(GradientAggregator aggregator) {
        double[] g = {0.4, -1.3, 2.0};
        for (int k = 1; k <= 5; k++) {
            double[][] same = new double[k][];
            java.util.Arrays.fill(same, g);
            double[] d = combine(aggregator.coefficients(gram(same), new Random(k)), same);
            double factor = aggregator instanceof CaGrad caGrad ? (1 + caGrad.c()) / (1 + caGrad.c() * caGrad.c()) : 1;
            for (int p = 0; p < g.length; p++) {
                assertEquals(k * factor * g[p], d[p], 1e-6, aggregator.name() + ", K = " + k);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void oneCoefficientPerTaskAndNames(GradientAggregator aggregator) {
        double[][] g = GradientVectors.random(new Random(4), 6, 9, 1.0);
        assertEquals(6, aggregator.coefficients(gram(g), new Random(4)).length);
        assertEquals(aggregator.name().toLowerCase(java.util.Locale.ROOT), aggregator.name());
        assertEquals(aggregator instanceof MgdaUb || aggregator.equals(AlignedMtl.onRepresentation()),
                aggregator.usesRepresentationGradients());
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void orthogonalGradientsGiveTheSumForMethodsThatOnlyActOnConflicts(GradientAggregator aggregator) {
        double[] g1 = {1, 0, 0};
        double[] g2 = {0, 2, 0};
        double[] g3 = {0, 0, 0.5};
        double[] c = aggregator.coefficients(gram(g1, g2, g3), new Random(1));
        if (aggregator instanceof PcGrad || aggregator instanceof UpGrad || aggregator instanceof SumAggregator
                || aggregator instanceof DualProj || aggregator instanceof GradVac) {
            assertArrayEquals(new double[] {1, 1, 1}, c, 1e-6, aggregator.name());
        }
        // MGDA: min-norm point of orthogonal vectors, α_t ∝ 1/|g_t|², by hand (1, 1/4, 4) / 5.25, times K = 3.
        // Frank-Wolfe stops at a duality gap of 1e-10 of the largest |g_t|², which leaves α accurate to about 1e-8.
        if (aggregator instanceof MgdaUb) {
            assertArrayEquals(new double[] {3 / 5.25, 0.75 / 5.25, 12 / 5.25}, c, 1e-6);
        }
        // IMTL-G: equal projections α_t |g_t| with Σα = 1: α ∝ 1/|g_t| = (1, 1/2, 2) / 3.5, times K = 3.
        if (aggregator instanceof ImtlG) {
            assertArrayEquals(new double[] {3 / 3.5, 1.5 / 3.5, 6 / 3.5}, c, 1e-12);
        }
        // Aligned-MTL: every gradient rescaled to the smallest singular value 0.5: c_t = 0.5 / |g_t|.
        if (aggregator instanceof AlignedMtl) {
            assertArrayEquals(new double[] {0.5, 0.25, 1}, c, 1e-12);
        }
        // ConFIG: x = Σ u_t = (1, 1, 1), length Σ g_t . x / |x|² = 3.5 / 3 times x; x = Σ g_t / |g_t|.
        if (aggregator instanceof ConFig) {
            assertArrayEquals(new double[] {3.5 / 3, 3.5 / 6, 7 / 3.0}, c, 1e-12);
        }
        // Nash-MTL: α_t = 1 / |g_t| on G, times sqrt of G's Frobenius norm sqrt(1 + 16 + 1/16) (the authors' scaling).
        if (aggregator instanceof NashMtl) {
            double root = Math.pow(17.0625, 0.25);
            assertArrayEquals(new double[] {root, root / 2, 2 * root}, c, 1e-6);
        }
    }
}
