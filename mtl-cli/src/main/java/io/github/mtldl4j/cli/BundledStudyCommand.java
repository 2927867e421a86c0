package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo} and {@code seattle}: a bundled table, single-task baselines against multi-task runs on the same split
 * ({@link Comparison}). A subclass names its table, tasks and features, and gives its {@code --out} and
 * {@code --epochs} defaults through a {@link Defaults} in its {@code @Command}.
 */
abstract class BundledStudyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epochs", description = "Epochs per run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    /** The study's table. */
    abstract CsvTable table() throws IOException;

    /** What the run header says of the table, tasks, features and split. */
    abstract String describe(CsvTable table);

    abstract List<TaskSpec> tasks();

    abstract List<String> features();

    abstract Set<String> categorical();

    @Override
    public Integer call() throws IOException {
        OutputDirectory.check(out);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        PrintWriter stdout = spec.commandLine().getOut();
        CsvTable table = table();
        stdout.printf(Locale.ROOT, "%s; %d epochs, seed %d%n", describe(table), epochs, seed);
        Comparison.run(stdout, table, tasks(), features(), categorical(), Comparison.STANDARD, epochs, seed, out);
        return 0;
    }

    /** A study's {@code --out} and {@code --epochs} defaults. */
    abstract static class Defaults implements IDefaultValueProvider {
        private final String out;
        private final int epochs;

        Defaults(String out, int epochs) {
            this.out = out;
            this.epochs = epochs;
        }

        @Override
        public String defaultValue(ArgSpec argument) {
            if (argument instanceof OptionSpec option) {
                return switch (option.longestName()) {
                    case "--out" -> out;
                    case "--epochs" -> Integer.toString(epochs);
                    default -> null;
                };
            }
            return null;
        }
    }
}
