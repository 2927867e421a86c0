package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class SumAggregatorTest {

    @Test
    void allOnesGiveThePlainSumOfTheGradients() {
        double[] g1 = {1, -2, 0.5};
        double[] g2 = {-3, 1, 2};
        double[] g3 = {0, 0, -1};
        double[] c = new SumAggregator().coefficients(gram(g1, g2, g3), null);
        assertArrayEquals(new double[] {1, 1, 1}, c);
        assertArrayEquals(new double[] {-2, -1, 1.5}, combine(c, g1, g2, g3), 1e-15);
    }

    @Test
    void nameAndGradientKind() {
        assertEquals("sum", new SumAggregator().name());
        assertFalse(new SumAggregator().usesRepresentationGradients());
    }
}
