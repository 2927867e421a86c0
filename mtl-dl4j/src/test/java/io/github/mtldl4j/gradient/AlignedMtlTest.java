package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.gradient.GradientVectors.combine;
import static io.github.mtldl4j.gradient.GradientVectors.gram;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class AlignedMtlTest {
    private static final double TOLERANCE = 1e-12;
    private final AlignedMtl aligned = AlignedMtl.onSharedParameters();

    /** The Gram matrix of the aligned gradients ĝ_j = Σ_i B_ij g_i: B^T G B. */
    private static double[][] alignedGram(double[][] b, double[][] g) {
        int k = g.length;
        double[][] result = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                for (int p = 0; p < k; p++) {
                    for (int q = 0; q < k; q++) {
                        result[i][j] += b[p][i] * g[p][q] * b[q][j];
                    }
                }
            }
        }
        return result;
    }

    @Test
    void alignedSystemHasConditionNumberOne() {
        // Eigenvalues of G by hand: 1 and 3 (block [[2,1],[1,2]]) and 5; the smallest is 1, so the aligned gradients are
        // orthonormal: their Gram matrix is 1 * I, every singular value 1.
        double[][] g = {{2, 1, 0}, {1, 2, 0}, {0, 0, 5}};
        double[][] expected = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        double[][] actual = alignedGram(aligned.alignment(g), g);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(expected[i], actual[i], TOLERANCE, "row " + i);
        }
        // Two tasks, eigenvalues 4 and 1 (orthogonal gradients of norms 2 and 1): aligned Gram = 1 * I.
        double[][] two = {{4, 0}, {0, 1}};
        double[][] alignedTwo = alignedGram(aligned.alignment(two), two);
        assertArrayEquals(new double[] {1, 0}, alignedTwo[0], TOLERANCE);
        assertArrayEquals(new double[] {0, 1}, alignedTwo[1], TOLERANCE);
    }

    @Test
    void rankDeficientSystemIsAlignedOnItsRange() {
        // g1 = (1,0), g2 = (0,1), g3 = g1 + g2: eigenvalues 0 (n = (1,1,-1)), 1 ((1,-1,0)) and 3 ((1,1,2)). The smallest
        // non-zero is 1; the aligned Gram is 1 times the projector onto the range, I - n n^T / 3: both non-zero
        // singular values are 1.
        double[][] g = gram(new double[] {1, 0}, new double[] {0, 1}, new double[] {1, 1});
        double[][] expected = {{2 / 3.0, -1 / 3.0, 1 / 3.0}, {-1 / 3.0, 2 / 3.0, 1 / 3.0}, {1 / 3.0, 1 / 3.0, 2 / 3.0}};
        double[][] actual = alignedGram(aligned.alignment(g), g);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(expected[i], actual[i], TOLERANCE, "row " + i);
        }
    }

    @Test
    void orthogonalGradientsAreRescaledToTheSmallestNorm() {
        // g1 = (3,0), g2 = (0,1): B = 1 * diag(1/3, 1), c = (1/3, 1), d = (1, 1).
        double[] g1 = {3, 0};
        double[] g2 = {0, 1};
        double[] c = aligned.coefficients(gram(g1, g2), null);
        assertArrayEquals(new double[] {1 / 3.0, 1}, c, TOLERANCE);
        assertArrayEquals(new double[] {1, 1}, combine(c, g1, g2), TOLERANCE);
    }

    @Test
    void conflictingPairByHand() {
        // g1 = (1,0), g2 = (-1/2, sqrt(3)/2) (unit, 120 degrees): G = [[1,-1/2],[-1/2,1]], eigenvalues 1/2 ((1,1)/√2) and
        // 3/2 ((1,-1)/√2). B = sqrt(1/2) (P1 / sqrt(1/2) + P2 / sqrt(3/2)) = P1 + P2 / √3, with P1 = [[1,1],[1,1]]/2:
        // c = B 1 = P1 1 = (1, 1): equal unit gradients are already aligned along their sum.
        double[][] g = {{1, -0.5}, {-0.5, 1}};
        assertArrayEquals(new double[] {1, 1}, aligned.coefficients(g, null), TOLERANCE);
        double[][] b = aligned.alignment(g);
        double s = 1 / Math.sqrt(3);
        assertArrayEquals(new double[] {0.5 + s / 2, 0.5 - s / 2}, b[0], TOLERANCE);
    }

    @Test
    void representationVariant() {
        AlignedMtl ub = AlignedMtl.onRepresentation();
        assertTrue(ub.usesRepresentationGradients());
        assertEquals("aligned-mtl-ub", ub.name());
        double[][] g = gram(GradientVectors.random(new Random(3), 4, 7, 1.0));
        assertArrayEquals(aligned.coefficients(g, null), ub.coefficients(g, null), 0.0);
    }

    @Test
    void allZeroGradientsGiveTheSumsCoefficients() {
        assertArrayEquals(new double[] {1, 1, 1}, aligned.coefficients(new double[3][3], null), 0.0);
    }
}
