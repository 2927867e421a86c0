package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
        CsvTable table = bundled("penguins.csv");
        stdout.printf(Locale.ROOT, "Palmer penguins: %d rows; tasks species (multiclass), sex (binary, partly missing), body_mass "
                + "(regression); features %s; 20 %% validation, stratified on species; %d epochs, seed %d%n",
                table.rowCount(), FEATURES, epochs, seed);
        Comparison.run(stdout, table, TASKS, FEATURES, Set.of(), Comparison.STANDARD, epochs, seed, out);
        return 0;
    }

    /** A data file bundled with the examples (see data/SOURCES.md beside it). */
    static CsvTable bundled(String name) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("/data/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the bundled " + name + " is missing from the classpath");
            }
            return CsvTable.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name + " (bundled)");
        }
    }
}
