package io.github.mtldl4j.examples;

import io.github.mtldl4j.examples.data.ConversionFunnel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes the generated conversion funnel ({@link ConversionFunnel}) as {@code funnel.csv} (every impression with
 * both labels: ESMM and AITM) and as {@code funnel-click.csv} and {@code funnel-conversion.csv} (one task's labels
 * per file: {@code --task-data}), then prints the {@code mtl train} command for each.
 */
@Command(name = "funnel", mixinStandardHelpOptions = true,
        description = "Writes a generated impression -> click -> conversion table (and the same as one file per task) and "
                + "prints the mtl train commands for --arch esmm, --arch aitm and --task-data.")
public final class FunnelExample implements Callable<Integer> {

    /** The funnel table. */
    public static final String TABLE = "funnel.csv";
    /** The click task's own file. */
    public static final String CLICK_FILE = "funnel-click.csv";
    /** The conversion task's own file. */
    public static final String CONVERSION_FILE = "funnel-conversion.csv";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "mtl-funnel", description = "Directory of the CSV files (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--rows", defaultValue = "4000", description = "Impressions (default ${DEFAULT-VALUE}); the per-task "
            + "files split the same number in halves.")
    int rows;

    @Option(names = "--seed", defaultValue = "17", description = "Seed of the generator (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (rows < 100) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--rows must be >= 100 (a funnel needs some conversions), received " + rows + ".");
        }
        write(out, rows, seed);
        PrintWriter printed = spec.commandLine().getOut();
        commands(out).forEach(printed::println);
        printed.flush();
        return 0;
    }

    /** Writes the three files into {@code dir} (created if missing). */
    public static void write(Path dir, int rows, long seed) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ConversionFunnel.write(dir.resolve(TABLE), rows, seed);
        ConversionFunnel.writePerTask(dir.resolve(CLICK_FILE), dir.resolve(CONVERSION_FILE), rows, seed + 1);
    }

    /** The {@code mtl train} commands for the files in {@code dir}: ESMM, AITM, and the tasks from files of their own. */
    public static List<String> commands(Path dir) {
        String tasks = "--task click:binary:click --task conversion:binary:conversion";
        return List.of(
                "./mtl train --data " + dir.resolve(TABLE) + " " + tasks + " --arch esmm --out " + dir.resolve("esmm"),
                "./mtl train --data " + dir.resolve(TABLE) + " " + tasks + " --arch aitm --out " + dir.resolve("aitm"),
                "./mtl train " + tasks + " --task-data click=" + dir.resolve(CLICK_FILE) + " --task-data conversion="
                        + dir.resolve(CONVERSION_FILE) + " --out " + dir.resolve("per-task"));
    }
}
