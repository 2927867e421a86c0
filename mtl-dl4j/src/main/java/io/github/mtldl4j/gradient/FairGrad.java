package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Random;

/**
 * FairGrad: Ban and Ji, "Fair Resource Allocation in Multi-Task Learning", ICML 2024, Section 4 (Algorithm 1).
 *
 * <p>The update {@code d = Σ w_i g_i} maximizes the α-fair utility {@code Σ (g_i . d)^{1-α} / (1-α)} of the tasks'
 * loss decreases in a ball; its optimality condition is {@code G w = w^{-1/α}} element-wise with {@code w > 0}, i.e.
 * {@code g_i . d = w_i^{-1/α}} for every task. α = 1 is proportional fairness, Nash-MTL's condition
 * {@code w ⊙ (G w) = 1}; α → ∞ approaches max-min fairness. The paper (and LibMTL, with scipy's
 * {@code least_squares}) solves the K equations numerically; here they are the stationarity condition of the strictly
 * convex {@code f(w) = ½ w^T G w - Σ φ(w_i)} with {@code φ'(w) = w^{-1/α}}, minimized by Newton's method with a
 * backtracking line search (full steps once the Newton decrement is small), from {@code w_i = G_ii^{-α/(α+1)}}, the
 * solution for orthogonal gradients. It stops when the squared decrement is at most {@link #DECREMENT_TOLERANCE} or
 * after {@link #MAX_ITERATIONS}.
 *
 * <p>As {@link NashMtl}, the system is solved on {@code G / F} (F its Frobenius norm, eigenvalues below 0 set to 0,
 * {@link NashMtl#REGULARIZATION} on the diagonal, so linearly dependent gradients have a solution), negligible gradients
 * ({@link NashMtl#NEGLIGIBLE_SQUARED_NORM}) get 0, and all zero gives the sum's coefficients. The authors' optional
 * clipping of the update's norm is not applied (use the trainer's gradient clipping).
 *
 * <p>Scale: K equal gradients give {@code G / F = 11^T / K}, so w = 1 for every α and {@code d = K g}, the step of
 * {@link SumAggregator}. {@link #paperWeights} solves on G itself: {@code F^{-α/(α+1)}} times the coefficients.
 */
public final class FairGrad implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "fairgrad";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, FairGrad.class, o -> new FairGrad());

    /** α of the default: 1, the default of the authors' code and LibMTL (proportional fairness). */
    public static final double DEFAULT_ALPHA = 1.0;

    /** Newton stops when the squared Newton decrement is at most this. */
    public static final double DECREMENT_TOLERANCE = 1e-24;

    /** Newton stops after this many iterations at the latest (each costs O(K³)). */
    public static final int MAX_ITERATIONS = 1_000;

    /** Below this squared decrement Newton takes full steps (its quadratic phase); above, a backtracking line search. */
    private static final double FULL_STEP_DECREMENT = 1e-2;

    private final double alpha;

    /** FairGrad with α = 1 ({@link #DEFAULT_ALPHA}). */
    public FairGrad() {
        this(DEFAULT_ALPHA);
    }

    /**
     * @param alpha the fairness parameter α &gt; 0: 1 proportional fairness, 2 minimum potential delay, larger towards
     *              max-min fairness
     */
    public FairGrad(double alpha) {
        if (!(alpha > 0 && Double.isFinite(alpha))) {
            throw new IllegalArgumentException(NAME + ": alpha (the fairness parameter) must be a finite number above 0, received "
                    + alpha + ": the paper uses values such as 0.5, 1 and 2; 1 is proportional fairness.");
        }
        this.alpha = alpha;
    }

    /** The fairness parameter α. */
    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        return NashMtl.solveOrEqual(Gram.of(gram, NAME), this::solve);
    }

    /**
     * The paper's w: {@code w > 0} with {@code (G w)_i = w_i^{-1/α}} (up to the regularization) for gradients not all
     * zero; negligible gradients get 0.
     *
     * @throws IllegalArgumentException as {@link #coefficients}, or if every gradient is zero
     */
    public double[] paperWeights(double[][] gram) {
        Gram g = Gram.of(gram, NAME);
        double[] w = normalizedSolution(g);
        if (w == null) {
            throw new IllegalArgumentException(NAME + ": every gradient is zero, so no w has G w = w^(-1/alpha): pass the Gram"
                    + " matrix of gradients that are not all zero.");
        }
        double scale = Math.pow(NashMtl.frobenius(g), -alpha / (alpha + 1));
        for (int i = 0; i < w.length; i++) {
            w[i] *= scale;
        }
        return w;
    }

    private double[] normalizedSolution(Gram g) {
        return NashMtl.solveOnActive(g, this::solve);
    }

    /** Newton with backtracking on {@code ½ w^T Q w - Σ φ(w_i)} for a positive definite Q. */
    double[] solve(double[][] q) {
        int n = q.length;
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = Math.pow(q[i][i], -alpha / (alpha + 1));
        }
        double value = objective(q, w);
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[] rhs = new double[n];
            double[][] hessian = new double[n][n];
            for (int i = 0; i < n; i++) {
                double qw = 0;
                for (int j = 0; j < n; j++) {
                    qw += q[i][j] * w[j];
                    hessian[i][j] = q[i][j];
                }
                rhs[i] = -(qw - Math.pow(w[i], -1 / alpha));                    // -∇f
                hessian[i][i] += Math.pow(w[i], -1 / alpha - 1) / alpha;
            }
            double[] step = ImtlG.solve(hessian, rhs);
            if (step == null) {
                break;
            }
            double decrement = 0;                                              // λ² = ∇f^T H^{-1} ∇f
            for (int i = 0; i < n; i++) {
                decrement += step[i] * rhs[i];
            }
            if (!(decrement > DECREMENT_TOLERANCE)) {
                break;
            }
            double size = 1;
            double[] next = new double[n];
            while (true) {
                boolean positive = true;
                for (int i = 0; i < n; i++) {
                    next[i] = w[i] + size * step[i];
                    positive &= next[i] > 0;
                }
                if (positive && (decrement <= FULL_STEP_DECREMENT || objective(q, next) <= value - 0.25 * size * decrement)) {
                    break;
                }
                size /= 2;
                if (size < 1e-20) {
                    return w;
                }
            }
            System.arraycopy(next, 0, w, 0, n);
            value = objective(q, w);
        }
        return w;
    }

    private double objective(double[][] q, double[] w) {
        double value = 0;
        for (int i = 0; i < w.length; i++) {
            double qw = 0;
            for (int j = 0; j < w.length; j++) {
                qw += q[i][j] * w[j];
            }
            double phi = alpha == 1 ? Math.log(w[i]) : Math.pow(w[i], 1 - 1 / alpha) / (1 - 1 / alpha);
            value += 0.5 * w[i] * qw - phi;
        }
        return value;
    }

    @Override
    public String toString() {
        return "FairGrad[alpha=" + alpha + "]";
    }
}
