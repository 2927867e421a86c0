package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.eval.TaskMetrics;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The {@code metrics.json} of docs/design.md: per task its type, labelled rows {@code n}, loss and metrics, then the run's
 * settings. Undefined values (NaN) are written as {@code null}, since JSON has no NaN.
 */
public final class MetricsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsJson() {
    }

    /**
     * @param metrics per task
     * @param run top-level fields in order (architecture, weighting, parameters, epochs, train_seconds, seed, ...):
     *     numbers, strings or booleans
     */
    public static String write(Map<String, TaskMetrics> metrics, Map<String, Object> run) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode tasks = root.putObject("tasks");
        metrics.forEach((task, m) -> {
            ObjectNode t = tasks.putObject(task);
            t.put("type", m.type().name().toLowerCase(Locale.ROOT));
            t.put("n", m.count());
            m.metrics().forEach((name, value) -> number(t, name, value));
        });
        run.forEach((key, value) -> {
            if (value instanceof Number number) {
                number(root, key, number.doubleValue());
                if (value instanceof Integer || value instanceof Long) {
                    root.put(key, number.longValue());
                }
            } else if (value instanceof Boolean flag) {
                root.put(key, flag);
            } else {
                root.put(key, String.valueOf(value));
            }
        });
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("could not write metrics JSON", e);
        }
    }

    private static void number(ObjectNode node, String name, double value) {
        if (Double.isFinite(value)) {
            node.put(name, value);
        } else {
            node.putNull(name);
        }
    }
}
