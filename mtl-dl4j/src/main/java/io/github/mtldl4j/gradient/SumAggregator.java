package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Arrays;
import java.util.Random;

/**
 * The reference: every coefficient is 1, so the shared gradient is {@code Σ_k g_k}, the gradient of the plain sum of
 * the task losses (equal weights, "EW" in LibMTL). Every other aggregator is scaled to be comparable with it.
 */
public final class SumAggregator implements GradientAggregator {

    /** The command-line name. */
    public static final String NAME = "sum";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, SumAggregator.class,
            o -> new SumAggregator());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double[] coefficients(double[][] gram, Random random) {
        double[] ones = new double[Gram.of(gram, NAME).size()];
        Arrays.fill(ones, 1.0);
        return ones;
    }

    @Override
    public String toString() {
        return "SumAggregator";
    }
}
