package io.github.mtldl4j.graph;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DSelect-k's entropy regularizer (Hazimeh et al., NeurIPS 2021) on a {@link DSelectKLayer.Routing#STATIC static}
 * gate: {@code lambda * sum_i H(r_i)} with {@code H(r) = -sum_j r_j log(r_j + 1e-6)}, where {@code r_i} is single-expert
 * selector i's distribution over the experts ({@link DSelectKGate#selectorOutputs}). Minimizing it pushes every
 * selector to one expert sooner. The 1e-6 inside the logarithm is the authors' code's (it keeps the gradient finite at
 * {@code r_j = 0}); the selector-mixing softmax is not regularized, as in their code.
 *
 * <p>A static gate's selectors depend on its parameters alone, so the term is a DL4J {@link Regularization} of the
 * gate's logits {@code b}: {@link #score} enters the network's score and {@link #apply} adds its gradient before the
 * updater, like an l2 term. Its gradient: {@code dH/dr_ij = -log(r_ij + 1e-6) - r_ij / (r_ij + 1e-6)}, through
 * {@code dr_ij/dz_il = S'(z_il) (+-1) prod_{o != l} (S(z_io) or 1 - S(z_io))} as in {@link DSelectKGate#logitGradient}.
 */
public final class SelectorEntropyRegularization implements Regularization {
    private static final long serialVersionUID = 1L;
    /** The constant inside the logarithm (the authors' code's {@code EPSILON}). */
    public static final double LOG_EPSILON = 1e-6;

    @JsonProperty
    private double coefficient;
    @JsonProperty
    private int experts;
    @JsonProperty
    private int selectors;
    @JsonProperty
    private double gamma;

    /** For JSON. */
    public SelectorEntropyRegularization() {
    }

    /**
     * @param coefficient lambda, {@code > 0}
     * @param experts n, a power of two
     * @param selectors k
     * @param gamma the smooth-step's width
     */
    public SelectorEntropyRegularization(double coefficient, int experts, int selectors, double gamma) {
        if (!(coefficient > 0) || Double.isInfinite(coefficient)) {
            throw new IllegalArgumentException("The DSelect-k entropy coefficient must be > 0 and finite, received " + coefficient + ".");
        }
        DSelectKLayer.requireValid(experts, selectors, gamma);
        this.coefficient = coefficient;
        this.experts = experts;
        this.selectors = selectors;
        this.gamma = gamma;
    }

    /** lambda. */
    public double coefficient() {
        return coefficient;
    }

    /** {@code sum_i H(r_i)} for a gate's logits (bit logits {@code z_il} at {@code i m + l}; the selector logits after them are ignored). */
    public static double entropy(double[] logits, int experts, int selectors, double gamma) {
        double[][] r = DSelectKGate.selectorOutputs(logits, experts, selectors, gamma);
        double h = 0;
        for (double[] selector : r) {
            for (double p : selector) {
                h -= p * Math.log(p + LOG_EPSILON);
            }
        }
        return h;
    }

    /** The gradient of {@link #entropy} with respect to the logits (0 for the selector logits). */
    public static double[] entropyGradient(double[] logits, int experts, int selectors, double gamma) {
        int bits = Integer.numberOfTrailingZeros(experts);
        double[][] r = DSelectKGate.selectorOutputs(logits, experts, selectors, gamma);
        double[] grad = new double[logits.length];
        for (int i = 0; i < selectors; i++) {
            double[] s = new double[bits];
            for (int l = 0; l < bits; l++) {
                s[l] = DSelectKGate.smoothStep(logits[i * bits + l], gamma);
            }
            for (int l = 0; l < bits; l++) {
                double ds = 0;
                for (int j = 0; j < experts; j++) {
                    double p = r[i][j];
                    double dh = -Math.log(p + LOG_EPSILON) - p / (p + LOG_EPSILON);
                    double others = ((j >> l) & 1) == 1 ? 1 : -1;
                    for (int o = 0; o < bits; o++) {
                        if (o != l) {
                            others *= ((j >> o) & 1) == 1 ? s[o] : 1 - s[o];
                        }
                    }
                    ds += dh * others;
                }
                grad[i * bits + l] = ds * DSelectKGate.smoothStepDerivative(logits[i * bits + l], gamma);
            }
        }
        return grad;
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.BEFORE_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        double[] grad = entropyGradient(param.toDoubleVector(), experts, selectors, gamma);
        for (int c = 0; c < grad.length; c++) {
            if (grad[c] != 0) {
                gradView.putScalar(c, gradView.getDouble(c) + coefficient * grad[c]);
            }
        }
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        return coefficient * entropy(param.toDoubleVector(), experts, selectors, gamma);
    }

    @Override
    public Regularization clone() {
        return new SelectorEntropyRegularization(coefficient, experts, selectors, gamma);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SelectorEntropyRegularization other && Double.compare(coefficient, other.coefficient) == 0
                && experts == other.experts && selectors == other.selectors && Double.compare(gamma, other.gamma) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(coefficient, experts, selectors, gamma);
    }

    @Override
    public String toString() {
        return "SelectorEntropyRegularization(" + coefficient + ", experts=" + experts + ", selectors=" + selectors + ", gamma=" + gamma + ")";
    }
}
