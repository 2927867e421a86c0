package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Arrays;
import java.util.Random;

/**
 * DualProj: the mean gradient projected onto the dual cone of the task gradients, {@code {x : g_j . x >= 0 for all j}},
 * as TorchJD defines it ({@code DualProj}, after Equation 11 of Lopez-Paz and Ranzato, "Gradient Episodic Memory for
 * Continual Learning", NeurIPS 2017; Quinton and Rey, "Jacobian Descent for Multi-Objective Optimization", 2024,
 * arXiv:2406.16232, use it as a baseline).
 *
 * <p>The projection of {@code J^T u} onto the dual cone is {@code J^T w} with {@code w = argmin_{v >= u} v^T G v}
 * (Quinton and Rey, Proposition 1), one small convex quadratic program in the Gram matrix, here with u the equal
 * weights. The result has a non-negative inner product with every task gradient (no task's loss increases to first
 * order), and when the mean gradient already has one (in particular when no two gradients conflict) it is the mean
 * itself. Unlike {@link UpGrad}, which projects each gradient and averages, one QP per step.
 *
 * <p>As in TorchJD and {@link UpGrad} (whose solver this class shares: ojAlgo's convex solver), G is divided by its
 * trace and {@code regularization} (default {@link UpGrad#DEFAULT_REGULARIZATION}, TorchJD's {@code reg_eps}) is added
 * to its diagonal, so the QP is strictly convex despite rounding (ojAlgo's answer is then polished: the QP on its active
 * set solved exactly as a linear system); the inner products {@code g_j . d} can then be
 * negative by at most {@code regularization * trace(G) * c_j}. All gradients zero: the plain sum.
 *
 * <p>Scale: TorchJD's weights project the mean ({@code u = 1/K}); the coefficients project the sum ({@code u = 1}),
 * K times those, so that without conflicts they are all 1: the plain sum, as {@link SumAggregator}.
 *
 * @param regularization added to the diagonal of the trace-normalized Gram matrix; finite and {@code >= 0}
 */
public record DualProj(double regularization) implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "dualproj";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, DualProj.class,
            o -> new DualProj());

    /** A weight within this fraction of the largest above its bound 1 counts as at the bound in ojAlgo's answer. */
    static final double ACTIVE_TOLERANCE = 1e-3;

    /** Up to this many tasks, every set of bound weights is tried when ojAlgo's does not give the optimum (2^K solves). */
    static final int MAX_ENUMERATED_TASKS = 12;

    /** A bound weight's gradient may be negative by this fraction of the largest term (rounding). */
    static final double KKT_TOLERANCE = 1e-12;

    /** Validates the regularization. */
    public DualProj {
        if (!Double.isFinite(regularization) || regularization < 0) {
            throw new IllegalArgumentException(NAME + ": regularization (added to the diagonal of the trace-normalized Gram"
                    + " matrix) must be finite and >= 0, received " + regularization + ": TorchJD's default is 1e-4.");
        }
    }

    /** DualProj with TorchJD's regularization 1e-4. */
    public DualProj() {
        this(UpGrad.DEFAULT_REGULARIZATION);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        Gram g = Gram.of(gram, NAME);
        int k = g.size();
        double[] ones = new double[k];
        Arrays.fill(ones, 1.0);
        if (!(g.trace() > 0)) {
            return ones;
        }
        double[][] matrix = g.dividedBy(g.trace()).toArray();
        for (int i = 0; i < k; i++) {
            matrix[i][i] += regularization;
        }
        return polished(matrix, UpGrad.projectionWeights(matrix, ones));
    }

    /**
     * ojAlgo's answer meets optimality only to about 1e-3 on some small problems, so it is polished: the QP with a
     * given set of weights at their bound 1 is a linear system ({@code Q_FF v_F = -Q_FA 1} for the free ones F), and the
     * set whose solution satisfies the KKT conditions (free weights above 1, non-negative gradient {@code (Q v)_i} on
     * the bound ones) gives the exact optimum. The set ojAlgo's answer suggests (weights within
     * {@link #ACTIVE_TOLERANCE} of 1, relative to the largest) is tried first, then, for K up to
     * {@link #MAX_ENUMERATED_TASKS}, every set; if none passes (rounding), ojAlgo's answer is kept.
     */
    static double[] polished(double[][] q, double[] v) {
        int k = v.length;
        double largest = Arrays.stream(v).max().orElse(1);
        int suggested = 0;
        for (int i = 0; i < k; i++) {
            if (v[i] > 1 + ACTIVE_TOLERANCE * largest) {
                suggested |= 1 << i;
            }
        }
        double[] exact = kktSolution(q, suggested);
        for (int free = 0; exact == null && k <= MAX_ENUMERATED_TASKS && free < 1 << k; free++) {
            exact = kktSolution(q, free);
        }
        return exact != null ? exact : v;
    }

    /** The solution with the weights outside {@code freeMask} at 1, if it satisfies the KKT conditions; else null. */
    private static double[] kktSolution(double[][] q, int freeMask) {
        int k = q.length;
        int[] free = java.util.stream.IntStream.range(0, k).filter(i -> (freeMask & (1 << i)) != 0).toArray();
        double[] candidate = new double[k];
        Arrays.fill(candidate, 1.0);
        if (free.length > 0) {
            double[][] system = new double[free.length][free.length];
            double[] rhs = new double[free.length];
            for (int a = 0; a < free.length; a++) {
                for (int b = 0; b < free.length; b++) {
                    system[a][b] = q[free[a]][free[b]];
                }
                for (int j = 0; j < k; j++) {
                    if ((freeMask & (1 << j)) == 0) {
                        rhs[a] -= q[free[a]][j];
                    }
                }
            }
            double[] solved = ImtlG.solve(system, rhs);
            if (solved == null) {
                return null;
            }
            for (int a = 0; a < free.length; a++) {
                if (!(solved[a] >= 1)) {
                    return null;
                }
                candidate[free[a]] = solved[a];
            }
        }
        double scale = 0;
        double[] gradient = new double[k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gradient[i] += q[i][j] * candidate[j];
                scale = Math.max(scale, Math.abs(q[i][j] * candidate[j]));
            }
        }
        for (int i = 0; i < k; i++) {
            if ((freeMask & (1 << i)) == 0 && gradient[i] < -KKT_TOLERANCE * scale) {
                return null;
            }
        }
        return candidate;
    }
}
