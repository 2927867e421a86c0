package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.Arrays;
import java.util.Random;

/**
 * Aligned-MTL: Senushkin, Patakin, Kuznetsov and Konushin, "Independent Component Alignment for Multi-Task
 * Learning", CVPR 2023, Algorithm 1.
 *
 * <p>The task gradients, as the columns of a matrix J^T, form a linear system whose condition number measures how
 * much they conflict and dominate one another. Aligned-MTL replaces them by the closest system with condition
 * number 1: with the eigendecomposition {@code G = V Λ V^T} of the Gram matrix (the R eigenvalues above the rank
 * tolerance, R the rank), {@code B = sqrt(λ_R) V Λ^{-1/2} V^T}, and the aligned gradients {@code ĝ_j = Σ_i B_ij g_i}
 * all have singular value {@code sqrt(λ_R)}, the smallest of the original system ({@code B G B = λ_R V V^T}). The
 * update is the sum of the aligned gradients (the paper's task weights all 1), so the coefficients are the sums of
 * B's rows, {@code c = B 1}, as in the authors' code and LibMTL's {@code Aligned_MTL}. Eigenvalues at most
 * {@link SymmetricEigen#RANK_TOLERANCE} times K times the largest count as zero, as in that code.
 *
 * <p>Aligned-MTL-UB ({@link #onRepresentation()}, {@code aligned-mtl-ub} on the command line) solves the same on the
 * gradients w.r.t. the shared representation (the paper's upper-bound variant, Section 4), one backward pass
 * through the heads per task; the coefficients then multiply the parameter gradients, as MGDA-UB's do.
 *
 * <p>Scale: the paper's update, already on the scale of {@link SumAggregator}: K equal gradients g give a rank-one
 * G, {@code B = 1 1^T / K} and {@code d = K g}. Orthogonal gradients each get {@code c_i = sqrt(λ_R) / ||g_i||}:
 * all are rescaled to the smallest norm. All gradients zero: the coefficients of the sum (the update is 0 anyway).
 *
 * @param gradients whose gradients' Gram matrix the alignment is computed from
 */
public record AlignedMtl(Gradients gradients) implements GradientAggregator {

    /** Which gradients Aligned-MTL aligns. */
    public enum Gradients {
        /** The gradients of the shared parameters: Aligned-MTL, the paper's main method. */
        SHARED_PARAMETERS,
        /** The gradients w.r.t. the shared representation: Aligned-MTL-UB. */
        SHARED_REPRESENTATION
    }

    /** The command-line name of the method on the shared parameters. */
    public static final String NAME = "aligned-mtl";

    /** The command-line name of the representation variant. */
    public static final String UB_NAME = "aligned-mtl-ub";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, AlignedMtl.class,
            o -> onSharedParameters());

    /** The representation variant, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> UB_INFO = MethodInfo.gradientAggregator(UB_NAME, AlignedMtl.class,
            o -> onRepresentation(), Need.REPRESENTATION_TAP);

    /** Validates the choice of gradients. */
    public AlignedMtl {
        if (gradients == null) {
            throw new IllegalArgumentException(NAME + ": gradients are null; use AlignedMtl.onSharedParameters() (Aligned-MTL)"
                    + " or AlignedMtl.onRepresentation() (Aligned-MTL-UB).");
        }
    }

    /** Aligned-MTL on the shared parameters' gradients (the paper's main method). */
    public static AlignedMtl onSharedParameters() {
        return new AlignedMtl(Gradients.SHARED_PARAMETERS);
    }

    /**
     * Aligned-MTL-UB: the Gram matrix of the gradients w.r.t. the shared representation; the graph needs
     * {@code MultiTaskGraphBuilder.representationTap()}.
     */
    public static AlignedMtl onRepresentation() {
        return new AlignedMtl(Gradients.SHARED_REPRESENTATION);
    }

    @Override
    public String name() {
        return gradients == Gradients.SHARED_PARAMETERS ? NAME : UB_NAME;
    }

    @Override
    public boolean usesRepresentationGradients() {
        return gradients == Gradients.SHARED_REPRESENTATION;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        double[][] b = alignment(Gram.of(gram, name()));
        int k = b.length;
        double[] c = new double[k];
        if (b[0] == null) {
            Arrays.fill(c, 1.0);
            return c;
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                c[i] += b[i][j];
            }
        }
        return c;
    }

    /**
     * The alignment matrix B: the aligned gradients are {@code ĝ_j = Σ_i B_ij g_i}.
     *
     * @param gram K x K Gram matrix of the task gradients
     * @return B (symmetric), or all-zero rows when every gradient is zero
     * @throws IllegalArgumentException as {@link #coefficients(double[][], Random)}
     */
    double[][] alignment(double[][] gram) {
        double[][] b = alignment(Gram.of(gram, name()));
        return b[0] == null ? new double[gram.length][gram.length] : b;
    }

    /** B, or an array of null rows when G is zero. */
    private double[][] alignment(Gram g) {
        int k = g.size();
        double[][] b = new double[k][];
        if (!(g.maxDiagonal() > 0)) {
            return b;
        }
        SymmetricEigen eigen = SymmetricEigen.of(g.toArray(), name());
        double smallest = Double.POSITIVE_INFINITY;
        for (int e = 0; e < k; e++) {
            if (eigen.inRange(e)) {
                smallest = Math.min(smallest, eigen.values()[e]);
            }
        }
        double root = Math.sqrt(smallest);
        for (int i = 0; i < k; i++) {
            b[i] = new double[k];
        }
        for (int e = 0; e < k; e++) {
            if (!eigen.inRange(e)) {
                continue;
            }
            double[] v = eigen.vectors()[e];
            double scale = root / Math.sqrt(eigen.values()[e]);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    b[i][j] += scale * v[i] * v[j];
                }
            }
        }
        return b;
    }

    @Override
    public String toString() {
        return "AlignedMtl[" + gradients + "]";
    }
}
