package io.github.mtldl4j.tabular.baseline;

/**
 * Ridge least squares in closed form with an unpenalized intercept: minimizes
 * {@code sum_i (y_i - b - x_i . beta)^2 + lambda * |beta|^2}. The features and target are centred on their means, then
 * {@code (Xc'Xc + lambda I) beta = Xc'yc} is solved by Cholesky and {@code b = mean(y) - mean(x) . beta}. Plain Java
 * doubles: a table's encoded width is small (hundreds), so the d x d solve costs milliseconds and needs no library.
 */
public final class RidgeRegression {
    private RidgeRegression() {
    }

    /**
     * A fitted model.
     *
     * @param coefficients one per feature
     * @param intercept the unpenalized intercept
     * @param lambda the penalty it was fitted with
     */
    public record Fit(double[] coefficients, double intercept, double lambda) {
        /** The prediction for one row. */
        public double predict(double[] x) {
            double sum = intercept;
            for (int j = 0; j < coefficients.length; j++) {
                sum += coefficients[j] * x[j];
            }
            return sum;
        }
    }

    /**
     * Fits rows {@code x} (all of the same width, at least one row) to targets {@code y}.
     *
     * @param lambda the penalty, {@code >= 0}; with 0 the features must not be collinear
     */
    public static Fit fit(double[][] x, double[] y, double lambda) {
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("Expected as many targets as rows, at least one; received " + x.length + " rows and "
                    + y.length + " targets.");
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("Ridge penalty must be finite and >= 0, received " + lambda + ".");
        }
        int n = x.length;
        int d = x[0].length;
        double[] meanX = new double[d];
        double meanY = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                meanX[j] += x[i][j];
            }
            meanY += y[i];
        }
        for (int j = 0; j < d; j++) {
            meanX[j] /= n;
        }
        meanY /= n;
        double[][] gram = new double[d][d];
        double[] rhs = new double[d];
        double[] centred = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                centred[j] = x[i][j] - meanX[j];
            }
            double yc = y[i] - meanY;
            for (int j = 0; j < d; j++) {
                double cj = centred[j];
                if (cj == 0) {
                    continue;
                }
                rhs[j] += cj * yc;
                double[] row = gram[j];
                for (int k = 0; k <= j; k++) {
                    row[k] += cj * centred[k];
                }
            }
        }
        // A tiny jitter keeps constant (e.g. never-seen one-hot) columns solvable; their coefficient is 0 either way.
        double jitter = 1e-10 * Math.max(1.0, trace(gram) / Math.max(1, d));
        for (int j = 0; j < d; j++) {
            gram[j][j] += lambda + jitter;
        }
        double[] beta = solveCholesky(gram, rhs);
        double intercept = meanY;
        for (int j = 0; j < d; j++) {
            intercept -= meanX[j] * beta[j];
        }
        return new Fit(beta, intercept, lambda);
    }

    private static double trace(double[][] a) {
        double t = 0;
        for (int j = 0; j < a.length; j++) {
            t += a[j][j];
        }
        return t;
    }

    /** Solves {@code a x = b} for symmetric positive definite {@code a}, given by its lower triangle (overwritten). */
    static double[] solveCholesky(double[][] a, double[] b) {
        int d = b.length;
        for (int j = 0; j < d; j++) {
            double sum = a[j][j];
            for (int k = 0; k < j; k++) {
                sum -= a[j][k] * a[j][k];
            }
            if (!(sum > 0)) {
                throw new IllegalArgumentException("Ridge normal equations are not positive definite at column " + j
                        + ": collinear features need a penalty > 0.");
            }
            double l = Math.sqrt(sum);
            a[j][j] = l;
            for (int i = j + 1; i < d; i++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= a[i][k] * a[j][k];
                }
                a[i][j] = s / l;
            }
        }
        double[] z = new double[d];
        for (int i = 0; i < d; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= a[i][k] * z[k];
            }
            z[i] = s / a[i][i];
        }
        double[] x = new double[d];
        for (int i = d - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < d; k++) {
                s -= a[k][i] * x[k];
            }
            x[i] = s / a[i][i];
        }
        return x;
    }
}
