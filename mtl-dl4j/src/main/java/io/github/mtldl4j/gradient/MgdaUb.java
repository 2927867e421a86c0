package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.Arrays;
import java.util.Random;

/**
 * MGDA and MGDA-UB: Sener and Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018.
 *
 * <p>The update is the min-norm point of the convex hull of the task gradients,
 * {@code α = argmin_{α in simplex} α^T G α}, {@code d = Σ α_k g_k}. When it is not zero it has a non-negative inner
 * product with every task gradient, so the step decreases no task's loss to first order (a common descent
 * direction); when it is zero the point is Pareto-stationary. Solved in closed form for K = 2 (the paper's
 * Algorithm 1, with the optimum clamped to [0, 1] exactly rather than to [0.001, 0.999] as in the authors' code) and
 * by Frank-Wolfe with exact line search beyond (the paper's Algorithm 2), started at the centre of the simplex as
 * there. The paper's plain Frank-Wolfe only moves towards the vertex of the smallest {@code g_t . d} and zigzags
 * when the solution lies on a face: on random 3 to 12 task problems it reached the tolerance below within 10,000
 * iterations in only about one case in five. This class adds away steps (moving away from the vertex of the
 * largest {@code g_t . d} among those in use; Wolfe 1970, Lacoste-Julien and Jaggi, "On the Global Linear
 * Convergence of Frank-Wolfe Optimization Variants", NeurIPS 2015), with the same exact line search, which
 * converges linearly: the same problems needed a median of about 100 and at most about 1,600 iterations. It
 * stops when the Frank-Wolfe duality gap {@code α^T G α - min_t (G α)_t} (which bounds the distance to the
 * optimum) is at most {@link #GAP_TOLERANCE} times the largest {@code G[t][t]}, or after {@link #MAX_ITERATIONS}.
 *
 * <p>MGDA-UB ({@link #onRepresentation()}, what {@code mgda} names on the command line) solves the same problem on the
 * gradients w.r.t. the shared representation (the paper's upper bound, Section 3.3), which costs one backward pass
 * through the heads instead of through the trunk per task; the trainer then passes that Gram matrix. Plain MGDA
 * ({@link #onSharedParameters()}) solves it on the shared parameters' gradients. The coefficients are
 * applied to the parameter gradients either way, as in the paper ("scaled back-propagation").
 *
 * <p>Scale: the paper's α lies on the simplex (sums to 1), and so do the weights of the authors' code
 * (isl-org/MultiObjectiveOptimization, {@code MinNormSolver}) and LibMTL's {@code MGDA}, which use them as loss
 * scales as they are. Here they are multiplied by K (the coefficients sum to K), so K equal gradients give the
 * step of {@link SumAggregator} and one learning rate serves all aggregators, as the CAGrad authors do when they
 * compare MGDA with the sum ({@code overwrite_grad} multiplies every method's update by the number of tasks
 * "to match the sum loss"). Divide by K to get the paper's α ({@link #simplexWeights(double[][])} returns it).
 * The authors' optional gradient normalizations (l2, loss) are not part of the paper and not applied.
 *
 * @param gradients whose gradients' Gram matrix the min-norm point is solved on
 */
public record MgdaUb(Gradients gradients) implements GradientAggregator {

    /** Which gradients MGDA compares. */
    public enum Gradients {
        /** The gradients w.r.t. the shared representation: MGDA-UB, the paper's upper bound. */
        SHARED_REPRESENTATION,
        /** The gradients of the shared parameters: plain MGDA. */
        SHARED_PARAMETERS
    }

