package io.github.mtldl4j.tabular.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The linear models of the baselines against fits computed by hand or from their optimality conditions. */
class LinearModelsTest {

    @Test
    void ridgeWithOneFeatureIsTheHandComputedSlopeAndIntercept() {
        // x = 1..4, y = 2, 4, 5, 8: mean x 2.5, mean y 4.75, Sxx = 5, Sxy = 9.5.
        // lambda = 1: slope 9.5 / (5 + 1) = 1.583333..., intercept 4.75 - 2.5 * 1.583333... = 0.791666...
        double[][] x = {{1}, {2}, {3}, {4}};
        double[] y = {2, 4, 5, 8};
        RidgeRegression.Fit fit = RidgeRegression.fit(x, y, 1.0);
        assertEquals(9.5 / 6, fit.coefficients()[0], 1e-9);
        assertEquals(4.75 - 2.5 * 9.5 / 6, fit.intercept(), 1e-9);
        // lambda = 0: ordinary least squares, slope 9.5 / 5 = 1.9, intercept 4.75 - 4.75 = 0.
        RidgeRegression.Fit ols = RidgeRegression.fit(x, y, 0.0);
        assertEquals(1.9, ols.coefficients()[0], 1e-9);
        assertEquals(0.0, ols.intercept(), 1e-9);
        assertEquals(1.9 * 10, ols.predict(new double[] {10}), 1e-8);
    }

    @Test
    void ridgeWithTwoFeaturesSolvesTheNormalEquations() {
        double[][] x = {{1, 0}, {0, 1}, {1, 1}, {2, 1}, {0, 3}};
        double[] y = {1, 2, 2.5, 4, 5};
        double lambda = 0.5;
        RidgeRegression.Fit fit = RidgeRegression.fit(x, y, lambda);
        // The normal equations on centred data, solved by the 2 x 2 inverse written out.
        double mx0 = 0.8;
        double mx1 = 1.2;
        double my = 2.9;
        double a = 0;
        double b = 0;
        double d = 0;
        double r0 = 0;
        double r1 = 0;
        for (int i = 0; i < 5; i++) {
            double c0 = x[i][0] - mx0;
            double c1 = x[i][1] - mx1;
            a += c0 * c0;
            b += c0 * c1;
            d += c1 * c1;
            r0 += c0 * (y[i] - my);
            r1 += c1 * (y[i] - my);
        }
        a += lambda;
        d += lambda;
        double det = a * d - b * b;
        double beta0 = (d * r0 - b * r1) / det;
        double beta1 = (a * r1 - b * r0) / det;
        assertEquals(beta0, fit.coefficients()[0], 1e-9);
        assertEquals(beta1, fit.coefficients()[1], 1e-9);
        assertEquals(my - mx0 * beta0 - mx1 * beta1, fit.intercept(), 1e-9);
    }

    @Test
    void logisticOnSymmetricDataHasNoInterceptAndTheOptimalSlope() {
        // Two rows (x = 1, class 1) and (x = -1, class 0): by symmetry the intercept is 0, and the objective
        // w^2 / 2 + 2 C log(1 + e^-w) is minimal where w = 2 C sigmoid(-w). With C = 1, found here by bisection.
        double c = 1.0;
        double lo = 0;
        double hi = 10;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (mid - 2 * c / (1 + Math.exp(mid)) < 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double w = lo;
        LogisticRegression.Fit fit = LogisticRegression.fit(new double[][] {{1}, {-1}}, new int[] {1, 0}, 2, c, new double[] {1, 1});
        double[] coefficients = fit.binaryCoefficients();
        assertEquals(w, coefficients[0], 1e-3 * w, "slope");
        assertEquals(0.0, coefficients[1], 1e-6, "intercept");
        assertEquals(1 / (1 + Math.exp(-w)), fit.probabilities(new double[] {1})[1], 1e-3);
        assertEquals(0.5, fit.probabilities(new double[] {0})[1], 1e-6);
    }

    @Test
    void logisticInterceptAloneIsTheWeightedShareOfPositives() {
        // No informative feature, the intercept unpenalized: the optimum is the (weighted) share of positives,
        // 1 / 4 unweighted and 3 * 1 / (3 * 1 + 3) = 1 / 2 with the positive class weighted 3.
        double[][] x = {{0}, {0}, {0}, {0}};
        int[] y = {1, 0, 0, 0};
        assertEquals(0.25, LogisticRegression.fit(x, y, 2, 1.0, new double[] {1, 1}).probabilities(new double[] {0})[1], 1e-4);
        assertEquals(0.5, LogisticRegression.fit(x, y, 2, 1.0, new double[] {1, 3}).probabilities(new double[] {0})[1], 1e-4);
    }

    @Test
    void logisticWithThreeClassesGivesProbabilitiesThatSumToOneAndFavourTheNearestClass() {
        double[][] x = {{-2}, {-1.5}, {0}, {0.2}, {2}, {1.8}};
        int[] y = {0, 0, 1, 1, 2, 2};
        LogisticRegression.Fit fit = LogisticRegression.fit(x, y, 3, 10.0, new double[] {1, 1, 1});
        double[] left = fit.probabilities(new double[] {-2});
        double[] right = fit.probabilities(new double[] {2});
        assertEquals(1.0, left[0] + left[1] + left[2], 1e-12);
        assertEquals(0, argmax(left));
        assertEquals(2, argmax(right));
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            best = p[i] > p[best] ? i : best;
        }
        return best;
    }
}
