package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.eval.TaskMetrics;
import java.io.IOException;
import java.util.List;
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
     *     numbers, strings, booleans, lists, or maps of name to number (or to any of these)
     */
    public static String write(Map<String, TaskMetrics> metrics, Map<String, Object> run) {
        return write(metrics, run, null);
    }

    /**
     * As {@link #write(Map, Map)}, followed by the {@code baselines} block when {@code baselines} is not null:
     * {@code {"linear": {task: metrics}, "single_task": {task: metrics}, "delta_m": {"linear": x, "single_task": y},
     * "linear_models": {task: description}, "parameters": {...}}}, delta-m being the model's against each baseline.
     */
    public static String write(Map<String, TaskMetrics> metrics, Map<String, Object> run, BaselineResults baselines) {
        return write(metrics, run, baselines, null, null);
    }

    /**
     * As {@link #write(Map, Map, BaselineResults)}, followed by the {@code test} block when {@code heldOut} is not null:
     * {@code {"data": source, "rows": n, "tasks": {task: metrics}, "baselines": {...}}}, the baselines block as above
     * but measured on the held-out rows (present when the run fitted baselines).
     *
     * @param heldOutSource where the held-out rows came from (e.g. the file given to {@code --test-data})
     */
    public static String write(Map<String, TaskMetrics> metrics, Map<String, Object> run, BaselineResults baselines,
                               HeldOutResults heldOut, String heldOutSource) {
        ObjectNode root = JSON.createObjectNode();
        tasks(root.putObject("tasks"), metrics);
        run.forEach((key, value) -> {
            if (value == null) {
                root.putNull(key);
            } else if (value instanceof Number number) {
                number(root, key, number.doubleValue());
                if (value instanceof Integer || value instanceof Long) {
                    root.put(key, number.longValue());
                }
            } else if (value instanceof Boolean flag) {
                root.put(key, flag);
            } else if (value instanceof Map<?, ?> map) {
                ObjectNode inner = root.putObject(key);
                map.forEach((name, field) -> {
                    if (field instanceof Number number) {
                        number(inner, String.valueOf(name), number.doubleValue());
                    } else {
                        inner.set(String.valueOf(name), JSON.valueToTree(field));
                    }
                });
            } else if (value instanceof List<?> list) {
                root.set(key, JSON.valueToTree(list));
            } else {
                root.put(key, String.valueOf(value));
            }
        });
        if (baselines != null) {
            baselines(root.putObject("baselines"), baselines, metrics);
        }
        if (heldOut != null) {
            ObjectNode test = root.putObject("test");
            test.put("data", String.valueOf(heldOutSource));
            test.put("rows", heldOut.rows());
            tasks(test.putObject("tasks"), heldOut.metrics());
            if (heldOut.baselines() != null) {
                baselines(test.putObject("baselines"), heldOut.baselines(), heldOut.metrics());
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("could not write metrics JSON", e);
        }
    }

    private static void baselines(ObjectNode block, BaselineResults baselines, Map<String, TaskMetrics> metrics) {
        baselines.byBaseline().forEach((name, byTask) -> tasks(block.putObject(name), byTask));
        ObjectNode deltaM = block.putObject("delta_m");
        baselines.deltaM(metrics).forEach((name, value) -> number(deltaM, name, value));
        ObjectNode models = block.putObject("linear_models");
        baselines.linear().forEach((task, fit) -> models.put(task, fit.model()));
        ObjectNode parameters = block.putObject("parameters");
        parameters.put(BaselineResults.LINEAR, baselines.linearParameters());
        parameters.put(BaselineResults.SINGLE_TASK, baselines.singleTaskParameters());
        block.put("single_task_kept_epoch", baselines.singleTaskKeptEpoch());
    }

    private static void tasks(ObjectNode tasks, Map<String, TaskMetrics> metrics) {
        metrics.forEach((task, m) -> {
            ObjectNode t = tasks.putObject(task);
            t.put("type", m.type().name().toLowerCase(Locale.ROOT));
            t.put("n", m.count());
            m.metrics().forEach((name, value) -> number(t, name, value));
        });
    }

    private static void number(ObjectNode node, String name, double value) {
        if (Double.isFinite(value)) {
            node.put(name, value);
        } else {
            node.putNull(name);
        }
    }
}