    /** The command-line name. */
    public static final String NAME = "mgda";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, MgdaUb.class,
            o -> onRepresentation(), Need.REPRESENTATION_TAP);

    /** Frank-Wolfe stops when its duality gap is at most this fraction of the largest squared gradient norm. */
    public static final double GAP_TOLERANCE = 1e-10;

    /** Frank-Wolfe stops after this many iterations at the latest (each costs O(K²)). */
    public static final int MAX_ITERATIONS = 10_000;

    /** Validates the choice of gradients. */
    public MgdaUb {
        if (gradients == null) {
            throw new IllegalArgumentException("MGDA's gradients are null; use MgdaUb.onRepresentation() (MGDA-UB) or "
                    + "MgdaUb.onSharedParameters() (plain MGDA).");
        }
    }

    /**
     * MGDA-UB: the Gram matrix of the gradients w.r.t. the shared representation; the graph needs
     * {@code MultiTaskGraphBuilder.representationTap()}.
     */
    public static MgdaUb onRepresentation() {
        return new MgdaUb(Gradients.SHARED_REPRESENTATION);
    }

    /** Plain MGDA: the Gram matrix of the shared parameters' gradients (one backward pass through the trunk per task). */
    public static MgdaUb onSharedParameters() {
        return new MgdaUb(Gradients.SHARED_PARAMETERS);
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
    public double[] coefficients(double[][] gram, Random random) {
        double[] alpha = minNormPoint(Gram.of(gram, NAME));
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] *= alpha.length;
        }
        return alpha;
    }

    /**
     * The paper's α: the weights of the min-norm point of the convex hull of the gradients, on the simplex.
     *
     * @param gram K x K Gram matrix of the task gradients
     * @return α, non-negative, summing to 1
     * @throws IllegalArgumentException as {@link #coefficients(double[][], Random)}
     */
    public static double[] simplexWeights(double[][] gram) {
        return minNormPoint(Gram.of(gram, NAME));
    }

    static double[] minNormPoint(Gram g) {
        int k = g.size();
        if (k == 1) {
            return new double[] {1.0};
        }
        if (k == 2) {
            double denominator = g.get(0, 0) + g.get(1, 1) - 2 * g.get(0, 1);
            if (!(denominator > 0)) {
                return new double[] {0.5, 0.5};                          // g_1 = g_2: every point of the segment is it
            }
            double towardsSecond = lineSearch(g.get(0, 0), g.get(0, 1), g.get(1, 1));
            return new double[] {1 - towardsSecond, towardsSecond};
        }
        double[] alpha = new double[k];
        Arrays.fill(alpha, 1.0 / k);
        double[] gAlpha = g.times(alpha);                                // entry t: g_t . d
        double tolerance = GAP_TOLERANCE * g.maxDiagonal();
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double squaredNorm = 0;                                       // |d|² = α^T G α
            int towards = 0;                                              // Frank-Wolfe vertex: smallest g_t . d
            int away = -1;                                                // away vertex: largest g_t . d with α_t > 0
            for (int t = 0; t < k; t++) {
                squaredNorm += alpha[t] * gAlpha[t];
                if (gAlpha[t] < gAlpha[towards]) {
                    towards = t;
                }
                if (alpha[t] > 0 && (away < 0 || gAlpha[t] > gAlpha[away])) {
                    away = t;
                }
            }
            double gap = squaredNorm - gAlpha[towards];                   // half the Frank-Wolfe duality gap
            if (gap <= tolerance) {
                break;
            }
            boolean awayStep = gAlpha[away] - squaredNorm > gap;
            double slope;                                                 // d . (step direction in gradient space)
            double curvature;                                             // |step direction|²
            double maxStep;
            if (awayStep) {                                               // direction α - e_away
                slope = squaredNorm - gAlpha[away];
                curvature = squaredNorm - 2 * gAlpha[away] + g.get(away, away);
                maxStep = alpha[away] < 1 ? alpha[away] / (1 - alpha[away]) : Double.POSITIVE_INFINITY;
            } else {                                                      // direction e_towards - α
                slope = gAlpha[towards] - squaredNorm;
                curvature = g.get(towards, towards) - 2 * gAlpha[towards] + squaredNorm;
                maxStep = 1;
            }
            if (!(curvature > 0)) {
                break;
            }
            double step = Math.min(maxStep, -slope / curvature);          // exact line search
            if (!(step > 0)) {
                break;
            }
            for (int t = 0; t < k; t++) {
                if (awayStep) {
                    alpha[t] *= 1 + step;
                    gAlpha[t] = (1 + step) * gAlpha[t] - step * g.get(t, away);
                } else {
                    alpha[t] *= 1 - step;
                    gAlpha[t] = (1 - step) * gAlpha[t] + step * g.get(t, towards);
                }
            }
            if (awayStep) {
                alpha[away] = step == maxStep ? 0 : Math.max(0, alpha[away] - step);
            } else {
                alpha[towards] += step;
            }
        }
        return alpha;
    }

    /**
     * The exact line search: {@code argmin_{γ in [0, 1]} ||(1 - γ) a + γ b||²} from {@code a.a}, {@code a.b},
     * {@code b.b}; 0 when {@code a = b}.
     */
    static double lineSearch(double aa, double ab, double bb) {
        double denominator = aa + bb - 2 * ab;
        if (!(denominator > 0)) {
            return 0;
        }
        return Math.min(1, Math.max(0, (aa - ab) / denominator));
    }
}
