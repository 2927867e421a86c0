package io.github.mtldl4j.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The multi-task relative improvement delta-m: how much better a model M does than a baseline B (usually the
 * single-task models), averaged over tasks,
 * <pre>
 *   delta-m = (1/T) sum_t (-1)^l_t (M_t - B_t) / B_t,   l_t = 1 if lower is better for task t's metric, else 0,
 * </pre>
 * as a fraction: 0.05 means 5 % better on average, negative means worse. A task whose value improves by 10 %
 * counts as much as one that worsens by 10 %, whatever the metric's scale.
 *
 * <p>References: K.-K. Maninis, I. Radosavovic and I. Kokkinos, "Attentive Single-Tasking of Multiple Tasks",
 * CVPR 2019 (which introduced it, one metric per task); S. Vandenhende, S. Georgoulis, W. Van Gansbeke,
 * M. Proesmans, D. Dai and L. Van Gool, "Multi-Task Learning for Dense Prediction Tasks: A Survey", IEEE TPAMI 2021
 * (the formula above, with positive = better than the baseline).
 *
 * <p>With several metrics per task ({@link #deltaMOverMetrics}), each task's metrics are averaged first and the
 * tasks then, so every task weighs the same whatever its number of metrics; LibMTL (Lin and Zhang, JMLR 2023) does
 * the same. Some papers average over all metrics of all tasks at once instead (e.g. the NYUv2 tables of Navon et al.,
 * "Multi-Task Learning as a Bargaining Game", ICML 2022), which gives a task with more metrics more weight; with one
 * metric per task both agree.
 *
 * <p>The ratio is only meaningful for positive metric values, so a zero or negative baseline is refused (r2 can be
 * negative: compare on rmse or mae then), and so are NaN or infinite values (an undefined metric, such as AUC on
 * a split with one class, has no relative change).
 */
public final class RelativeImprovement {
    private RelativeImprovement() {
    }

    /**
     * delta-m from one metric value per task.
     *
     * @param model the model's value per task name
     * @param baseline the baseline's value per task name; the same tasks as {@code model}
     * @param lowerIsBetter per task, whether a lower value of its metric is better (e.g. true for rmse); the same tasks
     * @return the mean over tasks of the signed relative changes, a fraction (positive = model better)
     * @throws IllegalArgumentException if the task sets differ or are empty, or for a missing, NaN or infinite value
     *     or a zero or negative baseline; the message names the task
     */
    public static double deltaM(Map<String, Double> model, Map<String, Double> baseline, Map<String, Boolean> lowerIsBetter) {
        return mean(perTask(model, baseline, lowerIsBetter));
    }

    /**
     * Each task's signed relative change {@code (-1)^l (M - B) / B} (positive = model better), by task name in the
     * order of {@code model}; {@link #deltaM} is their mean. Same arguments and refusals as {@link #deltaM}.
     */
    public static Map<String, Double> perTask(Map<String, Double> model, Map<String, Double> baseline, Map<String, Boolean> lowerIsBetter) {
        requireSameTasks(model, baseline, "lowerIsBetter", lowerIsBetter);
        Map<String, Double> changes = new LinkedHashMap<>();
        for (String task : model.keySet()) {
            Boolean lower = lowerIsBetter.get(task);
            if (lower == null) {
                throw new IllegalArgumentException("Task '" + task + "': lowerIsBetter is null; expected true (e.g. rmse) or false (e.g. accuracy).");
            }
            changes.put(task, change(task, "its metric", model.get(task), baseline.get(task), lower));
        }
        return changes;
    }

    /**
     * delta-m from per-task metric maps (as {@link TaskEvaluator#metrics()} or
     * {@link MultiTaskEvaluation#metricsByTask()} return them): each task's listed metrics are averaged first, then
     * the tasks. Whether lower is better comes from {@link TaskEvaluator#lowerIsBetter(String)}.
     *
     * @param model the model's metrics per task name
     * @param baseline the baseline's metrics per task name; the same tasks
     * @param metrics per task, the metrics to compare (at least one), e.g. {@code List.of("rmse")} or
     *     {@code List.of(TaskEvaluator.mainMetric(type))}; the same tasks
     * @return delta-m as a fraction (positive = model better)
     * @throws IllegalArgumentException if the task sets differ or are empty, a task lists no metric, a listed metric is
     *     unknown or missing from a map, or a value is NaN, infinite, or a zero or negative baseline; the message
     *     names the task and metric
     */
    public static double deltaMOverMetrics(Map<String, Map<String, Double>> model, Map<String, Map<String, Double>> baseline,
                                           Map<String, List<String>> metrics) {
        return mean(perTaskOverMetrics(model, baseline, metrics));
    }

    /**
     * Each task's mean signed relative change over its listed metrics, by task name in the order of {@code model};
     * {@link #deltaMOverMetrics} is their mean. Same arguments and refusals as {@link #deltaMOverMetrics}.
     */
    public static Map<String, Double> perTaskOverMetrics(Map<String, Map<String, Double>> model,
                                                         Map<String, Map<String, Double>> baseline,
                                                         Map<String, List<String>> metrics) {
        requireSameTasks(model, baseline, "metrics", metrics);
        Map<String, Double> changes = new LinkedHashMap<>();
        for (String task : model.keySet()) {
            List<String> names = metrics.get(task);
            if (names == null || names.isEmpty()) {
                throw new IllegalArgumentException("Task '" + task + "': no metric listed; expected at least one, e.g. List.of(\"rmse\").");
            }
            Map<String, Double> modelMetrics = Objects.requireNonNull(model.get(task), () -> "Task '" + task + "': model metrics are null.");
            Map<String, Double> baselineMetrics = Objects.requireNonNull(baseline.get(task), () -> "Task '" + task + "': baseline metrics are null.");
            double sum = 0;
            for (String metric : names) {
                boolean lower = TaskEvaluator.lowerIsBetter(metric);
                requirePresent(task, metric, "model", modelMetrics);
                requirePresent(task, metric, "baseline", baselineMetrics);
                sum += change(task, metric, modelMetrics.get(metric), baselineMetrics.get(metric), lower);
            }
            changes.put(task, sum / names.size());
        }
        return changes;
    }

    private static double change(String task, String metric, Double model, Double baseline, boolean lowerIsBetter) {
        String what = "Task '" + task + "' (" + metric + "): ";
        if (model == null || baseline == null) {
            throw new IllegalArgumentException(what + "the " + (model == null ? "model" : "baseline") + " value is null; expected a number.");
        }
        requireFinite(what, "model", model);
        requireFinite(what, "baseline", baseline);
        if (baseline <= 0) {
            throw new IllegalArgumentException(what + "the baseline value is " + baseline + "; delta-m divides by the baseline, which "
                    + "is only meaningful for a positive one: compare on a metric that is positive for this task (e.g. rmse instead of r2).");
        }
        return (lowerIsBetter ? -1 : 1) * (model - baseline) / baseline;
    }

    private static void requireFinite(String what, String side, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(what + "the " + side + " value is " + value + "; delta-m needs finite values on both "
                    + "sides (an undefined metric, such as AUC on a split with one class, has no relative change): compare on another "
                    + "metric or a larger split.");
        }
    }

    private static void requirePresent(String task, String metric, String side, Map<String, Double> metrics) {
        if (!metrics.containsKey(metric)) {
            throw new IllegalArgumentException("Task '" + task + "': the " + side + " has no metric '" + metric + "'; it has "
                    + metrics.keySet() + ".");
        }
    }

    private static void requireSameTasks(Map<String, ?> model, Map<String, ?> baseline, String thirdName, Map<String, ?> third) {
        Objects.requireNonNull(model, "model is null; expected values by task name.");
        Objects.requireNonNull(baseline, "baseline is null; expected values by task name.");
        Objects.requireNonNull(third, thirdName + " is null; expected values by task name.");
        if (model.isEmpty()) {
            throw new IllegalArgumentException("No tasks: delta-m needs at least one task on both sides.");
        }
        if (!model.keySet().equals(baseline.keySet()) || !model.keySet().equals(third.keySet())) {
            Set<String> all = new TreeSet<>(model.keySet());
            all.addAll(baseline.keySet());
            all.addAll(third.keySet());
            StringBuilder missing = new StringBuilder();
            appendMissing(missing, "model", model.keySet(), all);
            appendMissing(missing, "baseline", baseline.keySet(), all);
            appendMissing(missing, thirdName, third.keySet(), all);
            throw new IllegalArgumentException("The task sets differ: model has " + new TreeSet<>(model.keySet()) + ", baseline has "
                    + new TreeSet<>(baseline.keySet()) + ", " + thirdName + " has " + new TreeSet<>(third.keySet()) + " (" + missing
                    + "); delta-m compares the same tasks on both sides.");
        }
    }

    private static void appendMissing(StringBuilder out, String side, Set<String> has, Set<String> all) {
        Set<String> missing = new TreeSet<>(all);
        missing.removeAll(has);
        if (!missing.isEmpty()) {
            out.append(out.length() == 0 ? "" : "; ").append("missing from ").append(side).append(": ").append(missing);
        }
    }

    private static double mean(Map<String, Double> changes) {
        return changes.values().stream().mapToDouble(Double::doubleValue).sum() / changes.size();
    }
}
