package io.github.mtldl4j.gradient;

import java.util.Arrays;
import org.ojalgo.matrix.decomposition.Eigenvalue;
import org.ojalgo.matrix.store.MatrixStore;
import org.ojalgo.matrix.store.R064Store;

/**
 * The eigendecomposition {@code M = Σ_e λ_e v_e v_e^T} of a small symmetric matrix (a Gram matrix or its normalized
 * form), by ojAlgo, with the rank test the aggregators share. Package-private.
 *
 * @param values the eigenvalues λ_e
 * @param vectors {@code vectors[e]} is the unit eigenvector v_e of {@code values[e]}
 */
record SymmetricEigen(double[] values, double[][] vectors) {

    /**
     * Eigenvalues at most this fraction of the largest, times K, count as zero: float's machine epsilon, as the
     * Aligned-MTL authors' code ({@code torch.finfo().eps} of float32): the Gram matrices here come from float
     * products, whose rounding leaves spurious eigenvalues of about that relative size.
     */
    static final double RANK_TOLERANCE = 0x1.0p-23;

    /**
     * Decomposes {@code matrix}.
     *
     * @param method the aggregator's name, for the message of an ojAlgo failure
     * @throws IllegalStateException if ojAlgo cannot decompose it (a bug: the input is symmetric and finite)
     */
    static SymmetricEigen of(double[][] matrix, String method) {
        int k = matrix.length;
        R064Store store = R064Store.FACTORY.make(k, k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                store.set(i, j, matrix[i][j]);
            }
        }
        Eigenvalue<Double> decomposition = Eigenvalue.R064.make(store, true);
        if (!decomposition.decompose(store)) {
            throw new IllegalStateException(method + ": ojAlgo could not decompose the " + k + " x " + k + " matrix "
                    + Arrays.deepToString(matrix) + "; this is a bug, please report it with that matrix.");
        }
        MatrixStore<Double> v = decomposition.getV();
        MatrixStore<Double> d = decomposition.getD();
        double[] values = new double[k];
        double[][] vectors = new double[k][k];
        for (int e = 0; e < k; e++) {
            values[e] = d.doubleValue(e, e);
            for (int i = 0; i < k; i++) {
                vectors[e][i] = v.doubleValue(i, e);
            }
        }
        return new SymmetricEigen(values, vectors);
    }

    /** The largest eigenvalue. */
    double largest() {
        double max = Double.NEGATIVE_INFINITY;
        for (double value : values) {
            max = Math.max(max, value);
        }
        return max;
    }

    /** Whether eigenvalue e counts as non-zero: above {@link #RANK_TOLERANCE} times K times the largest. */
    boolean inRange(int e) {
        return values[e] > RANK_TOLERANCE * values.length * largest();
    }

    /**
     * {@code M⁺ b}: the pseudo-inverse (eigenvalues that are not {@link #inRange} dropped) applied to b, the
     * minimum-norm least-squares solution of {@code M x = b}.
     */
    double[] pseudoInverseTimes(double[] b) {
        int k = values.length;
        double[] x = new double[k];
        for (int e = 0; e < k; e++) {
            if (!inRange(e)) {
                continue;
            }
            double projection = 0;
            for (int i = 0; i < k; i++) {
                projection += vectors[e][i] * b[i];
            }
            for (int i = 0; i < k; i++) {
                x[i] += vectors[e][i] * projection / values[e];
            }
        }
        return x;
    }
}
