package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.Random;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GradDrop, gradient sign dropout: Chen et al., "Just Pick a Sign: Optimizing Deep Multitask Models with Gradient Sign
 * Dropout", NeurIPS 2020 (<a href="https://arxiv.org/abs/2010.06808">arXiv:2010.06808</a>), Algorithm 1.
 *
 * <p>At the shared representation, per element j: the positive sign purity
 * {@code P_j = ½ (1 + Σ_i g_ij / Σ_i |g_ij|)} of the K task gradients, a uniform draw {@code U_j}, and the sign kept:
 * positive if {@code P_j > U_j}, else negative. Each task's gradient passes where its sign is the kept one and is
 * dropped elsewhere ({@code M_ij} = 1 or 0, or {@code l + (1 - l) M_ij} with a leak l); the sum
 * {@code Σ_i M_ij g_ij} goes back through the trunk. Where every task agrees in sign nothing changes (P = 1 or 0);
 * the more they conflict, the closer P is to ½ and the more often either sign is dropped.
 *
 * <p>Elements: as in the paper's batch-separated case and in LibMTL, P, U and the masks are per representation
 * feature, from the task gradients summed over the batch's rows; the mask then applies to every row of that feature.
 * The paper multiplies the gradients by {@code sign(Z)} of the activations before summing; this class sees the
 * gradients only and takes {@code sign(Z) = 1}, which is the paper's rule for a positive representation and, for a
 * ReLU trunk, differs only in that rows with {@code Z = 0} (whose gradient the ReLU stops below) still count in the
 * feature's sums.
 *
 * <p>Routes: {@link #onRepresentation()} (what {@code graddrop} names; the graph needs
 * {@code MultiTaskGraphBuilder.representationTap()}) takes the K head passes down to the shared representation, masks
 * there and sends one combined gradient through the trunk, as MGDA-UB's route does; where the graph does not split
 * at the representation, and with {@link #onSharedParameters()}, the mask is applied per shared parameter instead
 * (the paper's rule on the parameters' gradients, which the paper does not use; LibMTL refuses that case).
 *
 * <p>Draws come from the trainer's seeded generator, one per element per step, so a run is reproducible. The leak is
 * 0 as in LibMTL's default ({@code new GradDrop(leak)} for others). Scale: the sum of the kept gradients, that of
 * {@link SumAggregator} when the tasks agree. Heads take their own task's gradient.
 *
 * @param gradients where the mask is applied
 * @param leak l in [0, 1]: the fraction of a dropped gradient that still passes (0: none, 1: the plain sum)
 */
public record GradDrop(Gradients gradients, double leak) implements ElementwiseAggregator {

    /** Where GradDrop masks. */
    public enum Gradients {
        /** Per feature of the shared representation (the paper's). */
        SHARED_REPRESENTATION,
        /** Per shared parameter. */
        SHARED_PARAMETERS
    }

    /** The command-line name. */
    public static final String NAME = "graddrop";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, GradDrop.class,
            o -> onRepresentation(), Need.REPRESENTATION_TAP);

    /** Validates the arguments. */
    public GradDrop {
        if (gradients == null || !(leak >= 0 && leak <= 1)) {
            throw new IllegalArgumentException(NAME + ": expected gradients (SHARED_REPRESENTATION or SHARED_PARAMETERS) and a leak "
                    + "in [0, 1], received " + gradients + " and " + leak + ": GradDrop.onRepresentation() is the paper's.");
        }
    }

    /** The paper's GradDrop at the shared representation, no leak. */
    public GradDrop() {
        this(Gradients.SHARED_REPRESENTATION, 0);
    }

    /** GradDrop at the shared representation with leak {@code leak}. */
    public GradDrop(double leak) {
        this(Gradients.SHARED_REPRESENTATION, leak);
    }

    /** The paper's GradDrop at the shared representation (needs {@code representationTap()}). */
    public static GradDrop onRepresentation() {
        return new GradDrop();
    }

    /** The same rule per shared parameter: one backward pass through the trunk per task. */
    public static GradDrop onSharedParameters() {
        return new GradDrop(Gradients.SHARED_PARAMETERS, 0);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean usesRepresentationGradients() {
        return gradients == Gradients.SHARED_REPRESENTATION;
    }

    @Override
    public INDArray combineAtRepresentation(INDArray[] perTask, Random random) {
        INDArray any = null;
        for (INDArray g : perTask) {
            if (g != null) {
                any = g;
                break;
            }
        }
        if (any == null) {
            throw new IllegalArgumentException(NAME + ": no task has a gradient at the representation.");
        }
        long rows = any.size(0);
        int width = (int) (any.length() / rows);
        double[][][] g = new double[perTask.length][][];
        double[][] summed = new double[perTask.length][];
        for (int t = 0; t < perTask.length; t++) {
            if (perTask[t] == null) {
                continue;
            }
            g[t] = perTask[t].reshape('c', rows, width).toDoubleMatrix();
            summed[t] = new double[width];
            for (double[] row : g[t]) {
                for (int j = 0; j < width; j++) {
                    summed[t][j] += row[j];
                }
            }
        }
        double[][] factor = masks(summed, draws(width, random), leak);
        double[][] out = new double[(int) rows][width];
        for (int t = 0; t < perTask.length; t++) {
            if (g[t] == null) {
                continue;
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < width; j++) {
                    out[r][j] += factor[t][j] * g[t][r][j];
                }
            }
        }
        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(out).castTo(any.dataType()).reshape('c', any.shape());
        }
    }

    /** The mask per shared parameter (the route without a representation split, and {@link #onSharedParameters()}). */
    @Override
    public INDArray combine(INDArray shared, double[] losses, double[] headScales, Random random) {
        double[][] g = shared.toDoubleMatrix();
        int width = (int) shared.columns();
        double[][] factor = masks(g, draws(width, random), leak);
        double[] out = new double[width];
        for (int t = 0; t < g.length; t++) {
            for (int j = 0; j < width; j++) {
                out[j] += factor[t][j] * g[t][j];
            }
        }
        return Nd4j.create(out, new long[] {1, width}, 'c').castTo(shared.dataType());
    }

    private static double[] draws(int width, Random random) {
        if (random == null) {
            throw new IllegalArgumentException(NAME + " draws a uniform number per element: pass a seeded Random.");
        }
        double[] u = new double[width];
        for (int j = 0; j < width; j++) {
            u[j] = random.nextDouble();
        }
        return u;
    }

    /**
     * The factor on each task's gradient per element: 1 where its sign is the one kept, the leak elsewhere.
     *
     * @param g K rows (null: a task without gradient), each the task's gradient per element (summed over the batch)
     * @param u one uniform draw in [0, 1) per element
     * @param leak the fraction of a dropped gradient that still passes
     * @return K x elements (rows of null tasks null)
     */
    static double[][] masks(double[][] g, double[] u, double leak) {
        int width = u.length;
        double[][] factor = new double[g.length][];
        for (int t = 0; t < g.length; t++) {
            factor[t] = g[t] == null ? null : new double[width];
        }
        for (int j = 0; j < width; j++) {
            boolean positive = purity(g, j) > u[j];
            for (int t = 0; t < g.length; t++) {
                if (g[t] != null) {
                    boolean kept = positive ? g[t][j] > 0 : g[t][j] < 0;
                    factor[t][j] = kept ? 1 : leak;
                }
            }
        }
        return factor;
    }

    /** The positive sign purity ½ (1 + Σ_i g_ij / Σ_i |g_ij|) of element j, ½ where every gradient is zero. */
    static double purity(double[][] g, int j) {
        double sum = 0;
        double absolute = 0;
        for (double[] row : g) {
            if (row != null) {
                sum += row[j];
                absolute += Math.abs(row[j]);
            }
        }
        return absolute == 0 ? 0.5 : 0.5 * (1 + sum / absolute);
    }

    @Override
    public String toString() {
        return "GradDrop[" + gradients + ", leak=" + leak + "]";
    }
}
