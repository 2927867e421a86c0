package io.github.mtldl4j.gradient;

/**
 * A validated, symmetrized copy of a K x K Gram matrix {@code G[i][j] = g_i . g_j} with the few products the
 * aggregators need. Package-private: the public API takes plain {@code double[][]}.
 */
final class Gram {

    /**
     * Largest accepted asymmetry and Cauchy-Schwarz excess, relative to {@code sqrt(G[i][i] G[j][j])}. Generous
     * enough for a Gram matrix computed in float by a GEMM whose summation order differs between (i, j) and (j, i).
     */
    static final double SYMMETRY_TOLERANCE = 1e-4;

    private final double[][] values;
    private final double maxDiagonal;
    private final double trace;

    private Gram(double[][] values) {
        this.values = values;
        double max = 0;
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            max = Math.max(max, values[i][i]);
            sum += values[i][i];
        }
        this.maxDiagonal = max;
        this.trace = sum;
    }

    /**
     * Validates {@code gram} and returns its symmetrized copy ({@code (G[i][j] + G[j][i]) / 2}).
     *
     * @param method the aggregator's name, for the error message
     * @throws IllegalArgumentException if {@code gram} is null, empty, not square, not finite, has a negative
     *                                  diagonal entry, is not symmetric or breaks Cauchy-Schwarz beyond
     *                                  {@link #SYMMETRY_TOLERANCE}
     */
    static Gram of(double[][] gram, String method) {
        String fix = ": pass G = J J^T, the Gram matrix of the K task gradients (the rows of J) on the shared parameters.";
        if (gram == null) {
            throw new IllegalArgumentException(method + ": expected a K x K Gram matrix of the task gradients, received null" + fix);
        }
        int k = gram.length;
        if (k == 0) {
            throw new IllegalArgumentException(method + ": expected a K x K Gram matrix with K >= 1 tasks, received 0 rows" + fix);
        }
        for (int i = 0; i < k; i++) {
            if (gram[i] == null || gram[i].length != k) {
                throw new IllegalArgumentException(method + ": expected a square " + k + " x " + k + " Gram matrix, received "
                        + k + " rows of which row " + i + " has " + (gram[i] == null ? "null" : gram[i].length + " entries") + fix);
            }
            for (int j = 0; j < k; j++) {
                if (!Double.isFinite(gram[i][j])) {
                    throw new IllegalArgumentException(method + ": Gram matrix entries must be finite, received G[" + i + "][" + j
                            + "] = " + gram[i][j] + ": a task gradient holds NaN or infinite values; check that task's loss"
                            + " (e.g. log of 0) or lower the learning rate.");
                }
            }
            if (gram[i][i] < 0) {
                throw new IllegalArgumentException(method + ": the diagonal of a Gram matrix holds squared gradient norms and must be"
                        + " >= 0, received G[" + i + "][" + i + "] = " + gram[i][i] + fix);
            }
        }
        double[][] copy = new double[k][k];
        for (int i = 0; i < k; i++) {
            copy[i][i] = gram[i][i];
            for (int j = i + 1; j < k; j++) {
                double scale = Math.sqrt(gram[i][i] * gram[j][j]);
                double allowed = SYMMETRY_TOLERANCE * scale;
                if (Math.abs(gram[i][j] - gram[j][i]) > allowed) {
                    throw new IllegalArgumentException(method + ": expected a symmetric Gram matrix (G[i][j] = g_i . g_j = G[j][i],"
                            + " within relative tolerance " + SYMMETRY_TOLERANCE + "), received G[" + i + "][" + j + "] = "
                            + gram[i][j] + " but G[" + j + "][" + i + "] = " + gram[j][i] + fix);
                }
                double mean = 0.5 * (gram[i][j] + gram[j][i]);
                if (Math.abs(mean) > scale + allowed) {
                    throw new IllegalArgumentException(method + ": not a Gram matrix: |G[" + i + "][" + j + "]| = " + Math.abs(mean)
                            + " exceeds sqrt(G[" + i + "][" + i + "] G[" + j + "][" + j + "]) = " + scale
                            + ", which Cauchy-Schwarz forbids" + fix);
                }
                copy[i][j] = mean;
                copy[j][i] = mean;
            }
        }
        return new Gram(copy);
    }

    /** K, the number of tasks. */
    int size() {
        return values.length;
    }

    /** {@code g_i . g_j}. */
    double get(int i, int j) {
        return values[i][j];
    }

    /** The largest squared gradient norm; 0 when every gradient is zero. */
    double maxDiagonal() {
        return maxDiagonal;
    }

    /** The sum of the squared gradient norms (the squared Frobenius norm of J). */
    double trace() {
        return trace;
    }

    /** {@code G x}: entry i is {@code g_i . (Σ_j x_j g_j)}. */
    double[] times(double[] x) {
        int k = values.length;
        double[] result = new double[k];
        for (int i = 0; i < k; i++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += values[i][j] * x[j];
            }
            result[i] = sum;
        }
        return result;
    }

    /** {@code x^T G y}: the inner product of {@code Σ x_i g_i} and {@code Σ y_j g_j}. */
    double inner(double[] x, double[] y) {
        double[] gy = times(y);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i] * gy[i];
        }
        return sum;
    }

    /** This matrix divided entrywise by a positive number (the Gram matrix of the gradients divided by its root). */
    Gram dividedBy(double divisor) {
        double[][] scaled = toArray();
        for (double[] row : scaled) {
            for (int j = 0; j < row.length; j++) {
                row[j] /= divisor;
            }
        }
        return new Gram(scaled);
    }

    /** A copy of the entries. */
    double[][] toArray() {
        double[][] copy = new double[values.length][];
        for (int i = 0; i < values.length; i++) {
            copy[i] = values[i].clone();
        }
        return copy;
    }
}
