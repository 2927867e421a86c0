package io.github.mtldl4j.gradient;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every aggregator refuses what is not a Gram matrix, saying what it expected, what it received and how to fix it. */
class GramValidationTest {

    static List<GradientAggregator> aggregators() {
        return List.of(new SumAggregator(), new PcGrad(), MgdaUb.onRepresentation(), new CaGrad(), new ImtlG(), new UpGrad(),
                AlignedMtl.onSharedParameters(), AlignedMtl.onRepresentation(), new ConFig(), new NashMtl(), new DualProj(),
                new GradVac());
    }

    private static void refused(GradientAggregator aggregator, double[][] gram, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> aggregator.coefficients(gram, new Random(1)));
        assertTrue(e.getMessage().startsWith(aggregator.name() + ": "), "message names the method: " + e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message lacks '" + fragment + "': " + e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void nullAndEmpty(GradientAggregator aggregator) {
        refused(aggregator, null, "K x K Gram matrix", "received null", "G = J J^T");
        refused(aggregator, new double[0][], "K >= 1", "received 0 rows");
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void notSquare(GradientAggregator aggregator) {
        refused(aggregator, new double[][] {{1, 0, 0}, {0, 1, 0}}, "square 2 x 2", "row 0 has 3 entries");
        refused(aggregator, new double[][] {{1, 0}, null}, "row 1 has null");
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void notFinite(GradientAggregator aggregator) {
        refused(aggregator, new double[][] {{1, Double.NaN}, {Double.NaN, 1}}, "finite", "G[0][1] = NaN", "learning rate");
        refused(aggregator, new double[][] {{1, 0}, {0, Double.POSITIVE_INFINITY}}, "G[1][1] = Infinity");
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void negativeDiagonal(GradientAggregator aggregator) {
        refused(aggregator, new double[][] {{1, 0}, {0, -2}}, "squared gradient norms", ">= 0", "G[1][1] = -2.0");
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void notSymmetric(GradientAggregator aggregator) {
        refused(aggregator, new double[][] {{4, 1}, {1.5, 4}}, "symmetric", "G[0][1] = 1.0", "G[1][0] = 1.5");
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void breaksCauchySchwarz(GradientAggregator aggregator) {
        refused(aggregator, new double[][] {{1, 3}, {3, 1}}, "not a Gram matrix", "Cauchy-Schwarz", "|G[0][1]| = 3.0");
    }

    @ParameterizedTest
    @MethodSource("aggregators")
    void acceptsRoundingLikeAFloatGemm(GradientAggregator aggregator) {
        // A float GEMM need not give bitwise symmetric entries; relative differences of 1e-6 are rounding.
        double[][] gram = {{2, -1 + 1e-6}, {-1, 1}};
        double[] c = assertDoesNotThrow(() -> aggregator.coefficients(gram, new Random(1)));
        for (double value : c) {
            assertTrue(Double.isFinite(value));
        }
    }
}
