package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.eval.Metric;
import io.github.mtldl4j.eval.RelativeImprovement;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.baseline.LinearBaselines;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The baselines of a run ({@link Baselines#LINEAR_AND_SINGLE_TASK}), measured on the same validation rows as the
 * model, by the same evaluator.
 *
 * @param linear per task, its linear model and metrics
 * @param singleTask per task, the single-task network's metrics
 * @param singleTaskParameters the single-task network's parameter count (all towers)
 * @param singleTaskKeptEpoch the epoch whose parameters the single-task network kept
 * @param linearSeconds wall time of the linear fits (the whole grid)
 * @param singleTaskSeconds wall time of the single-task network's training
 * @param singleTaskModel the single-task network, with its own preprocessing attached (to measure it on other rows)
 */
public record BaselineResults(Map<String, LinearBaselines.TaskFit> linear, Map<String, TaskMetrics> singleTask,
                              long singleTaskParameters, int singleTaskKeptEpoch, double linearSeconds, double singleTaskSeconds,
                              MultiTaskModel singleTaskModel) {
    /** Name of the linear baseline in metrics.json, tables and the report. */
    public static final String LINEAR = "linear";
    /** Name of the single-task baseline in metrics.json. */
    public static final String SINGLE_TASK = "single_task";

    /** Copies. */
    public BaselineResults {
        linear = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(linear));
        singleTask = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(singleTask));
    }

    /** The linear models' metrics by task. */
    public Map<String, TaskMetrics> linearMetrics() {
        Map<String, TaskMetrics> metrics = new LinkedHashMap<>();
        linear.forEach((task, fit) -> metrics.put(task, fit.metrics()));
        return metrics;
    }

    /** The linear models' parameter count (coefficients and intercepts of every task). */
    public long linearParameters() {
        return linear.values().stream().mapToLong(LinearBaselines.TaskFit::parameters).sum();
    }

    /** Per baseline ({@link #LINEAR}, {@link #SINGLE_TASK}) its metrics by task. */
    public Map<String, Map<String, TaskMetrics>> byBaseline() {
        Map<String, Map<String, TaskMetrics>> all = new LinkedHashMap<>();
        all.put(LINEAR, linearMetrics());
        all.put(SINGLE_TASK, singleTask);
        return all;
    }

    /**
     * Delta-m of {@code model} against each baseline (Maninis et al. 2019): the mean over tasks of the mean relative
     * gain over the metrics delta-m compares for the task's type ({@link Metric#comparedByDeltaM}); positive = the model
     * is better. NaN against a baseline where delta-m is undefined (a compared metric of the baseline is 0, e.g. the F1
     * of a baseline that never predicts the positive class).
     */
    public Map<String, Double> deltaM(Map<String, TaskMetrics> model) {
        Map<String, List<String>> compared = new LinkedHashMap<>();
        model.forEach((task, m) -> compared.put(task, Metric.comparedByDeltaM(m.type()).stream().map(Metric::key).toList()));
        Map<String, Double> deltas = new LinkedHashMap<>();
        byBaseline().forEach((name, baseline) -> {
            double delta;
            try {
                delta = RelativeImprovement.deltaMOverMetrics(maps(model), maps(baseline), compared);
            } catch (IllegalArgumentException undefined) {
                delta = Double.NaN;
            }
            deltas.put(name, delta);
        });
        return deltas;
    }

    /** Task to metric to value. */
    public static Map<String, Map<String, Double>> maps(Map<String, TaskMetrics> metrics) {
        Map<String, Map<String, Double>> maps = new LinkedHashMap<>();
        metrics.forEach((task, m) -> maps.put(task, m.metrics()));
        return maps;
    }
}
