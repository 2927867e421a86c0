package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradDropTest {
    private static INDArray rows(double[]... rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    /** A generator whose uniform draws are given: a fixed U. */
    private static Random fixed(double... draws) {
        return new Random() {
            private int next;

            @Override
            public double nextDouble() {
                return draws[next++];
            }
        };
    }

    /**
     * Purities by hand for g1 = (3, -1, 2, 0.5), g2 = (1, 2, -2, -1.5): P = 1 (both positive), ½(1 + 1/3) = 2/3,
     * ½(1 + 0/4) = ½, ½(1 - 1/2) = ¼.
     */
    @Test
    void maskWithAFixedDrawMatchesTheHandComputation() {
        double[][] g = {{3, -1, 2, 0.5}, {1, 2, -2, -1.5}};
        assertEquals(1.0, GradDrop.purity(g, 0));
        assertEquals(2.0 / 3, GradDrop.purity(g, 1), 1e-15);
        assertEquals(0.5, GradDrop.purity(g, 2));
        assertEquals(0.25, GradDrop.purity(g, 3));
        // U = (0.99, 0.5, 0.7, 0.2): keep positive, positive (2/3 > 0.5), negative (½ < 0.7), positive (¼ > 0.2).
        double[][] factor = GradDrop.masks(g, new double[] {0.99, 0.5, 0.7, 0.2}, 0);
        assertArrayEquals(new double[] {1, 0, 0, 1}, factor[0]);
        assertArrayEquals(new double[] {1, 1, 1, 0}, factor[1]);
        // Through the method with the same draws: the kept entries summed, (3 + 1, 2, -2, 0.5).
        INDArray d = GradDrop.onSharedParameters().combine(rows(g), new double[] {1, 1}, new double[] {1, 1}, fixed(0.99, 0.5, 0.7, 0.2));
        assertArrayEquals(new double[] {4, 2, -2, 0.5}, d.toDoubleVector());
        // A leak lets that fraction of a dropped gradient through.
        assertArrayEquals(new double[] {1, 0.25, 0.25, 1}, GradDrop.masks(g, new double[] {0.99, 0.5, 0.7, 0.2}, 0.25)[0]);
    }

    /** Purity 1 (every task positive) keeps every gradient for any draw; purity 0 keeps every negative one, even at U = 0. */
    @Test
    void agreeingSignsAreUntouched() {
        double[][] positive = {{1, 0.5}, {2, 3}, {0.1, 4}};
        double[][] factor = GradDrop.masks(positive, new double[] {0.999999, 0.0}, 0);
        for (double[] f : factor) {
            assertArrayEquals(new double[] {1, 1}, f);
        }
        double[][] negative = {{-1}, {-2}};
        assertArrayEquals(new double[] {1}, GradDrop.masks(negative, new double[] {0.0}, 0)[0]);
        assertArrayEquals(new double[] {1}, GradDrop.masks(negative, new double[] {0.0}, 0)[1]);
        // Seeded draws on agreeing elements: the output is the plain sum, whatever the draws.
        INDArray g = rows(new double[] {1, -2, 0.5}, new double[] {3, -1, 2});
        for (long seed = 0; seed < 5; seed++) {
            assertArrayEquals(new double[] {4, -3, 2.5},
                    GradDrop.onSharedParameters().combine(g, new double[] {1, 1}, new double[] {1, 1}, new Random(seed)).toDoubleVector());
        }
    }

    /** A conflicting element keeps either all positive or all negative entries; the seeded draws repeat exactly. */
    @Test
    void conflictingElementsKeepOneSignAndDrawsAreSeeded() {
        INDArray g = rows(new double[] {1, -1}, new double[] {-3, 2}, new double[] {2, 0.5});
        boolean sawPositive = false;
        boolean sawNegative = false;
        Random draws = new Random(7); // one generator, as the trainer's (first draws of nearby seeds are correlated)
        for (long seed = 0; seed < 40; seed++) {
            double[] d = GradDrop.onSharedParameters().combine(g, new double[3], new double[] {1, 1, 1}, draws).toDoubleVector();
            assertTrue(d[0] == 3 || d[0] == -3, "element 0 is 1 + 2 or -3, received " + d[0]);
            assertTrue(d[1] == 2.5 || d[1] == -1, "element 1 is 2 + 0.5 or -1, received " + d[1]);
            sawPositive |= d[0] == 3;
            sawNegative |= d[0] == -3;
            assertIdentical(GradDrop.onSharedParameters().combine(g, new double[3], new double[] {1, 1, 1}, new Random(seed)),
                    GradDrop.onSharedParameters().combine(g, new double[3], new double[] {1, 1, 1}, new Random(seed)), "seeded rerun");
        }
        assertTrue(sawPositive && sawNegative, "P = ½ for element 0: both signs are drawn in 40 steps");
    }

    /**
     * At the representation the sums over the batch's rows decide per feature: task 1 rows (1, 2), (1, -1), task 2
     * rows (2, -3), (1, 0.5); feature 0 sums 2 and 3 (agree: the plain sum), feature 1 sums 1 and -2.5, P = ½(1 - 1.5 / 3.5)
     * = 2/7; U = 0.1 keeps the positive sign (task 1's column), U = 0.5 the negative one (task 2's).
     */
    @Test
    void representationMaskIsPerFeatureOverTheBatch() {
        INDArray[] perTask = {rows(new double[] {1, 2}, new double[] {1, -1}), rows(new double[] {2, -3}, new double[] {1, 0.5})};
        INDArray positive = new GradDrop().combineAtRepresentation(perTask, fixed(0.9, 0.1));
        assertArrayEquals(new double[] {3, 2, 2, -1}, positive.reshape(4).toDoubleVector());
        INDArray negative = new GradDrop().combineAtRepresentation(perTask, fixed(0.9, 0.5));
        assertArrayEquals(new double[] {3, -3, 2, 0.5}, negative.reshape(4).toDoubleVector());
        assertArrayEquals(new long[] {2, 2}, positive.shape());
        // A task without labels (null) takes no part; leak 1 is the plain sum.
        INDArray alone = new GradDrop().combineAtRepresentation(new INDArray[] {null, perTask[1]}, fixed(0.9, 0.5));
        assertArrayEquals(new double[] {2, -3, 1, 0.5}, alone.reshape(4).toDoubleVector());
        INDArray leaky = new GradDrop(1).combineAtRepresentation(perTask, fixed(0.9, 0.5));
        assertArrayEquals(new double[] {3, -1, 2, -0.5}, leaky.reshape(4).toDoubleVector());
    }

    @Test
    void variantsAndValidation() {
        assertTrue(new GradDrop().usesRepresentationGradients());
        assertFalse(GradDrop.onSharedParameters().usesRepresentationGradients());
        assertThrows(IllegalArgumentException.class, () -> new GradDrop(1.5));
        assertThrows(UnsupportedOperationException.class, () -> new GradDrop().coefficients(new double[][] {{1}}, new Random(1)));
    }
}
