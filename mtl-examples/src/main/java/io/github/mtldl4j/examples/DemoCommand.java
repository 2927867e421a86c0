package io.github.mtldl4j.examples;

import io.github.mtldl4j.data.CsvTable;
import io.github.mtldl4j.data.TaskSpec;
import io.github.mtldl4j.eval.RelativeImprovement;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.pipeline.TabularTraining;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl demo}: the Palmer penguins (bundled, CC0): species (multiclass), sex (binary, partly missing) and body
 * mass (regression) from bill and flipper measurements and island. Trains single-task baselines (independent
 * towers), hard sharing with equal weights and hard sharing with uncertainty weighting on the same split, prints a
 * per-task table side by side with delta-m against the baselines, and writes each run's outputs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Penguins: single-task baselines vs hard sharing vs uncertainty weighting, per-task table and delta-m.")
public final class DemoCommand implements Callable<Integer> {
    static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("species:multiclass:species"), TaskSpec.parse("sex:binary:sex"),
            TaskSpec.parse("body_mass:regression:body_mass_g"));
    static final List<String> FEATURES = List.of("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "island");
    /** Metrics compared in delta-m, per task (r2 can be negative, which a relative change cannot use). */
    static final Map<String, List<String>> COMPARED = Map.of("species", List.of("accuracy", "macro_f1"),
            "sex", List.of("accuracy", "auc", "f1"), "body_mass", List.of("rmse", "mae"));

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "mtl-demo", paramLabel = "DIR", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", defaultValue = "60", description = "Epochs per run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        OutputDirectory.check(out);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        PrintWriter stdout = spec.commandLine().getOut();
        CsvTable table = penguins();
        stdout.printf(Locale.ROOT, "Palmer penguins: %d rows; tasks species (multiclass), sex (binary, partly missing), body_mass "
                + "(regression); features %s; 20 %% validation, stratified on species; %d epochs, seed %d%n",
                table.rowCount(), FEATURES, epochs, seed);
        Map<String, Map<String, TaskMetrics>> results = new LinkedHashMap<>();
        Map<String, Long> parameters = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (String[] run : new String[][] {{"single-task", "independent", "fixed"}, {"hard", "hard", "fixed"},
                {"hard+uncertainty", "hard", "uncertainty"}}) {
            TabularTraining.Settings settings = new TabularTraining.Settings(TASKS, FEATURES, Set.of(), run[1], Map.of(),
                    List.of(32, 32), List.of(), run[2], Map.of(), epochs, 32, 0.01, 0.2, seed, null);
            stdout.printf(Locale.ROOT, "training %s (%s sharing, %s weights)...%n", run[0], run[1], run[2]);
            TabularTraining.Result result = TabularTraining.train(table, settings, null);
            Path dir = out.resolve(run[0].replace('+', '-'));
            TrainCommand.write(result, settings, dir, "penguins.csv (bundled)");
            results.put(run[0], result.metrics());
            parameters.put(run[0], result.model().parameterCounts().total());
            seconds.put(run[0], result.trainSeconds());
        }
        stdout.println(table(results, parameters, seconds));
        stdout.printf(Locale.ROOT, "wrote %s/{single-task,hard,hard-uncertainty}/ (model.zip, metrics.json, history.csv)%n", out);
        return 0;
    }

    static CsvTable penguins() throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/data/penguins.csv")) {
            if (in == null) {
                throw new IllegalStateException("the bundled penguins.csv is missing from the classpath");
            }
            return CsvTable.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "penguins.csv (bundled)");
        }
    }

    static String table(Map<String, Map<String, TaskMetrics>> results, Map<String, Long> parameters, Map<String, Double> seconds) {
        List<String> runs = List.copyOf(results.keySet());
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n%-24s", "task / metric"));
        runs.forEach(r -> out.append(String.format(Locale.ROOT, "%18s", r)));
        out.append('\n');
        for (String task : results.get(runs.get(0)).keySet()) {
            for (String metric : results.get(runs.get(0)).get(task).metrics().keySet()) {
                out.append(String.format(Locale.ROOT, "%-24s", task + " " + metric));
                for (String run : runs) {
                    out.append(String.format(Locale.ROOT, "%18s", MetricsTable.format(results.get(run).get(task).get(metric))));
                }
                out.append('\n');
            }
        }
        out.append(String.format(Locale.ROOT, "%-24s", "parameters"));
        runs.forEach(r -> out.append(String.format(Locale.ROOT, "%18d", parameters.get(r))));
        out.append(String.format(Locale.ROOT, "%n%-24s", "train seconds"));
        runs.forEach(r -> out.append(String.format(Locale.ROOT, "%18.1f", seconds.get(r))));
        out.append(String.format(Locale.ROOT, "%n%-24s", "delta-m vs single-task"));
        Map<String, Map<String, Double>> baseline = metricMaps(results.get(runs.get(0)));
        for (String run : runs) {
            double deltaM = RelativeImprovement.deltaMOverMetrics(metricMaps(results.get(run)), baseline, COMPARED);
            out.append(String.format(Locale.ROOT, "%17.2f%%", 100 * deltaM));
        }
        out.append("\n(delta-m: mean over tasks of the mean relative gain over ").append(COMPARED).append("; positive = better)");
        return out.toString();
    }

    private static Map<String, Map<String, Double>> metricMaps(Map<String, TaskMetrics> metrics) {
        Map<String, Map<String, Double>> maps = new LinkedHashMap<>();
        metrics.forEach((task, m) -> maps.put(task, m.metrics()));
        return maps;
    }
}
