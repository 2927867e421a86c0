package io.github.mtldl4j.gradient;

/** Placeholder until the aggregators branch lands; replaced by its version. */
public interface GradientAggregator {
    String name();

    double[] coefficients(double[][] gram, java.util.Random random);

    default boolean usesRepresentationGradients() {
        return false;
    }
}
