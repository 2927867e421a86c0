package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;

/**
 * SDMGrad, stochastic direction-oriented multi-objective gradient descent: Xiao, Ban and Ji, "Direction-oriented
 * Multi-objective Learning: Simple and Provable Stochastic Algorithms", NeurIPS 2023
 * (<a href="https://openreview.net/forum?id=4Ks8RPcXd9">OpenReview</a>), Algorithm 1.
 *
 * <p>The update is {@code d = (G_ζ^T w + λ g0_ζ) / (1 + λ)}, with {@code g0} the mean task gradient (the direction it
 * stays close to) and weights w on the simplex that minimize {@code ½ ||G^T w + λ g0||²}. Each step moves w by
 * projected stochastic gradient steps on that objective, whose gradient {@code G_ξ G_ξ'^T (w + λ 1/K)} is unbiased
 * only with two independent samples ξ, ξ'; the update uses a third, ζ ({@link MultiSampleAggregator}: the step's
 * batch split in three). As in the authors' code and LibMTL: {@code G_ξ G_ξ'^T} is divided by the square of the mean
 * of the square roots of its diagonal (negative entries taken as 0) plus 1e-8, w keeps its value from step to step
 * (1/K at the start) and takes {@link #DEFAULT_ITERATIONS} steps of SGD with step size {@link #DEFAULT_STEP_SIZE} and
 * heavy-ball momentum {@link #DEFAULT_MOMENTUM} (restarted every step), each followed by the projection; λ = 0.3.
 *
 * <p>When every task has the same gradient g, any w gives {@code d = g}: the regularized average. Scale: the
 * coefficients are {@code K (w + λ/K) / (1 + λ)}, which sum to K, so that case gives {@code K g} as
 * {@link SumAggregator} does (the paper's update times K). State: w ({@link #state()} for checkpoints).
 */
public final class SdmGrad extends DoubleSamplingAggregator {

    /** The command-line name. */
    public static final String NAME = "sdmgrad";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, SdmGrad.class, o -> new SdmGrad());

    /** λ, the weight of the mean gradient in the direction (LibMTL's default). */
    public static final double DEFAULT_LAMBDA = 0.3;
    /** Projected SGD steps on w per training step (LibMTL's default). */
    public static final int DEFAULT_ITERATIONS = 20;
    /** Their step size (LibMTL's and the authors' code). */
    public static final double DEFAULT_STEP_SIZE = 5;
    /** Their heavy-ball momentum (LibMTL's and the authors' code). */
    public static final double DEFAULT_MOMENTUM = 0.5;

    private static final double EPSILON = 1e-8;

    private final double lambda;
    private final int iterations;
    private final double stepSize;
    private final double momentum;

    /** SDMGrad with LibMTL's settings. */
    public SdmGrad() {
        this(DEFAULT_LAMBDA, DEFAULT_ITERATIONS, DEFAULT_STEP_SIZE, DEFAULT_MOMENTUM);
    }

    /**
     * @param lambda λ &ge; 0, the pull towards the mean gradient
     * @param iterations projected SGD steps on w per training step, &ge; 1
     * @param stepSize their step size &gt; 0
     * @param momentum their heavy-ball momentum in [0, 1)
     */
    public SdmGrad(double lambda, int iterations, double stepSize, double momentum) {
        super(NAME, "weights");
        if (!(lambda >= 0) || !Double.isFinite(lambda) || iterations < 1 || !(stepSize > 0) || !Double.isFinite(stepSize)
                || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException(NAME + ": expected lambda >= 0, iterations >= 1, stepSize > 0 and momentum in [0, 1), "
                    + "received " + lambda + ", " + iterations + ", " + stepSize + ", " + momentum + ": new SdmGrad() has LibMTL's 0.3, 20, 5, 0.5.");
        }
        this.lambda = lambda;
        this.iterations = iterations;
        this.stepSize = stepSize;
        this.momentum = momentum;
    }

    @Override
    double[] step(double[][] gg, double[] current) {
        return weightSteps(gg, current, lambda, iterations, stepSize, momentum);
    }

    /** {@code K (w_t + λ/K) / (1 + λ)}: they sum to K. */
    @Override
    double coefficient(double[] w, int t) {
        int k = w.length;
        return k * (w[t] + lambda / k) / (1 + lambda);
    }

    /**
     * The weights after one training step's projected SGD on {@code ½ ||G^T w + λ g0||²}.
     *
     * @param gg {@code G_ξ G_ξ'^T}, K x K (normalized here)
     * @param start w before the step, on the simplex
     * @return w after {@code iterations} steps, on the simplex
     */
    static double[] weightSteps(double[][] gg, double[] start, double lambda, int iterations, double stepSize, double momentum) {
        int k = start.length;
        double scale = 0;
        for (int i = 0; i < k; i++) {
            scale += Math.sqrt(Math.max(0, gg[i][i])) / k;
        }
        double norm = scale * scale + EPSILON;
        double[] towardsMean = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                towardsMean[i] += gg[i][j] / norm / k;
            }
        }
        double[] w = start.clone();
        double[] velocity = new double[k];
        for (int s = 0; s < iterations; s++) {
            for (int i = 0; i < k; i++) {
                double gradient = lambda * towardsMean[i];
                for (int j = 0; j < k; j++) {
                    gradient += gg[i][j] / norm * w[j];
                }
                velocity[i] = momentum * velocity[i] + gradient;
            }
            for (int i = 0; i < k; i++) {
                w[i] -= stepSize * velocity[i];
            }
            w = CaGrad.projectOntoSimplex(w);
        }
        return w;
    }

    @Override
    public String toString() {
        return "SdmGrad[lambda=" + lambda + ", iterations=" + iterations + ", stepSize=" + stepSize + ", momentum=" + momentum + "]";
    }
}
