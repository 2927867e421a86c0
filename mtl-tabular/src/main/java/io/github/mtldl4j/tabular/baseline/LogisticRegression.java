package io.github.mtldl4j.tabular.baseline;

import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.Parameter;
import de.bwaldvogel.liblinear.Problem;
import de.bwaldvogel.liblinear.SolverType;
import java.util.ArrayList;
import java.util.List;

/**
 * L2-regularized logistic regression by LIBLINEAR (Fan et al., JMLR 2008; the Java port {@code de.bwaldvogel:liblinear}):
 * minimizes {@code |w|^2 / 2 + C * sum_i c_i * log(1 + exp(-y_i (w . x_i + b)))} with the primal trust-region Newton
 * solver, the intercept {@code b} not penalized, {@code c_i} the class weight of row i's class. Two classes: one model;
 * more: one against the rest per class, probabilities normalized to sum 1 (LIBLINEAR's own rule). Deterministic.
 */
public final class LogisticRegression {
    /** Stopping tolerance of the Newton solver (LIBLINEAR's default is 0.01; the baselines are small, so fit tighter). */
    static final double TOLERANCE = 1e-4;

    static {
        Linear.disableDebugOutput();
    }

    private LogisticRegression() {
    }

    /**
     * A fitted model: class probabilities of a row.
     *
     * @param classes the number of classes of the task (some may be absent from the training rows)
     */
    public record Fit(Model model, int classes, int onlyClass, double c) {
        /** Probabilities of classes 0 .. classes-1 for one row (a class absent from the training rows gets 0). */
        public double[] probabilities(double[] x) {
            double[] p = new double[classes];
            if (model == null) {
                p[onlyClass] = 1.0;
                return p;
            }
            double[] byLabel = new double[model.getNrClass()];
            Linear.predictProbability(model, features(x), byLabel);
            int[] labels = model.getLabels();
            for (int i = 0; i < labels.length; i++) {
                p[labels[i]] = byLabel[i];
            }
            return p;
        }

        /**
         * Two classes: the coefficients of class 1's log-odds, then the intercept (LIBLINEAR's weights are those of its
         * first label, the class of the first training row).
         */
        public double[] binaryCoefficients() {
            double[] w = model.getFeatureWeights().clone();
            if (model.getLabels()[0] != 1) {
                for (int j = 0; j < w.length; j++) {
                    w[j] = -w[j];
                }
            }
            return w;
        }
    }

    /**
     * Fits rows {@code x} to classes {@code y} (0 .. classes-1).
     *
     * @param c the inverse regularization strength, {@code > 0}
     * @param classWeights per class, the factor of its rows' loss terms (all 1: unweighted)
     */
    public static Fit fit(double[][] x, int[] y, int classes, double c, double[] classWeights) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("Expected as many classes as rows, at least one; received " + x.length + " rows and "
                    + y.length + " classes.");
        }
        int first = y[0];
        boolean single = true;
        for (int label : y) {
            single &= label == first;
        }
        if (single) {
            return new Fit(null, classes, first, c);
        }
        Problem problem = new Problem();
        problem.l = x.length;
        problem.n = x[0].length + 1;
        problem.bias = 1.0;
        problem.x = new Feature[x.length][];
        problem.y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            problem.x[i] = features(x[i]);
            problem.y[i] = y[i];
        }
        Parameter parameter = new Parameter(SolverType.L2R_LR, c, TOLERANCE);
        parameter.setRegularizeBias(false);
        int[] labels = new int[classes];
        for (int k = 0; k < classes; k++) {
            labels[k] = k;
        }
        parameter.setWeights(classWeights.clone(), labels);
        return new Fit(Linear.train(problem, parameter), classes, -1, c);
    }

    /**
     * A row as LIBLINEAR's sparse features (1-based indices, zeros left out), with the intercept's constant feature 1
     * last: LIBLINEAR expects the caller to append it, in training and prediction alike.
     */
    static Feature[] features(double[] x) {
        List<Feature> nodes = new ArrayList<>();
        for (int j = 0; j < x.length; j++) {
            if (x[j] != 0) {
                nodes.add(new FeatureNode(j + 1, x[j]));
            }
        }
        nodes.add(new FeatureNode(x.length + 1, 1.0));
        return nodes.toArray(Feature[]::new);
    }
}
