package io.github.mtldl4j.affinity;

/**
 * Lookahead inter-task affinity of C. Fifty, E. Amid, Z. Zhao, T. Yu, R. Anil and C. Finn, "Efficiently Identifying
 * Task Groupings for Multi-Task Learning" (TAG), NeurIPS 2021, Eq. 2:
 * <pre>
 *   Z_{i->j} = 1 - L_j(X, theta_s after a step on task i alone, theta_j) / L_j(X, theta_s, theta_j)
 * </pre>
 * on the same batch X. Positive: task i's update lowers task j's loss (i helps j); negative: it raises it. Not
 * symmetric. The diagonal is a task's own relative loss decrease.
 *
 * <p>The trainer takes the paper's lookahead step {@code theta_s - lr grad_{theta_s} L_i} on the shared parameters
 * only (heads stay), with lr the optimizer's current learning rate, whatever the optimizer. Our choice, measured: with
 * Adam's actual update the lookahead is dominated by the momentum of the joint training, so every task's step lowers
 * every loss about equally (on a 4-task toy with a pure-noise task, the noise task's row was as positive as the real
 * tasks'); the plain gradient step isolates task i's own direction. With SGD this is exactly the step training takes.
 * Parameters are restored exactly after each lookahead. Losses are computed in inference mode (no dropout), so the
 * comparison sees no mask noise.
 */
public final class LookaheadAffinity {
    private LookaheadAffinity() {
    }

    /**
     * The affinity matrix from the losses before and after each task's lookahead step.
     *
     * @param before {@code before[j]}: task j's loss at the current parameters
     * @param after {@code after[i][j]}: task j's loss after the step on task i alone
     * @return {@code Z[i][j] = 1 - after[i][j] / before[j]}; NaN where a loss is NaN or {@code before[j]} is 0
     */
    public static double[][] fromLosses(double[] before, double[][] after) {
        int k = before.length;
        if (after.length != k) {
            throw new IllegalArgumentException("after must have one row per task (" + k + "), received " + after.length + ".");
        }
        double[][] z = new double[k][k];
        for (int i = 0; i < k; i++) {
            if (after[i].length != k) {
                throw new IllegalArgumentException("after[" + i + "] must have " + k + " entries, received " + after[i].length + ".");
            }
            for (int j = 0; j < k; j++) {
                z[i][j] = before[j] != 0 ? 1.0 - after[i][j] / before[j] : Double.NaN;
            }
        }
        return z;
    }
}
