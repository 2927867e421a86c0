package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Geometric loss strategy (Chennupati, Sistu, Yogamani and Rawashdeh, "MultiNet++: Multi-Stream Feature Aggregation
 * and Geometric Loss Strategy for Multi-Task Learning", CVPR Workshops 2019): the total loss is the geometric mean
 * GLS = (Π_t L_t)^(1/K) of the K task losses. Its gradient is Σ_t (GLS / (K L_t)) ∇L_t, so a step weighs task t by
 * w_t = GLS / (K L_t), computed from that step's own losses (and Σ_t w_t L_t = GLS). A task without labels in a batch
 * is left out of that step's mean (weight 0). Losses are floored at 1e-12 so that a task with a zero loss keeps
 * finite weights.
 */
public final class GeometricLossStrategy implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "gls";

    /** Name, kind and needs, for {@code MethodRegistry}: weights change every step, from that step's losses. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, GeometricLossStrategy.class,
            o -> new GeometricLossStrategy(), Need.STEP_UPDATES);

    static final double FLOOR = 1e-12;

    private List<String> tasks;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        tasks = context.tasks();
    }

    @Override
    public boolean weighsByStepLosses() {
        return true;
    }

    /** Outside a step (equal losses): 1/K each. */
    @Override
    public Map<String, Double> nextStepWeights() {
        Map<String, Double> w = new LinkedHashMap<>();
        tasks.forEach(t -> w.put(t, 1.0 / tasks.size()));
        return w;
    }

    @Override
    public Map<String, Double> stepWeights(Map<String, Double> stepLosses) {
        int k = 0;
        double logSum = 0;
        for (String task : tasks) {
            Double loss = stepLosses.get(task);
            if (loss != null) {
                logSum += Math.log(Math.max(FLOOR, loss));
                k++;
            }
        }
        double gls = Math.exp(logSum / k);
        Map<String, Double> w = new LinkedHashMap<>();
        for (String task : tasks) {
            Double loss = stepLosses.get(task);
            w.put(task, loss == null ? 0.0 : gls / (k * Math.max(FLOOR, loss)));
        }
        return w;
    }
}
