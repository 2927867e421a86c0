package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;

/**
 * {@code mtl demo}: the Palmer penguins (bundled, CC0): species (multiclass), sex (binary, partly missing) and body
 * mass (regression) from bill and flipper measurements and island. Trains single-task baselines (independent
 * towers), hard sharing with equal weights and hard sharing with uncertainty weighting on the same split, prints a
 * per-task table side by side with delta-m against the baselines, and writes each run's outputs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, defaultValueProvider = DemoCommand.DemoDefaults.class,
        description = "Penguins: single-task baselines vs hard sharing vs uncertainty weighting, per-task table and delta-m.")
public final class DemoCommand extends BundledStudyCommand {
    static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("species:multiclass:species"), TaskSpec.parse("sex:binary:sex"),
            TaskSpec.parse("body_mass:regression:body_mass_g"));
    static final List<String> FEATURES = List.of("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "island");

    /** {@code --out mtl-demo}, {@code --epochs 60}. */
    static final class DemoDefaults extends Defaults {
        DemoDefaults() {
            super("mtl-demo", 60);
        }
    }

    @Override
    CsvTable table() throws IOException {
        return bundled("penguins.csv");
    }

    @Override
    String describe(CsvTable table) {
        return String.format(Locale.ROOT, "Palmer penguins: %d rows; tasks species (multiclass), sex (binary, partly missing), body_mass "
                + "(regression); features %s; 20 %% validation, stratified on species", table.rowCount(), FEATURES);
    }

    @Override
    List<TaskSpec> tasks() {
        return TASKS;
    }

    @Override
    List<String> features() {
        return FEATURES;
    }

    @Override
    Set<String> categorical() {
        return Set.of();
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
