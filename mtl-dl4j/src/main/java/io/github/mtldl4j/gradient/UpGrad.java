package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Arrays;
import java.util.Random;
import org.ojalgo.matrix.store.R064Store;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.convex.ConvexSolver;

/**
 * UPGrad, unconflicting projection of gradients: Quinton and Rey, "Jacobian Descent for Multi-Objective
 * Optimization", 2024 (arXiv:2406.16232), Section 4 and Proposition 1.
 *
 * <p>Each task gradient g_i is projected onto the dual cone of all of them, {@code {x : g_j . x >= 0 for all j}},
 * and the projections are combined: {@code A(J) = (1/K) Σ_i π(g_i)}. By Proposition 1, {@code π(J^T u) = J^T w}
 * with {@code w = argmin_{v >= u} v^T G v} (componentwise), so with {@code u = e_i} each projection is one small
 * convex quadratic program in the Gram matrix. The result has a non-negative inner product with every task
 * gradient (no task's loss increases to first order), and when no two gradients conflict every {@code g_i} is
 * already in the cone, {@code w = e_i}, and the update is the mean gradient.
 *
 * <p>As in the authors' TorchJD ({@code UPGradWeighting}) and LibMTL's {@code UPGrad}, G is divided by its trace
 * (which leaves every w unchanged) and {@code regularization} (default {@link #DEFAULT_REGULARIZATION}, TorchJD's
 * {@code reg_eps}) is added to its diagonal, so the QP is strictly convex despite rounding or linearly dependent
 * gradients. The price is that the inner products {@code g_j . d} can be slightly negative, by at most
 * {@code regularization * trace(G) * c_j}. TorchJD's absolute {@code norm_eps} threshold on the trace (1e-4, which
 * would treat gradients of norm below 0.01 as zero) is replaced by an exact test: only all-zero gradients give the
 * plain mean. The QPs are solved by ojAlgo's {@link ConvexSolver} (TorchJD uses quadprog), and the
 * {@code v >= e_i} bound is re-imposed exactly on its answer, which satisfies it to its feasibility tolerance.
 *
 * <p>Scale: the paper's aggregation is the mean of the projections, weights {@code (1/K) Σ_i w^(i)}; the
 * coefficients are {@code Σ_i w^(i)}, K times that, so that without conflicts they are all 1: the plain sum, as
 * {@link SumAggregator}.
 *
 * @param regularization added to the diagonal of the trace-normalized Gram matrix; finite and {@code >= 0}
 */
public record UpGrad(double regularization) implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "upgrad";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, UpGrad.class,
            o -> new UpGrad());

    /** TorchJD's default {@code reg_eps}. */
    public static final double DEFAULT_REGULARIZATION = 1e-4;

    /** Validates the regularization. */
    public UpGrad {
        if (!Double.isFinite(regularization) || regularization < 0) {
            throw new IllegalArgumentException(NAME + ": regularization (added to the diagonal of the trace-normalized Gram"
                    + " matrix) must be finite and >= 0, received " + regularization + ": TorchJD's default is 1e-4.");
        }
    }

    /** UPGrad with TorchJD's regularization 1e-4. */
    public UpGrad() {
        this(DEFAULT_REGULARIZATION);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        Gram g = Gram.of(gram, NAME);
        int k = g.size();
        double[] sum = new double[k];
        if (!(g.trace() > 0)) {
            Arrays.fill(sum, 1.0);
            return sum;
        }
        double[][] normalized = normalizedRegularized(g);
        for (int i = 0; i < k; i++) {
            double[] lower = new double[k];
            lower[i] = 1.0;
            double[] w = projectionWeights(normalized, lower);
            for (int j = 0; j < k; j++) {
                sum[j] += w[j];
            }
        }
        return sum;
    }

    /** {@code G / trace(G) + regularization I}, the matrix of the QPs. */
    double[][] normalizedRegularized(double[][] gram) {
        return normalizedRegularized(Gram.of(gram, NAME));
    }

    private double[][] normalizedRegularized(Gram g) {
        double[][] matrix = g.dividedBy(g.trace()).toArray();
        for (int i = 0; i < matrix.length; i++) {
            matrix[i][i] += regularization;
        }
        return matrix;
    }

    /**
     * {@code argmin_{v >= lower} v^T Q v} by ojAlgo's convex solver; Q symmetric positive semi-definite.
     *
     * @throws IllegalStateException if the solver reports no feasible solution
     */
    static double[] projectionWeights(double[][] q, double[] lower) {
        int k = lower.length;
        R064Store quadratic = R064Store.FACTORY.make(k, k);
        R064Store linear = R064Store.FACTORY.make(k, 1);
        R064Store constraints = R064Store.FACTORY.make(k, k);
        R064Store bounds = R064Store.FACTORY.make(k, 1);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                quadratic.set(i, j, 2 * q[i][j]);                        // ojAlgo minimizes 1/2 x^T Q x - C^T x
            }
            constraints.set(i, i, -1.0);                                  // -v <= -lower
            bounds.set(i, 0, -lower[i]);
        }
        Optimisation.Result result = ConvexSolver.newBuilder(k)
                .objective(quadratic, linear)
                .inequalities(constraints, bounds)
                .build()
                .solve();
        if (!result.getState().isFeasible()) {
            throw new IllegalStateException(NAME + ": ojAlgo's convex solver found no solution (" + result.getState()
                    + ") of min v^T Q v subject to v >= " + Arrays.toString(lower) + " with Q = " + Arrays.deepToString(q)
                    + ": raise the regularization (e.g. new UpGrad(1e-3)); please report the matrix.");
        }
        double[] v = new double[k];
        for (int i = 0; i < k; i++) {
            v[i] = Math.max(lower[i], result.doubleValue(i));
        }
        return v;
    }
}
