package io.github.mtldl4j.eval;

import io.github.mtldl4j.task.TaskType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One task's evaluation: what {@code metrics.json} holds per task.
 *
 * @param type the task type
 * @param count the number of labelled rows evaluated (the {@code n} of {@code metrics.json})
 * @param metrics the metrics by name, in {@link TaskEvaluator#metricNames(TaskType)} order; NaN where undefined
 */
public record TaskMetrics(TaskType type, long count, Map<String, Double> metrics) {

    /** Copies the map, keeping its order. */
    public TaskMetrics {
        Objects.requireNonNull(type, "type is null");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, received " + count + ".");
        }
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** The value of {@code metric}; IllegalArgumentException naming the available metrics if there is none. */
    public double get(String metric) {
        Double value = metrics.get(metric);
        if (value == null) {
            throw new IllegalArgumentException("No metric '" + metric + "' for a " + type + " task: available are "
                    + metrics.keySet() + ".");
        }
        return value;
    }

    /** The value of the task type's main metric ({@link TaskEvaluator#mainMetric(TaskType)}). */
    public double main() {
        return get(TaskEvaluator.mainMetric(type));
    }
}
