package io.github.mtldl4j.examples.data;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The synthetic two-task regression data of Ma et al., "Modeling Task Relationships in Multi-task Learning with
 * Multi-gate Mixture-of-Experts" (KDD 2018, Section 4), whose task relatedness is set by a correlation {@code p}:
 * <ol>
 *   <li>orthogonal unit vectors {@code u1, u2} in R^d (Gaussian draws, Gram-Schmidt);</li>
 *   <li>{@code w1 = c u1}, {@code w2 = c (p u1 + sqrt(1 - p^2) u2)}, so {@code cos(w1, w2) = p};</li>
 *   <li>{@code x ~ N(0, I_d)};</li>
 *   <li>{@code y_k = w_k . x + sum_{i=1..m} sin(alpha_i w_k . x + beta_i) + eps}, {@code eps ~ N(0, noise^2)}, with
 *       {@code alpha_i, beta_i ~ N(0, 1)} shared by both tasks.</li>
 * </ol>
 * The paper gives d = 100 and the procedure but not every constant; {@link Setting} names the two sets in use.
 * The Pearson correlation of the labels falls with {@code p} but is not equal to it, because of the sines.
 */
public final class MmoeSyntheticData {
    private final int inputs;
    private final double noise;
    private final double[] w1;
    private final double[] w2;
    private final double[] alpha;
    private final double[] beta;

    /** The two published choices of the constants the paper leaves open (d = 100 in both). */
    public enum Setting {
        /** Google Research's public generator: c = 1, m = 10, alpha_i = i, beta_i = (i - 1)^2, noise sd 0.01. */
        GOOGLE("google", 1.0, 10, 0.01),
        /** Third-party reimplementations: c = 0.3, m = 5, alpha_i and beta_i ~ N(0, 1), noise sd 0.1. */
        THIRD_PARTY("third-party", 0.3, 5, 0.1);

        private final String label;
        private final double scale;
        private final int sines;
        private final double noise;

        Setting(String label, double scale, int sines, double noise) {
            this.label = label;
            this.scale = scale;
            this.sines = sines;
            this.noise = noise;
        }

        /** The command-line name: {@code google} or {@code third-party}. */
        public String label() {
            return label;
        }

        /** The scale c. */
        public double scale() {
            return scale;
        }

        /** The number m of sine terms. */
        public int sines() {
            return sines;
        }

        /** The label noise standard deviation. */
        public double noise() {
            return noise;
        }

        /** The tasks of this setting at correlation {@code p}; the seed draws u1, u2 (and alpha, beta for third-party). */
        public MmoeSyntheticData data(double p, long seed) {
            return data(p, seed, scale);
        }

        /** As {@link #data(double, long)} with another scale c (for experiments on c). */
        public MmoeSyntheticData data(double p, long seed, double c) {
            if (this == GOOGLE) {
                double[] alpha = new double[sines];
                double[] beta = new double[sines];
                for (int i = 1; i <= sines; i++) {
                    alpha[i - 1] = i;
                    beta[i - 1] = (i - 1) * (i - 1);
                }
                return new MmoeSyntheticData(100, c, alpha, beta, noise, p, seed);
            }
            return new MmoeSyntheticData(100, c, sines, noise, p, seed);
        }

        /** The setting named {@code label} ({@code google} or {@code third-party}). */
        public static Setting of(String label) {
            for (Setting s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown setting '" + label + "': expected google or third-party.");
        }
    }

    /**
     * @param inputs input dimension d ({@code >= 2})
     * @param scale the scale c of the task weight vectors ({@code > 0})
     * @param sines the number m of sine terms ({@code >= 0})
     * @param noise the standard deviation of the label noise ({@code >= 0})
     * @param correlation p, the cosine between w1 and w2, in {@code [-1, 1]}
     * @param seed seed of u1, u2, alpha and beta (the task definition; rows are drawn by {@link #sample})
     */
    public MmoeSyntheticData(int inputs, double scale, int sines, double noise, double correlation, long seed) {
        this(inputs, scale, null, null, sines, noise, correlation, seed);
    }

