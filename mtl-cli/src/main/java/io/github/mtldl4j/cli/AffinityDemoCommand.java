package io.github.mtldl4j.cli;

import io.github.mtldl4j.affinity.TaskAffinity;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.examples.data.MmoeSyntheticData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The two affinity demonstrations of docs/affinity-and-tune.md. (1) The MMoE synthetic tasks (Ma et al., KDD 2018) at several
 * correlations p: hard sharing trained briefly per p and seed, the two tasks' gradient cosine and lookahead affinities
 * averaged over training. (2) The penguins with a fourth task that is pure noise (a seeded Gaussian column): the
 * affinity matrices and the suggested task groups.
 */
@Command(name = "affinity-demo", mixinStandardHelpOptions = true,
        description = "Affinity vs task correlation on the MMoE synthetic data; penguins plus a pure-noise task and its grouping.")
public final class AffinityDemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--p", split = ",", defaultValue = "1.0,0.9,0.5,0.0", description = "Task correlations (default ${DEFAULT-VALUE}).")
    List<Double> correlations;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds per p (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--rows", defaultValue = "2000", description = "Synthetic training rows (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs per synthetic run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "Adam learning rate of the synthetic runs (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--penguin-epochs", defaultValue = "10", description = "Epochs of the penguin run (default ${DEFAULT-VALUE}).")
    int penguinEpochs;

    @Option(names = "--every", defaultValue = "4", description = "Measure on every N-th step (default ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--seed", defaultValue = "42", description = "First seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        MtlCommand.announceBackend(spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        synthetic(out);
        penguins(out);
        return 0;
    }

    private void synthetic(PrintWriter out) {
        out.printf(Locale.ROOT, "(1) MMoE synthetic data (d=100, c=0.3, m=5, noise sd 0.1), hard sharing 100-64-ReLU, heads 8, Adam(%s), "
                + "%d rows, batch 128, %d epochs, measured every %d steps; mean ± sd over %d seeds%n", lr, rows, epochs, every, seeds);
        out.println("(a seed draws the task directions u1, u2 once; p only mixes them, so one seed's rows are paired across p)");
        out.printf(Locale.ROOT, "%-5s %20s %22s %22s   %s%n", "p", "gradient cosine", "lookahead Z(y1->y2)", "lookahead Z(y2->y1)",
                "gradient cosine per seed");
        for (double p : correlations) {
            List<double[]> values = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                long runSeed = seed + s;
                MmoeSyntheticData data = MmoeSyntheticData.paper(p, runSeed);
                MultiTaskModel model = MultiTaskGraphBuilder.forInputs(data.inputs()).activation(Activation.RELU).sharedLayers(64)
                        .updater(new Adam(lr)).seed(runSeed)
                        .task(Task.regression("y1").withHead(8)).task(Task.regression("y2").withHead(8)).build();
                TaskAffinity affinity = MultiTaskTrainer.builder(model).epochs(epochs).seed(runSeed).metrics(false).affinityEvery(every)
                        .build().fit(new InMemoryMultiDataSetIterator(data.sample(rows, runSeed * 1000 + 1), 128, runSeed)).affinity();
                values.add(new double[] {affinity.gradientCosine("y1", "y2"), affinity.lookahead("y1", "y2"), affinity.lookahead("y2", "y1")});
            }
            StringBuilder perSeed = new StringBuilder();
            values.forEach(v -> perSeed.append(String.format(Locale.ROOT, " %+.3f", v[0])));
            out.printf(Locale.ROOT, "%-5.2f %20s %22s %22s  %s%n", p, meanSd(values, 0, "%+.3f"), meanSd(values, 1, "%+.2e"),
                    meanSd(values, 2, "%+.2e"), perSeed);
        }
        out.println();
    }

    private static String meanSd(List<double[]> values, int column, String format) {
        double mean = values.stream().mapToDouble(v -> v[column]).average().orElse(Double.NaN);
        double var = values.stream().mapToDouble(v -> (v[column] - mean) * (v[column] - mean)).sum() / Math.max(1, values.size() - 1);
        return String.format(Locale.ROOT, format + " ± " + format.replace("+", ""), mean, Math.sqrt(var));
    }

    private void penguins(PrintWriter out) throws IOException {
        CsvTable penguins = DemoCommand.bundled("penguins.csv");
        Random random = new Random(seed);
        List<String> noise = new ArrayList<>();
        for (int r = 0; r < penguins.rowCount(); r++) {
            noise.add(String.format(Locale.ROOT, "%.6f", random.nextGaussian()));
        }
        CsvTable table = penguins.withColumn("noise", noise);
        List<TaskSpec> tasks = new ArrayList<>(DemoCommand.TASKS);
        tasks.add(TaskSpec.parse("noise:regression:noise"));
        out.printf(Locale.ROOT, "(2) Palmer penguins + a pure-noise regression task (Gaussian, seed %d); hard sharing [64, 64], Adam(0.01), "
                + "batch 32, %d epochs, measured every %d steps%n", seed, penguinEpochs, every);
        TabularTraining.Settings settings = TabularTraining.Settings.builder(tasks).features(DemoCommand.FEATURES).epochs(penguinEpochs)
                .seed(seed).build();
        AffinityCommand.Measured measured = AffinityCommand.measure(table, settings, every, null);
        AffinityCommand.report(out, measured.affinity(), measured.trainingSeconds(), null);
    }
}
