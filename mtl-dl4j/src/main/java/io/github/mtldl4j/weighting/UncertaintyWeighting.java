package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.Map;

/**
 * Uncertainty weighting (Kendall, Gal and Cipolla, "Multi-Task Learning Using Uncertainty to Weigh Losses for Scene
 * Geometry and Semantics", CVPR 2018): learned log-variances s_t, total loss Σ_t 0.5 exp(−s_t) L_t + 0.5 s_t, so
 * w_t = 0.5 exp(−s_t). After each step s is moved by the network's optimizer (its own instance) along
 * ∂total/∂s_t = 0.5 − 0.5 exp(−s_t) L_t, using the step's losses; s starts at 0 (w = 0.5).
 */
public final class UncertaintyWeighting extends LearnedPerTaskWeighting {
    /** The command-line name. */
    public static final String NAME = "uncertainty";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, UncertaintyWeighting.class,
            o -> new UncertaintyWeighting(), Need.STEP_UPDATES);

    /** Log-variances starting at 0 (weights 1/2), stepped by the network's optimizer. */
    public UncertaintyWeighting() {
        super("log_variance_");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        learn(context.tasks(), context.updater());
    }

    /** The current log-variances s_t by task. */
    public Map<String, Double> logVariances() {
        return parameters.byTask(tasks, s -> s);
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        return parameters.byTask(tasks, s -> 0.5 * Math.exp(-s));
    }

    @Override
    public void afterStep(StepObservation observation) {
        double[] s = parameters.values();
        double[] gradient = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            Double loss = observation.losses().get(tasks.get(i));
            // A task without labels in the batch contributes nothing to the total, so its s_t gets no gradient.
            gradient[i] = loss == null ? 0.0 : 0.5 - 0.5 * Math.exp(-s[i]) * loss;
        }
        parameters.step(gradient);
    }
}
