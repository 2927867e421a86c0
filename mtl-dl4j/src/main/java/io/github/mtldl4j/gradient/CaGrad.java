package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Arrays;
import java.util.Random;

/**
 * CAGrad, conflict-averse gradient descent: Liu, Liu, Jin, Stone and Liu, "Conflict-Averse Gradient Descent for
 * Multi-task Learning", NeurIPS 2021, Algorithm 1.
 *
 * <p>CAGrad looks for the update d within a ball around the mean gradient {@code g_0 = (1/K) Σ g_k} that best helps
 * the worst-off task: {@code max_d min_i g_i . d} subject to {@code ||d - g_0|| <= c ||g_0||}. Its dual is a problem
 * over the simplex, {@code w* = argmin_w g_w . g_0 + sqrt(φ) ||g_w||} with {@code g_w = Σ w_i g_i} and
 * {@code φ = c² ||g_0||²}, and then {@code d = g_0 + (sqrt(φ) / ||g_w*||) g_w*}. Every term is a Gram-matrix
 * product. c = 0 gives the mean gradient; the paper proves convergence to a stationary point of the mean loss for
 * {@code 0 <= c < 1} and uses c = 0.5 ({@link #DEFAULT_C}).
 *
 * <p>The dual is convex (a linear term plus a norm of a linear map) and is solved by projected gradient descent on
 * the simplex with a backtracking (Armijo) step, on G divided by its largest diagonal entry (which leaves w*
 * unchanged), from the centre of the simplex; it stops when a step moves w by at most {@link #STEP_TOLERANCE} (L1)
 * or after {@link #MAX_ITERATIONS}. The authors use scipy's SLSQP on the same objective. Where {@code ||g_w*||}
 * vanishes (0 is in the convex hull of the gradients: a Pareto-stationary point), the correction term is dropped
 * and d = g_0, as the authors' code does by adding 1e-8 to the norm; where {@code g_0 = 0} the ball is a point and
 * d = g_0 = 0.
 *
 * <p>Scale: the authors' code (Cranial-XIX/CAGrad, {@code cagrad(..., rescale=1)}, also LibMTL's default) divides d
 * by {@code 1 + c²} and then multiplies every method's update by the number of tasks "to match the sum loss"; this
 * class returns exactly those coefficients: {@code c_k = (1 + K λ w*_k) / (1 + c²)} with
 * {@code λ = sqrt(φ) / ||g_w*||}. With c = 0 they are all 1: the plain sum.
 *
 * @param c the radius of the ball around the mean gradient, relative to its norm; finite and {@code >= 0}
 */
