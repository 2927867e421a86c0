package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fixed weights: the model's weights at the start of training (set by task name, 1 unless changed), or the
 * weights given here. The classic weighted sum of task losses.
 */
public final class FixedWeighting implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "fixed";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, FixedWeighting.class,
            o -> new FixedWeighting(o.weights()));

    private final Map<String, Double> given;
    private Map<String, Double> weights;

    /** Uses the model's current weights. */
    public FixedWeighting() {
        this.given = Map.of();
    }

    /** Uses these weights by task name; tasks not named keep the model's weight. */
    public FixedWeighting(Map<String, Double> weights) {
        weights.forEach((task, w) -> {
            if (w == null || !Double.isFinite(w) || w < 0) {
                throw new IllegalArgumentException("Task '" + task + "': fixed weight must be finite and >= 0, received " + w + ".");
            }
        });
        this.given = Map.copyOf(weights);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        for (String task : given.keySet()) {
            if (!context.tasks().contains(task)) {
                throw new IllegalArgumentException("Fixed weight for unknown task '" + task + "'; the tasks are " + context.tasks() + ".");
            }
        }
        Map<String, Double> w = new LinkedHashMap<>();
        for (String task : context.tasks()) {
            w.put(task, given.getOrDefault(task, context.initialWeights().get(task)));
        }
        weights = Collections.unmodifiableMap(w);
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        return weights;
    }
}
