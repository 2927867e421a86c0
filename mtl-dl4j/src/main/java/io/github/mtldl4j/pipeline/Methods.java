package io.github.mtldl4j.pipeline;

import io.github.mtldl4j.gradient.CaGrad;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.ImtlG;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.gradient.SumAggregator;
import io.github.mtldl4j.gradient.UpGrad;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.RandomLossWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.List;
import java.util.Map;

/**
 * The command line's method names ({@code --weighting NAME}) and what they make: a loss weighting, or a gradient
 * aggregator used with the given fixed weights. One place, so names stay in step with docs/design.md.
 */
public final class Methods {
    /** Every accepted name, loss weightings first. */
    public static final List<String> NAMES = List.of("fixed", "uncertainty", "dwa", "rlw", "gradnorm",
            "sum", "pcgrad", "mgda", "cagrad", "imtl", "upgrad");

    private Methods() {
    }

    /** The loss weighting a name stands for ({@code fixed} with {@code weights} for aggregator names). */
    public static LossWeighting weighting(String name, Map<String, Double> weights) {
        return switch (check(name)) {
            case "uncertainty" -> new UncertaintyWeighting();
            case "dwa" -> new DynamicWeightAverage();
            case "rlw" -> new RandomLossWeighting();
            case "gradnorm" -> new GradNorm();
            default -> new FixedWeighting(weights);
        };
    }

    /** The gradient aggregator a name stands for, or null for loss weightings. */
    public static GradientAggregator aggregator(String name) {
        return switch (check(name)) {
            case "sum" -> new SumAggregator();
            case "pcgrad" -> new PcGrad();
            case "mgda" -> new MgdaUb(true);
            case "cagrad" -> new CaGrad();
            case "imtl" -> new ImtlG();
            case "upgrad" -> new UpGrad();
            default -> null;
        };
    }

    /** Whether the method needs the shared-representation tap (MGDA-UB). */
    public static boolean needsRepresentationTap(String name) {
        return "mgda".equals(check(name));
    }

    private static String check(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown weighting '" + name + "'; expected one of " + NAMES + ".");
        }
        return name;
    }
}