public record CaGrad(double c) implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "cagrad";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, CaGrad.class,
            o -> new CaGrad());

    /** The paper's and the authors' default c. */
    public static final double DEFAULT_C = 0.5;

    /** The dual solver stops when a step changes w by at most this much (sum of absolute changes). */
    public static final double STEP_TOLERANCE = 1e-12;

    /** The dual solver stops after this many iterations at the latest (each costs O(K²)). */
    public static final int MAX_ITERATIONS = 10_000;

    /** {@code ||g_w*||} at most this fraction of the largest gradient norm counts as zero. */
    public static final double NEGLIGIBLE_NORM = 1e-10;

    /** Validates c. */
    public CaGrad {
        if (!Double.isFinite(c) || c < 0) {
            throw new IllegalArgumentException(NAME + ": c (the radius of the ball around the mean gradient, relative to its"
                    + " norm) must be finite and >= 0, received " + c + ": the paper uses 0.5; 0 gives the mean gradient.");
        }
    }

    /** CAGrad with the paper's c = 0.5. */
    public CaGrad() {
        this(DEFAULT_C);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        Gram g = Gram.of(gram, NAME);
        int k = g.size();
        double[] coefficients = new double[k];
        double rescale = 1 + c * c;
        Arrays.fill(coefficients, 1 / rescale);
        double scale = g.maxDiagonal();
        if (scale == 0 || c == 0) {
            return coefficients;
        }
        Gram unit = g.dividedBy(scale);
        double[] mean = new double[k];
        Arrays.fill(mean, 1.0 / k);
        double[] towardsMean = unit.times(mean);                          // entry i: g_i . g_0
        double meanNorm = Math.sqrt(Math.max(0, dot(mean, towardsMean)));
        double radius = c * meanNorm;                                     // sqrt(φ)
        if (radius == 0) {
            return coefficients;
        }
        double[] w = solveDual(unit, towardsMean, radius);
        double combinedNorm = Math.sqrt(Math.max(0, unit.inner(w, w)));   // ||g_w||
        if (combinedNorm <= NEGLIGIBLE_NORM) {
            return coefficients;
        }
        double lambda = radius / combinedNorm;
        for (int i = 0; i < k; i++) {
            coefficients[i] = (1 + k * lambda * w[i]) / rescale;
        }
        return coefficients;
    }

    /** The dual solution w* (on the simplex) for a Gram matrix; for tests and reports. */
    double[] dualSolution(double[][] gram) {
        Gram g = Gram.of(gram, NAME);
        double[] mean = new double[g.size()];
        Arrays.fill(mean, 1.0 / g.size());
        double[] towardsMean = g.times(mean);
        return solveDual(g, towardsMean, c * Math.sqrt(Math.max(0, dot(mean, towardsMean))));
    }

    private static double[] solveDual(Gram g, double[] towardsMean, double radius) {
        int k = g.size();
        double[] w = new double[k];
        Arrays.fill(w, 1.0 / k);
        double value = objective(g, towardsMean, radius, w);
        double step = 1.0;
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[] gw = g.times(w);
            double norm = Math.sqrt(Math.max(0, dot(w, gw)));
            double[] gradient = towardsMean.clone();
            if (norm > 0) {
                for (int i = 0; i < k; i++) {
                    gradient[i] += radius * gw[i] / norm;
                }
            }
            double[] next;
            double nextValue;
            double moved;
            while (true) {
                next = new double[k];
                for (int i = 0; i < k; i++) {
                    next[i] = w[i] - step * gradient[i];
                }
                next = projectOntoSimplex(next);
                nextValue = objective(g, towardsMean, radius, next);
                double predicted = value;
                double squaredMove = 0;
                moved = 0;
                for (int i = 0; i < k; i++) {
                    double delta = next[i] - w[i];
                    predicted += gradient[i] * delta;
                    squaredMove += delta * delta;
                    moved += Math.abs(delta);
                }
                predicted += squaredMove / (2 * step);
                if (nextValue <= predicted + 1e-15 * Math.abs(value) || step < 1e-20) {
                    break;
                }
                step /= 2;
            }
            if (nextValue > value) {
                break;                                                    // rounding: no further progress possible
            }
            w = next;
            value = nextValue;
            if (moved <= STEP_TOLERANCE) {
                break;
            }
            step = Math.min(step * 2, 1e6);
        }
        return w;
    }

    private static double objective(Gram g, double[] towardsMean, double radius, double[] w) {
        return dot(w, towardsMean) + radius * Math.sqrt(Math.max(0, g.inner(w, w)));
    }

    /** The Euclidean projection onto the probability simplex (sort-based, Held, Wolfe and Crowder 1974). */
    static double[] projectOntoSimplex(double[] y) {
        int k = y.length;
        double[] sorted = y.clone();
        Arrays.sort(sorted);
        double cumulative = 0;
        double threshold = 0;
        for (int i = k - 1; i >= 0; i--) {
            cumulative += sorted[i];
            double candidate = (cumulative - 1) / (k - i);
            if (i == 0 || candidate >= sorted[i - 1]) {
                threshold = candidate;
                break;
            }
        }
        double[] projected = new double[k];
        for (int i = 0; i < k; i++) {
            projected[i] = Math.max(0, y[i] - threshold);
        }
        return projected;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
