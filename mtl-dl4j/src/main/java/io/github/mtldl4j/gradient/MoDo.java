package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;

/**
 * MoDo, multi-objective gradient with double sampling: Chen, Fernando, Ying and Chen, "Three-Way Trade-Off in
 * Multi-Objective Learning: Optimization, Generalization and Conflict-Avoidance", NeurIPS 2023
 * (<a href="https://openreview.net/forum?id=yPkbdJxQ0o">OpenReview</a>), Algorithm 1.
 *
 * <p>MGDA's weights λ on the simplex, found not by solving the min-norm problem each step but by one projected
 * stochastic gradient step on {@code ½ ||G^T λ||²} per training step,
 * {@code λ ← Π_Δ(λ - γ (G_ξ1 G_ξ2^T λ + ρ λ))}, whose gradient is unbiased because ξ1 and ξ2 are independent
 * samples; the update {@code d = G_ξ3^T λ} uses a third ({@link MultiSampleAggregator}: the step's batch split in
 * three). γ = 0.001 and ρ = 0.1 as LibMTL's defaults; λ starts at 1/K and keeps its value between steps.
 *
 * <p>Scale: the coefficients are K λ, as for MGDA, so K equal gradients g give {@code K g} ({@link SumAggregator}'s
 * step; the paper's times K). State: λ ({@link #state()} for checkpoints).
 */
public final class MoDo extends DoubleSamplingAggregator {

    /** The command-line name. */
    public static final String NAME = "modo";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, MoDo.class, o -> new MoDo());

    /** LibMTL's step size γ of the weights. */
    public static final double DEFAULT_GAMMA = 0.001;
    /** LibMTL's l2 regularization ρ of the weights' step. */
    public static final double DEFAULT_RHO = 0.1;


    private final double gamma;
    private final double rho;

    /** MoDo with LibMTL's settings. */
    public MoDo() {
        this(DEFAULT_GAMMA, DEFAULT_RHO);
    }

    /**
     * @param gamma the weights' step size γ &gt; 0
     * @param rho their l2 regularization ρ &ge; 0
     */
    public MoDo(double gamma, double rho) {
        super(NAME, "lambda");
        if (!(gamma > 0) || !Double.isFinite(gamma) || !(rho >= 0) || !Double.isFinite(rho)) {
            throw new IllegalArgumentException(NAME + ": expected gamma > 0 and rho >= 0, received " + gamma + " and " + rho
                    + ": new MoDo() has LibMTL's 0.001 and 0.1.");
        }
        this.gamma = gamma;
        this.rho = rho;
    }

    @Override
    double[] step(double[][] gg, double[] current) {
        return weightStep(gg, current, gamma, rho);
    }

    /** K λ_t, as MGDA's. */
    @Override
    double coefficient(double[] lambda, int t) {
        return lambda.length * lambda[t];
    }

    /** {@code Π_Δ(λ - γ (G_ξ1 G_ξ2^T λ + ρ λ))}, with {@code gg = G_ξ1 G_ξ2^T}. */
    static double[] weightStep(double[][] gg, double[] lambda, double gamma, double rho) {
        int k = lambda.length;
        double[] next = new double[k];
        for (int i = 0; i < k; i++) {
            double gradient = rho * lambda[i];
            for (int j = 0; j < k; j++) {
                gradient += gg[i][j] * lambda[j];
            }
            next[i] = lambda[i] - gamma * gradient;
        }
        return CaGrad.projectOntoSimplex(next);
    }

    @Override
    public String toString() {
        return "MoDo[gamma=" + gamma + ", rho=" + rho + "]";
    }
}
