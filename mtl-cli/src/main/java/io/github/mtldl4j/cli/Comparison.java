package io.github.mtldl4j.cli;

import io.github.mtldl4j.eval.Metric;
import io.github.mtldl4j.eval.RelativeImprovement;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.tabular.baseline.LinearBaselines;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Trains several configurations on the same table and split (the first is the baseline), writes each run's outputs
 * and prints a per-task table side by side with delta-m against the baseline. Used by the table demos.
 */
final class Comparison {
    /**
     * One configuration.
     *
     * @param name run name, also its output folder
     * @param architecture hard, independent or cascade
     * @param method a weighting or aggregator name
     */
    record RunConfig(String name, String architecture, String method) {
    }

    /** The three runs of the demos: single-task baselines, hard sharing, hard sharing with uncertainty weighting. */
    static final List<RunConfig> STANDARD = List.of(new RunConfig("single-task", "independent", "fixed"),
            new RunConfig("hard", "hard", "fixed"), new RunConfig("hard-uncertainty", "hard", "uncertainty"));

    /** The column of the linear baseline. */
    static final String LINEAR = "linear";

    private Comparison() {
    }

    /**
     * Trains each run on the same split and prints the per-task table and delta-m against the first run, over the
     * metrics delta-m compares for each task's type ({@link Metric#comparedByDeltaM}), in task order.
     */
    static void run(PrintWriter stdout, CsvTable table, List<TaskSpec> tasks, List<String> features, Set<String> categorical,
                    List<RunConfig> runs, int epochs, long seed, Path out) throws IOException {
        Map<String, List<String>> compared = new LinkedHashMap<>();
        tasks.forEach(task -> compared.put(task.name(), Metric.comparedByDeltaM(task.type()).stream().map(Metric::key).toList()));
        Map<String, Map<String, TaskMetrics>> results = new LinkedHashMap<>();
        Map<String, Long> parameters = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, TabularTraining.Result> trained = new LinkedHashMap<>();
        Map<String, TabularTraining.Settings> used = new LinkedHashMap<>();
        // The linear baseline on the same split and preprocessing (the same for every run: they differ in the network only).
        TabularTraining.Settings first = TabularTraining.Settings.builder(tasks).features(features).categorical(categorical)
                .seed(seed).build();
        stdout.printf(Locale.ROOT, "fitting linear (ridge / logistic regression per task, penalty chosen on the validation rows)...%n");
        long linearStart = System.nanoTime();
        TabularTraining.Prepared prepared = TabularTraining.prepare(table, null, first);
        Map<String, LinearBaselines.TaskFit> linear = LinearBaselines.fit(prepared.model().tasks(), prepared.trainEncoding().data(),
                prepared.validData(), prepared.preprocessor()::toLabelUnits);
        Map<String, TaskMetrics> linearMetrics = new LinkedHashMap<>();
        linear.forEach((task, fit) -> linearMetrics.put(task, fit.metrics()));
        results.put(LINEAR, linearMetrics);
        parameters.put(LINEAR, linear.values().stream().mapToLong(LinearBaselines.TaskFit::parameters).sum());
        seconds.put(LINEAR, (System.nanoTime() - linearStart) / 1e9);
        // mtl train's defaults for these tasks, from the one place that holds them.
        TabularTraining.Settings trainDefaults = TabularTraining.Settings.builder(tasks).build();
        for (RunConfig run : runs) {
            boolean trainDefault = run.architecture().equals(trainDefaults.architecture()) && run.method().equals(trainDefaults.method());
            stdout.printf(Locale.ROOT, "training %s (%s sharing, %s weights%s)...%n", run.name(), run.architecture(), run.method(),
                    trainDefault ? ": mtl train's default" : "");
            TabularTraining.Settings settings = TabularTraining.Settings.builder(tasks).features(features).categorical(categorical)
                    .architecture(run.architecture()).shared(List.of(32, 32)).method(run.method()).epochs(epochs).seed(seed).build();
            TabularTraining.Result result = TabularTraining.train(table, settings, null);
            trained.put(run.name(), result);
            used.put(run.name(), settings);
            results.put(run.name(), result.metrics());
            parameters.put(run.name(), result.model().parameterCounts().total());
            seconds.put(run.name(), result.trainSeconds());
        }
        stdout.println(table(results, parameters, seconds, compared, runs.get(0).name()));
        linear.forEach((task, fit) -> stdout.printf(Locale.ROOT, "linear %s: %s%n", task, fit.model()));
        StringBuilder kept = new StringBuilder("each run keeps the parameters of its best validation epoch (model.zip and the figures above):");
        trained.forEach((run, result) -> kept.append(String.format(Locale.ROOT, " %s epoch %d of %d;", run,
                result.history().keptEpoch().orElseThrow().epoch(), result.history().epochs().size())));
        Integer patience = used.values().iterator().next().patience();
        stdout.println(kept.substring(0, kept.length() - 1) + (patience == null ? "" : String.format(Locale.ROOT,
                " (of %d; a run stops after %d epochs without a new best)", epochs, patience)));
        Map<String, Map<String, Map<String, Double>>> comparison = new LinkedHashMap<>();
        results.forEach((run, metrics) -> comparison.put(run, metricMaps(metrics)));
        Map<String, Double> deltaM = new LinkedHashMap<>();
        results.forEach((run, metrics) -> deltaM.put(run,
                RelativeImprovement.deltaMOverMetrics(metricMaps(metrics), comparison.get(runs.get(0).name()), compared)));
        for (RunConfig run : runs) {
            TrainCommand.write(trained.get(run.name()), used.get(run.name()), out.resolve(run.name()), table.source(), comparison, deltaM);
        }
        stdout.printf(Locale.ROOT, "wrote %s/%s/ (model.zip, metrics.json, history.csv, report.html)%n", out,
                runs.stream().map(RunConfig::name).toList());
    }

