package io.github.mtldl4j.cli;

import io.github.mtldl4j.affinity.AffinityJson;
import io.github.mtldl4j.affinity.TaskAffinity;
import io.github.mtldl4j.affinity.TaskGrouping;
import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.FeatureSelection;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.EarlyStopping;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl affinity}: trains a hard-sharing model briefly while measuring task affinity (gradient cosine and the
 * lookahead affinity of Fifty et al., NeurIPS 2021), prints both matrices and the best task grouping for every number
 * of groups, and writes {@code DIR/affinity.json} (docs/design.md) with the model's usual outputs (the report shows the
 * matrices as heatmaps).
 */
@Command(name = "affinity", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Task affinity (gradient cosine, lookahead) while training hard sharing, and suggested task groups; writes DIR/affinity.json.")
public final class AffinityCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TabularDataOptions input;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs of the measuring run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--groups", paramLabel = "B", description = "Number of task groups; default: the best partition for every B and a suggestion.")
    Integer groups;

    @Option(names = "--every", defaultValue = "1", paramLabel = "N", description = "Measure on every N-th training step (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--shared", split = ",", defaultValue = "64,64", paramLabel = "W1,W2", description = "Trunk widths (default ${DEFAULT-VALUE}).")
    List<Integer> shared;

    @Option(names = "--lr", defaultValue = "0.01", description = "Adam learning rate, also the lookahead step size (default ${DEFAULT-VALUE}).")
    double learningRate;

    @Mixin
    TrainingRunOptions run;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        List<TaskSpec> specs = input.taskSpecs();
        if (groups != null && (groups < 1 || groups > specs.size())) {
            throw new IllegalArgumentException("--groups must be between 1 and the number of tasks (" + specs.size() + "), received "
                    + groups + ".");
        }
        if (every < 1) {
            throw new IllegalArgumentException("--every must be >= 1 step, received " + every + ".");
        }
        // Affinity is measured over every one of --epochs, so no early stopping.
        TabularTraining.Settings settings = TabularTraining.Settings.builder(specs).features(input.features)
                .categorical(input.categoricalColumns()).shared(shared).epochs(epochs).batch(run.batch).learningRate(learningRate)
                .validFraction(run.valid).seed(run.seed).earlyStopping(EarlyStopping.none()).build();
        OutputDirectory.check(run.out);
        CsvTable table = CsvTable.read(input.requiredData());
        FeatureSelection features = input.chooseFeatures(TrainCommand.trainingRows(table, null, settings), specs,
                spec.commandLine().getErr());
        settings = settings.toBuilder().features(features.used()).build();
        MtlCommand.announceBackend(spec.commandLine().getErr());
        stdout.printf(Locale.ROOT, "%s: %d rows, tasks %s; hard sharing %s, %d epochs, affinity measured every %d step(s)%n", input.data,
                table.rowCount(), specs.stream().map(TaskSpec::name).toList(), shared, epochs, every);
        stdout.println(TabularDataOptions.describe(features));
        Measured measured = measure(table, settings, every, stdout);
        List<List<String>> chosen = report(stdout, measured.affinity(), measured.trainingSeconds(), groups);
        TrainCommand.write(measured.result(), settings, run.out, input.data.toString());
        AtomicFile.writeString(run.out.resolve("affinity.json"), AffinityJson.write(measured.affinity(), chosen));
        stdout.printf(Locale.ROOT, "wrote %s (affinity.json, model.zip, metrics.json, history.csv, report.html)%n", run.out);
        return 0;
    }

    /** A measuring run: the trained result, its run-long affinity and its training time. */
    record Measured(TabularTraining.Result result, TaskAffinity affinity, double trainingSeconds) {
    }

    /** Trains hard sharing with the settings, measuring affinity every {@code every} steps. */
    static Measured measure(CsvTable table, TabularTraining.Settings settings, int every, PrintWriter stdout) {
        TrainingProgress progress = stdout == null ? null : new TrainingProgress(stdout, settings.epochs());
        TabularTraining.Result result = TabularTraining.train(table, null, settings,
                new TabularTraining.Hooks(progress, progress, null, trainer -> trainer.affinityEvery(every)));
        double seconds = result.history().epochs().stream().mapToDouble(EpochReport::seconds).sum();
        return new Measured(result, result.history().affinity(), seconds);
    }

    /**
     * Prints the matrices, the best partition per number of groups and the chosen one.
     *
     * @return the partition for {@code groups}, or the suggested one when null
     */
    static List<List<String>> report(PrintWriter stdout, TaskAffinity affinity, double trainingSeconds, Integer groups) {
        stdout.println();
        stdout.print(affinity.toText());
        stdout.printf(Locale.ROOT, "(row i, column j: effect of task i on task j; mean of %d measured steps; measuring took %.1f s, "
                + "%.0f %% of the %.1f s training run it is part of)%n%n", affinity.measurements(), affinity.overheadSeconds(),
                100 * affinity.overheadSeconds() / trainingSeconds, trainingSeconds);
        stdout.println("per task, mean over the other tasks: lookahead affinity given (row) and received (column), gradient cosine");
        double[][] z = affinity.lookahead();
        double[][] cosine = affinity.gradientCosine();
        int k = z.length;
        for (int t = 0; t < k; t++) {
            double given = 0;
            double received = 0;
            double cos = 0;
            for (int o = 0; o < k; o++) {
                if (o != t) {
                    given += z[t][o];
                    received += z[o][t];
                    cos += cosine[t][o];
                }
            }
            int others = Math.max(1, k - 1);
            stdout.printf(Locale.ROOT, "  %-12s given %+.3e  received %+.3e  cosine %+.4f%n", affinity.tasks().get(t), given / others,
                    received / others, cos / others);
        }
        stdout.println();
        TaskGrouping grouping = new TaskGrouping(affinity.tasks(), affinity.lookahead());
        stdout.println("best partition by number of groups (score: sum over tasks of the mean lookahead affinity received from "
                + "group mates; a task alone receives 0; " + (grouping.taskCount() <= TaskGrouping.EXHAUSTIVE_LIMIT ? "exhaustive" : "greedy")
                + " search):");
        for (TaskGrouping.Partition partition : grouping.bestForEveryCount()) {
            stdout.printf(Locale.ROOT, "  B=%d  %s%n", partition.count(), partition);
        }
        TaskGrouping.Partition chosen = groups == null ? grouping.suggested() : grouping.best(groups);
        stdout.println(groups == null
                ? "suggested (highest score over every B; fewest groups among ties): " + chosen
                : "groups for --groups " + groups + ": " + chosen);
        return chosen.groups();
    }
}
