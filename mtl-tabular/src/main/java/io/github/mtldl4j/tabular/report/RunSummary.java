package io.github.mtldl4j.tabular.report;

import io.github.mtldl4j.eval.Metric;
import io.github.mtldl4j.model.ParameterCounts;
import io.github.mtldl4j.task.TaskType;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.TrainingHistory;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Everything {@link HtmlReport} shows about one training run. Immutable: every map and list is copied, keeping its
 * order. Build one with {@link #builder(String, TrainingHistory)}; only the title and the history are required.
 *
 * @param title the report's heading, e.g. "penguins: hard sharing, uncertainty weighting"
 * @param tasks task names in task order (the order of tables and the colour of each task in every chart)
 * @param history every epoch of the run; each epoch must report every task
 * @param metrics final validation metrics, task -> metric name -> value (NaN = undefined); tasks may be left out
 * @param mainMetrics per task, the metric that stands for it (see {@code TaskEvaluator.mainMetric}); a task with
 *     metrics but no entry here has none marked
 * @param parameters shared and per-task parameter counts, or null when unknown
 * @param gateUtilization task -> expert -> mean gate weight; empty when the architecture has no gates
 * @param settings what the run was: architecture, weighting, epochs, seed, data file, ... in display order
 * @param comparison several runs side by side (the demo): run name -> task -> metric -> value; may be empty
 * @param deltaM run name -> delta-m against the baseline, as a fraction (0.05 = 5 % better); may be empty
 * @param baselines this run beside its baselines (first the run, then e.g. linear and single-task): name -> task ->
 *     metric -> value; may be empty
 * @param baselineDeltaM baseline name -> this run's delta-m against it, as a fraction; may be empty
 * @param heldOut this run (and its baselines) measured on held-out test rows, the run first: name -> task -> metric ->
 *     value; may be empty
 * @param heldOutDeltaM baseline name -> this run's delta-m against it on the held-out rows; may be empty
 */
public record RunSummary(String title, List<String> tasks, TrainingHistory history,
                         Map<String, Map<String, Double>> metrics, Map<String, String> mainMetrics,
                         ParameterCounts parameters, Map<String, Map<String, Double>> gateUtilization,
                         Map<String, String> settings, Map<String, Map<String, Map<String, Double>>> comparison,
                         Map<String, Double> deltaM, Map<String, Map<String, Map<String, Double>>> baselines,
                         Map<String, Double> baselineDeltaM, Map<String, Map<String, Map<String, Double>>> heldOut,
                         Map<String, Double> heldOutDeltaM) {

    /**
     * Validates and copies.
     *
     * @throws NullPointerException for a null title, task list, history or map, or a null key or value inside
     * @throws IllegalArgumentException for a blank title, no tasks, a repeated task, an epoch that does not report
     *     every task, or a metric, main metric, parameter count or gate entry for a task not in {@code tasks}
     */
    public RunSummary {
        Objects.requireNonNull(title, "title is null; expected the report's heading.");
        if (title.isBlank()) {
            throw new IllegalArgumentException("title is blank; expected the report's heading, e.g. the data set and architecture.");
        }
        Objects.requireNonNull(tasks, "tasks is null; expected the task names in task order.");
        Objects.requireNonNull(history, "history is null; expected the run's TrainingHistory.");
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("No tasks; expected at least one task name.");
        }
        Set<String> seen = new HashSet<>();
        for (String task : tasks) {
            Objects.requireNonNull(task, "A task name is null; received " + tasks + ".");
            if (!seen.add(task)) {
                throw new IllegalArgumentException("Task '" + task + "' appears twice in " + tasks + "; expected each task once.");
            }
        }
        tasks = List.copyOf(tasks);
        for (EpochReport epoch : history.epochs()) {
            if (!epoch.tasks().keySet().containsAll(tasks)) {
                Set<String> missing = new LinkedHashSet<>(tasks);
                missing.removeAll(epoch.tasks().keySet());
                throw new IllegalArgumentException("Epoch " + epoch.epoch() + " of the history has no figures for " + missing
                        + "; it reports " + epoch.tasks().keySet() + ". Pass the tasks the history was trained on.");
            }
        }
        metrics = copyNested("metrics", metrics);
        requireKnownTasks("metrics", metrics.keySet(), tasks);
        mainMetrics = copy("mainMetrics", mainMetrics);
        requireKnownTasks("mainMetrics", mainMetrics.keySet(), tasks);
        if (parameters != null) {
            requireKnownTasks("parameters", parameters.perTask().keySet(), tasks);
        }
        gateUtilization = copyNested("gateUtilization", gateUtilization);
        requireKnownTasks("gateUtilization", gateUtilization.keySet(), tasks);
        settings = copy("settings", settings);
        comparison = copyRuns("comparison", comparison);
        deltaM = copy("deltaM", deltaM);
        baselines = copyRuns("baselines", baselines);
        baselineDeltaM = copy("baselineDeltaM", baselineDeltaM);
        heldOut = copyRuns("heldOut", heldOut);
        heldOutDeltaM = copy("heldOutDeltaM", heldOutDeltaM);
    }

    /** Runs side by side (run -> task -> metric -> value), validated and copied; {@code what} names the component. */
    private static Map<String, Map<String, Map<String, Double>>> copyRuns(String what, Map<String, Map<String, Map<String, Double>>> runs) {
        Objects.requireNonNull(runs, what + " is null; expected run -> task -> metric -> value, or an empty map.");
        Map<String, Map<String, Map<String, Double>>> copied = new LinkedHashMap<>();
        runs.forEach((run, byTask) -> copied.put(Objects.requireNonNull(run, "A run name in " + what + " is null."),
                copyNested(what + " of run '" + run + "'", byTask)));
        return Collections.unmodifiableMap(copied);
    }

    /** Starts a summary of a run; the tasks default to those of the history's first epoch. */
    public static Builder builder(String title, TrainingHistory history) {
        return new Builder(title, history);
    }

    /** The number of epochs in the history. */
    public int epochs() {
        return history.epochs().size();
    }

    private static void requireKnownTasks(String what, Set<String> keys, List<String> tasks) {
        for (String key : keys) {
            if (!tasks.contains(key)) {
                throw new IllegalArgumentException(what + " names task '" + key + "', which is not one of the tasks " + tasks
                        + "; expected only those tasks.");
            }
        }
    }

    private static <V> Map<String, V> copy(String what, Map<String, V> map) {
        Objects.requireNonNull(map, what + " is null; expected a map (may be empty).");
        Map<String, V> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> copy.put(Objects.requireNonNull(key, () -> "A key of " + what + " is null."),
                Objects.requireNonNull(value, () -> what + " has a null value for '" + key + "'; use NaN for an undefined number.")));
        return Collections.unmodifiableMap(copy);
    }

    private static <V> Map<String, Map<String, V>> copyNested(String what, Map<String, Map<String, V>> map) {
        Objects.requireNonNull(map, what + " is null; expected a map (may be empty).");
        Map<String, Map<String, V>> copy = new LinkedHashMap<>();
        map.forEach((key, inner) -> copy.put(Objects.requireNonNull(key, () -> "A key of " + what + " is null."),
                copy(what + " of '" + key + "'", inner)));
        return Collections.unmodifiableMap(copy);
    }

    /** Collects the optional parts of a {@link RunSummary}; every setter replaces what was set before. */
    public static final class Builder {
        /** The main metrics of the task types, in an order where each identifies its type (binary has accuracy too). */
        private static final List<String> MAIN_METRIC_BY_TYPE = Stream.of(TaskType.REGRESSION, TaskType.BINARY,
                TaskType.MULTILABEL, TaskType.MULTICLASS).map(type -> Metric.main(type).key()).toList();
        private final String title;
        private final TrainingHistory history;
        private List<String> tasks;
        private Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        private final Map<String, String> mainMetrics = new LinkedHashMap<>();
        private ParameterCounts parameters;
        private Map<String, Map<String, Double>> gateUtilization = new LinkedHashMap<>();
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Map<String, Map<String, Map<String, Double>>> comparison = new LinkedHashMap<>();
        private Map<String, Double> deltaM = new LinkedHashMap<>();
        private Map<String, Map<String, Map<String, Double>>> baselines = new LinkedHashMap<>();
        private Map<String, Map<String, Map<String, Double>>> heldOut = new LinkedHashMap<>();
        private Map<String, Double> heldOutDeltaM = new LinkedHashMap<>();
        private Map<String, Double> baselineDeltaM = new LinkedHashMap<>();

        private Builder(String title, TrainingHistory history) {
            this.title = title;
            this.history = Objects.requireNonNull(history, "history is null; expected the run's TrainingHistory.");
            this.tasks = history.epochs().isEmpty() ? List.of() : List.copyOf(history.epochs().get(0).tasks().keySet());
        }

        /** The task names in task order (needed when the history has no epoch). */
        public Builder tasks(List<String> names) {
            this.tasks = Objects.requireNonNull(names, "tasks is null; expected the task names in task order.");
            return this;
        }

        /** Final validation metrics, task -> metric -> value. */
        public Builder metrics(Map<String, Map<String, Double>> byTask) {
            this.metrics = Objects.requireNonNull(byTask, "metrics is null; expected task -> metric -> value.");
            return this;
        }

        /** Marks {@code metric} as the main metric of {@code task} (a column of its own in the metrics table). */
        public Builder mainMetric(String task, String metric) {
            mainMetrics.put(task, metric);
            return this;
        }

        /** Shared and per-task parameter counts. */
        public Builder parameters(ParameterCounts counts) {
            this.parameters = counts;
            return this;
        }

        /** Task -> expert -> mean gate weight, for architectures with gates. */
        public Builder gateUtilization(Map<String, Map<String, Double>> byTask) {
            this.gateUtilization = Objects.requireNonNull(byTask, "gateUtilization is null; expected task -> expert -> weight.");
            return this;
        }

        /** Adds one setting (shown in the order added). */
        public Builder setting(String name, Object value) {
            settings.put(name, String.valueOf(value));
            return this;
        }

        /** Adds settings (shown in the map's order, after those added before). */
        public Builder settings(Map<String, String> values) {
            settings.putAll(values);
            return this;
        }

        /** Runs side by side: run -> task -> metric -> value. */
        public Builder comparison(Map<String, Map<String, Map<String, Double>>> runs) {
            this.comparison = Objects.requireNonNull(runs, "comparison is null; expected run -> task -> metric -> value.");
            return this;
        }

        /**
         * This run beside its baselines (name -> task -> metric -> value, the run first) and the run's delta-m against
         * each baseline (name -> fraction).
         */
        public Builder baselines(Map<String, Map<String, Map<String, Double>>> runs, Map<String, Double> deltaMOfThisRun) {
            this.baselines = Objects.requireNonNull(runs, "baselines is null; expected name -> task -> metric -> value.");
            this.baselineDeltaM = Objects.requireNonNull(deltaMOfThisRun, "baselineDeltaM is null; expected name -> delta-m.");
            return this;
        }

        /**
         * This run (and its baselines, if any) measured on held-out test rows (name -> task -> metric -> value, the run
         * first) and the run's delta-m against each baseline there.
         */
        public Builder heldOut(Map<String, Map<String, Map<String, Double>>> runs, Map<String, Double> deltaMOfThisRun) {
            this.heldOut = Objects.requireNonNull(runs, "heldOut is null; expected name -> task -> metric -> value.");
            this.heldOutDeltaM = Objects.requireNonNull(deltaMOfThisRun, "heldOutDeltaM is null; expected name -> delta-m.");
            return this;
        }

        /** Run -> delta-m against the baseline, as a fraction. */
        public Builder deltaM(Map<String, Double> byRun) {
            this.deltaM = Objects.requireNonNull(byRun, "deltaM is null; expected run -> delta-m.");
            return this;
        }

        /**
         * Validates and builds; see the {@link RunSummary} constructor for what is refused. A task with metrics but no
         * {@link #mainMetric} gets the one {@code TaskEvaluator.mainMetric} gives its type, recognized by its metric
         * names: {@code rmse} (regression), {@code auc} (binary), {@code micro_f1} (multi-label), {@code accuracy}
         * (multi-class).
         */
        public RunSummary build() {
            Map<String, String> main = new LinkedHashMap<>();
            if (metrics != null) {
                metrics.forEach((task, values) -> {
                    if (values != null && !mainMetrics.containsKey(task)) {
                        MAIN_METRIC_BY_TYPE.stream().filter(values::containsKey).findFirst().ifPresent(m -> main.put(task, m));
                    }
                });
            }
            main.putAll(mainMetrics);
            return new RunSummary(title, tasks, history, metrics, main, parameters, gateUtilization, settings,
                    comparison, deltaM, baselines, baselineDeltaM, heldOut, heldOutDeltaM);
        }
    }
}