    static String table(Map<String, Map<String, TaskMetrics>> results, Map<String, Long> parameters, Map<String, Double> seconds,
                        Map<String, List<String>> compared) {
        return table(results, parameters, seconds, compared, results.keySet().iterator().next());
    }

    /**
     * The per-task table of {@code results} (run to task to metrics), with delta-m against run {@code baseline}, or
     * without a delta-m row when {@code compared} is null.
     */
    static String table(Map<String, Map<String, TaskMetrics>> results, Map<String, Long> parameters, Map<String, Double> seconds,
                        Map<String, List<String>> compared, String baselineRun) {
        List<String> runs = List.copyOf(results.keySet());
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n%-26s", "task / metric"));
        runs.forEach(r -> out.append(String.format(Locale.ROOT, "%18s", r)));
        out.append('\n');
        for (String task : results.get(runs.get(0)).keySet()) {
            for (String metric : results.get(runs.get(0)).get(task).metrics().keySet()) {
                out.append(String.format(Locale.ROOT, "%-26s", task + " " + metric));
                for (String run : runs) {
                    out.append(String.format(Locale.ROOT, "%18s", MetricsTable.format(results.get(run).get(task).get(metric))));
                }
                out.append('\n');
            }
        }
        out.append(String.format(Locale.ROOT, "%-26s", "parameters"));
        runs.forEach(r -> out.append(String.format(Locale.ROOT, "%18d", parameters.get(r))));
        out.append(String.format(Locale.ROOT, "%n%-26s", "train seconds"));
        runs.forEach(r -> out.append(String.format(Locale.ROOT, "%18.1f", seconds.get(r))));
        if (compared == null) {
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "%n%-26s", "delta-m vs " + baselineRun));
        Map<String, Map<String, Double>> baseline = metricMaps(results.get(baselineRun));
        for (String run : runs) {
            double deltaM = RelativeImprovement.deltaMOverMetrics(metricMaps(results.get(run)), baseline, compared);
            out.append(String.format(Locale.ROOT, "%17.2f%%", 100 * deltaM));
        }
        out.append("\n(delta-m: mean over tasks of the mean relative gain over ").append(compared).append("; positive = better)");
        return out.toString();
    }

    private static Map<String, Map<String, Double>> metricMaps(Map<String, TaskMetrics> metrics) {
        Map<String, Map<String, Double>> maps = new LinkedHashMap<>();
        metrics.forEach((task, m) -> maps.put(task, m.metrics()));
        return maps;
    }
}