    /**
     * Tasks with given sine constants (e.g. Google Research's alpha_i = i, beta_i = (i - 1)^2).
     *
     * @param alpha the frequencies alpha_1..alpha_m
     * @param beta the phases beta_1..beta_m (as many as alpha)
     * @param seed seed of u1 and u2
     */
    public MmoeSyntheticData(int inputs, double scale, double[] alpha, double[] beta, double noise, double correlation, long seed) {
        this(inputs, scale, alpha.clone(), beta.clone(), alpha.length, noise, correlation, seed);
        if (alpha.length != beta.length) {
            throw new IllegalArgumentException("Expected as many alpha as beta, received " + alpha.length + " and " + beta.length + ".");
        }
    }

    private MmoeSyntheticData(int inputs, double scale, double[] givenAlpha, double[] givenBeta, int sines, double noise,
            double correlation, long seed) {
        if (inputs < 2) {
            throw new IllegalArgumentException("Two orthogonal directions need inputs >= 2, received " + inputs + ".");
        }
        if (!(scale > 0) || !Double.isFinite(scale) || sines < 0 || !(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("Expected scale > 0, sines >= 0 and noise >= 0, received scale=" + scale
                    + ", sines=" + sines + ", noise=" + noise + ".");
        }
        if (!(correlation >= -1 && correlation <= 1)) {
            throw new IllegalArgumentException("The task correlation p is a cosine and must be in [-1, 1], received "
                    + correlation + ".");
        }
        this.inputs = inputs;
        this.noise = noise;
        Random random = new Random(seed);
        double[] u1 = unit(gaussian(random, inputs));
        double[] u2 = gaussian(random, inputs);
        double along = dot(u1, u2);
        for (int i = 0; i < inputs; i++) {
            u2[i] -= along * u1[i];
        }
        u2 = unit(u2);
        double orth = Math.sqrt(1 - correlation * correlation);
        this.w1 = new double[inputs];
        this.w2 = new double[inputs];
        for (int i = 0; i < inputs; i++) {
            w1[i] = scale * u1[i];
            w2[i] = scale * (correlation * u1[i] + orth * u2[i]);
        }
        this.alpha = givenAlpha != null ? givenAlpha : gaussian(random, sines);
        this.beta = givenBeta != null ? givenBeta : gaussian(random, sines);
    }

    /** The settings of third-party reimplementations ({@link Setting#THIRD_PARTY}): d = 100, c = 0.3, m = 5, noise sd 0.1. */
    public static MmoeSyntheticData paper(double correlation, long seed) {
        return Setting.THIRD_PARTY.data(correlation, seed);
    }

    /** The input dimension d. */
    public int inputs() {
        return inputs;
    }

    /** A copy of the weight vector of task {@code task} (0 or 1). */
    public double[] weights(int task) {
        return (task == 0 ? w1 : w2).clone();
    }

    /** The noise-free label of task {@code task} for features {@code x}. */
    public double target(int task, double[] x) {
        double z = dot(task == 0 ? w1 : w2, x);
        double y = z;
        for (int i = 0; i < alpha.length; i++) {
            y += Math.sin(alpha[i] * z + beta[i]);
        }
        return y;
    }

    /** {@code rows} fresh examples drawn with {@code seed}: features {@code [rows, d]} and labels {@code [rows, 1]} per task. */
    public MultiDataSet sample(int rows, long seed) {
        if (rows < 1) {
            throw new IllegalArgumentException("Expected rows >= 1, received " + rows + ".");
        }
        Random random = new Random(seed);
        double[] features = new double[rows * inputs];
        double[] y1 = new double[rows];
        double[] y2 = new double[rows];
        double[] x = new double[inputs];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < inputs; i++) {
                x[i] = random.nextGaussian();
                features[r * inputs + i] = x[i];
            }
            y1[r] = target(0, x) + noise * random.nextGaussian();
            y2[r] = target(1, x) + noise * random.nextGaussian();
        }
        INDArray f = Nd4j.create(features, new long[] {rows, inputs}, DataType.FLOAT);
        INDArray l1 = Nd4j.create(y1, new long[] {rows, 1}, DataType.FLOAT);
        INDArray l2 = Nd4j.create(y2, new long[] {rows, 1}, DataType.FLOAT);
        return new MultiDataSet(new INDArray[] {f}, new INDArray[] {l1, l2});
    }

    private static double[] gaussian(Random random, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] unit(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return v;
    }
}
