package io.github.mtldl4j.examples;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.examples.data.GradNormToyData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.TaskLosses;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The GradNorm paper's toy (Chen et al., ICML 2018, Section 5.1): T regression tasks f_i(x) = σ_i tanh((B + ε_i) x)
 * whose scales σ_i span two orders of magnitude, a shared ReLU trunk, one linear head per task. Trains equal weights,
 * uncertainty weighting, GradNorm and DWA from the same initialization and prints each task's test loss divided by
 * σ_i² (so tasks are comparable), with the mean and the spread between the best and the worst task.
 */
@Command(name = "gradnorm-toy", mixinStandardHelpOptions = true,
        description = "GradNorm's synthetic tasks of very different scales: equal weights vs uncertainty vs GradNorm vs DWA.")
public final class GradNormToyExample implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--tasks", defaultValue = "10", description = "Number of tasks (default ${DEFAULT-VALUE}, as the paper).")
    int tasks;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs per method (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--rows", defaultValue = "2000", description = "Training rows (default ${DEFAULT-VALUE}); 1000 test rows.")
    int rows;

    @Option(names = "--lr", defaultValue = "0.01", description = "Adam learning rate, also for learned weights (default ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of data and initialization (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (tasks < 2 || epochs < 1 || rows < 10 || !(learningRate > 0)) {
            throw new IllegalArgumentException("need --tasks >= 2, --epochs >= 1, --rows >= 10 and --lr > 0; received tasks="
                    + tasks + ", epochs=" + epochs + ", rows=" + rows + ", lr=" + learningRate + ".");
        }
        // The one line naming the ND4J backend, as every command of the mtl command line prints at start.
        spec.commandLine().getErr().println(BackendInfo.describe());
        run(spec.commandLine().getOut());
        return 0;
    }

    void run(PrintWriter out) {
        GradNormToyData data = new GradNormToyData(tasks, 250, 100, seed);
        MultiDataSet train = data.sample(rows, seed + 1);
        MultiDataSet test = data.sample(1000, seed + 2);
        Map<String, Supplier<LossWeighting>> methods = new LinkedHashMap<>();
        methods.put("equal", FixedWeighting::new);
        methods.put("uncertainty", UncertaintyWeighting::new);
        methods.put("gradnorm", GradNorm::new);
        methods.put("dwa", DynamicWeightAverage::new);

        out.printf(Locale.ROOT, "GradNorm toy: %d tasks, sigma 1..100, %d training rows, %d epochs, batch 100, Adam(%s), seed %d%n",
                tasks, rows, epochs, learningRate, seed);
        out.println("test loss / sigma_i^2 per task (lower is better); spread = worst / best task");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s", "method"));
        for (int i = 0; i < tasks; i++) {
            header.append(String.format(Locale.ROOT, " %8s", "t" + i));
        }
        out.println(header.append(String.format(Locale.ROOT, " %8s %8s %8s", "mean", "spread", "seconds")));
        for (Map.Entry<String, Supplier<LossWeighting>> method : methods.entrySet()) {
            MultiTaskModel model = model(data);
            long start = System.nanoTime();
            MultiTaskTrainer.builder(model).epochs(epochs).weighting(method.getValue().get()).seed(seed).metrics(false).build()
                    .fit(new InMemoryMultiDataSetIterator(train, 100, seed));
            double seconds = (System.nanoTime() - start) / 1e9;
            TaskLosses losses = model.losses(test);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-12s", method.getKey()));
            double sum = 0;
            double best = Double.MAX_VALUE;
            double worst = 0;
            for (int i = 0; i < tasks; i++) {
                double normalized = losses.unweighted().get("t" + i) / (data.sigma(i) * data.sigma(i));
                row.append(String.format(Locale.ROOT, " %8.4f", normalized));
                sum += normalized;
                best = Math.min(best, normalized);
                worst = Math.max(worst, normalized);
            }
            out.println(row.append(String.format(Locale.ROOT, " %8.4f %8.1f %8.1f", sum / tasks, worst / best, seconds)));
        }
    }

    private MultiTaskModel model(GradNormToyData data) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(250).sharedLayers(100, 100, 100, 100)
                .activation(Activation.RELU).updater(new Adam(learningRate)).seed(seed);
        for (int i = 0; i < data.tasks(); i++) {
            builder.task(Task.regression("t" + i, data.outputs()));
        }
        return builder.build();
    }

    /** The method names, in the order printed. */
    static List<String> methods() {
        return List.of("equal", "uncertainty", "gradnorm", "dwa");
    }
}
