package io.github.mtldl4j.gradient;

import java.util.Random;

/** Explicit task gradients for the tests: their Gram matrix, and coefficients applied back to vectors. */
final class GradientVectors {
    private GradientVectors() {
    }

    /** {@code G[i][j] = g_i . g_j}. */
    static double[][] gram(double[]... gradients) {
        int k = gradients.length;
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gram[i][j] = dot(gradients[i], gradients[j]);
            }
        }
        return gram;
    }

    /** {@code Σ_k c[k] g_k}. */
    static double[] combine(double[] coefficients, double[]... gradients) {
        double[] result = new double[gradients[0].length];
        for (int k = 0; k < gradients.length; k++) {
            for (int p = 0; p < result.length; p++) {
                result[p] += coefficients[k] * gradients[k][p];
            }
        }
        return result;
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int p = 0; p < a.length; p++) {
            sum += a[p] * b[p];
        }
        return sum;
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    static double[] plus(double[] a, double[] b, double bScale) {
        double[] result = a.clone();
        for (int p = 0; p < a.length; p++) {
            result[p] += bScale * b[p];
        }
        return result;
    }

    static double[] mean(double[]... gradients) {
        double[] uniform = new double[gradients.length];
        java.util.Arrays.fill(uniform, 1.0 / gradients.length);
        return combine(uniform, gradients);
    }

    /** K gaussian gradients of the given dimension, each scaled by e^(spread * gaussian): different norms, conflicts. */
    static double[][] random(Random random, int k, int dimension, double spread) {
        double[][] gradients = new double[k][dimension];
        for (int i = 0; i < k; i++) {
            double scale = Math.exp(spread * random.nextGaussian());
            for (int p = 0; p < dimension; p++) {
                gradients[i][p] = scale * random.nextGaussian();
            }
        }
        return gradients;
    }

    /** True when some pair of gradients has a negative inner product. */
    static boolean conflicting(double[][] gradients) {
        for (int i = 0; i < gradients.length; i++) {
            for (int j = i + 1; j < gradients.length; j++) {
                if (dot(gradients[i], gradients[j]) < 0) {
                    return true;
                }
            }
        }
        return false;
    }

    static double sum(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum;
    }

    static double maxSquaredNorm(double[][] gradients) {
        double max = 0;
        for (double[] g : gradients) {
            max = Math.max(max, dot(g, g));
        }
        return max;
    }
}
