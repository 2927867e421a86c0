package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
public final class MoDo implements MultiSampleAggregator {

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
    private final SimplexWeights lambdas = new SimplexWeights(NAME, "lambda");

    /** MoDo with LibMTL's settings. */
    public MoDo() {
        this(DEFAULT_GAMMA, DEFAULT_RHO);
    }

    /**
     * @param gamma the weights' step size γ &gt; 0
     * @param rho their l2 regularization ρ &ge; 0
     */
    public MoDo(double gamma, double rho) {
        if (!(gamma > 0) || !Double.isFinite(gamma) || !(rho >= 0) || !Double.isFinite(rho)) {
            throw new IllegalArgumentException(NAME + ": expected gamma > 0 and rho >= 0, received " + gamma + " and " + rho
                    + ": new MoDo() has LibMTL's 0.001 and 0.1.");
        }
        this.gamma = gamma;
        this.rho = rho;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int samples() {
        return 3;
    }

    @Override
    public void start() {
        lambdas.reset();
    }

    @Override
    public Map<String, double[]> state() {
        return lambdas.state();
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        lambdas.restore(state);
    }

    /** The current weights λ on the simplex (null before the first step). */
    public double[] weights() {
        return lambdas.copy();
    }

    @Override
    public INDArray combine(List<INDArray> samples, Random random) {
        INDArray first = samples.get(0);
        int k = (int) first.rows();
        INDArray product = Nd4j.gemm(first, samples.get(1), false, true);
        double[][] gg = product.toDoubleMatrix();
        product.close();
        double[] lambda = lambdas.forTasks(k);
        lambda = weightStep(gg, lambda, gamma, rho);
        lambdas.set(lambda);
        INDArray coefficients = Nd4j.create(first.dataType(), 1, k);
        for (int t = 0; t < k; t++) {
            coefficients.putScalar(0, t, k * lambda[t]);
        }
        return Nd4j.gemm(coefficients, samples.get(2), false, false);
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
