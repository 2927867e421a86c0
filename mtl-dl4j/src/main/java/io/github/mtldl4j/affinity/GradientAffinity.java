package io.github.mtldl4j.affinity;

/**
 * Gradient affinity: for each pair of tasks the cosine similarity of their gradients on the shared parameters,
 * {@code cos(g_i, g_j) = G_ij / sqrt(G_ii G_jj)} from the K x K Gram matrix {@code G} of the per-task gradients.
 * Positive: a step for one task also descends the other's loss (to first order); negative: the tasks conflict
 * (the quantity PCGrad acts on: T. Yu et al., "Gradient Surgery for Multi-Task Learning", NeurIPS 2020; used as a
 * task-relatedness measure by e.g. Y. Du et al., "Adapting Auxiliary Losses Using Gradient Similarity", 2018).
 * Symmetric, diagonal 1.
 */
public final class GradientAffinity {
    private GradientAffinity() {
    }

    /**
     * Pairwise cosines from a Gram matrix.
     *
     * @param gram K x K, {@code gram[i][j]} the inner product of task i's and task j's gradients; any common scale
     * @return K x K cosines in [-1, 1]; NaN in the rows and columns of a task whose gradient is zero
     *     (or whose diagonal entry is NaN: a task without labels in the batch)
     * @throws IllegalArgumentException if the matrix is not square
     */
    public static double[][] cosine(double[][] gram) {
        int k = gram.length;
        for (int i = 0; i < k; i++) {
            if (gram[i].length != k) {
                throw new IllegalArgumentException("Gram matrix must be K x K; row " + i + " has " + gram[i].length
                        + " entries, expected " + k + ".");
            }
        }
        double[][] cosine = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double norms = Math.sqrt(gram[i][i] * gram[j][j]);
                cosine[i][j] = norms > 0 ? Math.max(-1.0, Math.min(1.0, gram[i][j] / norms)) : Double.NaN;
            }
        }
        return cosine;
    }
}
