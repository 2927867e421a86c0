package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.eval.TaskMetrics;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model and its baselines measured on held-out rows ({@link TabularTraining#heldOut}): rows that no training,
 * kept epoch or linear penalty was chosen on, so the one comparison free of selection on the validation rows.
 *
 * @param rows the held-out rows
 * @param metrics per task, the model's metrics on them
 * @param baselines the baselines' metrics on them (the same models as fitted), or null when the run fitted none
 */
public record HeldOutResults(int rows, Map<String, TaskMetrics> metrics, BaselineResults baselines) {
    /** Copies. */
    public HeldOutResults {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** The model's delta-m against each baseline on the held-out rows ({@link BaselineResults#deltaM}); empty without baselines. */
    public Map<String, Double> deltaM() {
        return baselines == null ? Map.of() : baselines.deltaM(metrics);
    }
}
