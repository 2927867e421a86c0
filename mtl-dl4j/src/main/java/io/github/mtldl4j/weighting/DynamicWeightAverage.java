package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic weight average (Liu, Johns and Davison, "End-to-End Multi-Task Learning with Attention", CVPR 2019):
 * λ_t(e) = T exp(r_t / τ) / Σ_i exp(r_i / τ) with r_t = L_t(e−1) / L_t(e−2), the ratio of the task's mean
 * training losses over the two previous epochs; weights are 1 for the first two epochs. τ = 2 by default.
 */
public final class DynamicWeightAverage implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "dwa";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, DynamicWeightAverage.class,
            o -> new DynamicWeightAverage());

    /** The paper's temperature. */
    public static final double DEFAULT_TEMPERATURE = 2.0;

    private final double temperature;
    private List<String> tasks;
    private Map<String, Double> previous;
    private Map<String, Double> beforePrevious;
    private Map<String, Double> weights;

    /** With τ = 2. */
    public DynamicWeightAverage() {
        this(DEFAULT_TEMPERATURE);
    }

    /** With temperature τ > 0 (larger: weights closer to equal). */
    public DynamicWeightAverage(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("DWA temperature must be finite and > 0, received " + temperature + ".");
        }
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        tasks = context.tasks();
        previous = null;
        beforePrevious = null;
        weights = equalWeights();
    }

    private Map<String, Double> equalWeights() {
        Map<String, Double> w = new LinkedHashMap<>();
        tasks.forEach(t -> w.put(t, 1.0));
        return Collections.unmodifiableMap(w);
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        return weights;
    }

    @Override
    public void afterEpoch(int epoch, Map<String, Double> meanTrainLosses) {
        beforePrevious = previous;
        previous = Map.copyOf(meanTrainLosses);
        weights = beforePrevious == null ? equalWeights() : weightsFrom(previous, beforePrevious);
    }

    /** The mean training losses of the last two epochs (absent before they exist) and the current weights. */
    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> state = new LinkedHashMap<>();
        if (previous != null) {
            state.put("previous_losses", LossWeightingState.inTaskOrder(tasks, previous));
        }
        if (beforePrevious != null) {
            state.put("before_previous_losses", LossWeightingState.inTaskOrder(tasks, beforePrevious));
        }
        state.put("weights", LossWeightingState.inTaskOrder(tasks, weights));
        return state;
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        double[] w = LossWeightingState.require(state, "weights", tasks.size(), name());
        previous = state.containsKey("previous_losses") ? Map.copyOf(LossWeightingState.byTask(tasks,
                LossWeightingState.require(state, "previous_losses", tasks.size(), name()))) : null;
        beforePrevious = state.containsKey("before_previous_losses") ? Map.copyOf(LossWeightingState.byTask(tasks,
                LossWeightingState.require(state, "before_previous_losses", tasks.size(), name()))) : null;
        weights = Collections.unmodifiableMap(new LinkedHashMap<>(LossWeightingState.byTask(tasks, w)));
    }

    /** The DWA weights for losses of epochs e−1 ({@code last}) and e−2 ({@code beforeLast}). */
    Map<String, Double> weightsFrom(Map<String, Double> last, Map<String, Double> beforeLast) {
        double[] r = new double[tasks.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < r.length; i++) {
            String task = tasks.get(i);
            Double now = last.get(task);
            Double before = beforeLast.get(task);
            // A task without labels in an epoch, or with a zero loss, keeps the neutral ratio 1.
            r[i] = now == null || before == null || !(before > 0) || !Double.isFinite(now) ? 1.0 : now / before;
            max = Math.max(max, r[i] / temperature);
        }
        double sum = 0;
        double[] e = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            e[i] = Math.exp(r[i] / temperature - max);
            sum += e[i];
        }
        Map<String, Double> w = new LinkedHashMap<>();
        for (int i = 0; i < r.length; i++) {
            w.put(tasks.get(i), tasks.size() * e[i] / sum);
        }
        return Collections.unmodifiableMap(w);
    }
}
