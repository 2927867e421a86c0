package io.github.mtldl4j.examples;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.examples.data.SeedArticleData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.ParameterCounts;
import io.github.mtldl4j.model.TaskLosses;
import io.github.mtldl4j.task.Task;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The seed article's example, with this library: 1,000 random rows of 10 features, a shared Dense(2, no bias),
 * two task heads Dense(2, no bias) on random 2-d targets, MSE + MSE, Adam(1e-3), full-batch epochs printed as
 * {@code Epoch i/N, Loss: x}; then the parameter counts of hard sharing against independent towers.
 * {@code --cascade} feeds task1's prediction into task2's head ("parameter passing").
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = "The seed article's two-task example: shared Dense(2) trunk, two Dense(2) heads, MSE + MSE, Adam.")
public final class SeedExample implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--epochs", defaultValue = "100", description = "Full-batch epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of data and initialization (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--cascade", description = "Feed task1's prediction into task2's head.")
    boolean cascade;

    @Override
    public Integer call() {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, received " + epochs + ".");
        }
        PrintWriter out = spec.commandLine().getOut();
        // The one line naming the ND4J backend, as every command of the mtl command line prints at start.
        spec.commandLine().getErr().println(BackendInfo.describe());
        run(out);
        return 0;
    }

    /** The article's architecture, optionally with the cascade. */
    static MultiTaskGraphBuilder builder(long seed, boolean cascade) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(SeedArticleData.FEATURES)
                .sharedLayers(2).activation(Activation.IDENTITY).bias(false)
                .updater(new Adam(1e-3)).seed(seed)
                .task(Task.regression("task1", SeedArticleData.TARGET_WIDTH))
                .task(Task.regression("task2", SeedArticleData.TARGET_WIDTH));
        return cascade ? builder.cascade("task2", "task1") : builder;
    }

    void run(PrintWriter out) {
        MultiTaskGraphBuilder builder = builder(seed, cascade);
        MultiTaskModel model = builder.build();
        MultiDataSet data = SeedArticleData.generate(seed, DataType.FLOAT);
        out.println((cascade ? "Cascade (task2 reads task1's prediction)" : "Hard sharing") + ": "
                + SeedArticleData.ROWS + " rows, " + SeedArticleData.FEATURES + " features, " + epochs + " full-batch epochs");
        TaskLosses losses = null;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            model.fit(data);
            losses = model.lastLosses();
            out.printf(Locale.ROOT, "Epoch %d/%d, Loss: %.4f%n", epoch, epochs, losses.total());
        }
        out.printf(Locale.ROOT, "Final per-task loss: task1 %.4f, task2 %.4f%n",
                losses.unweighted().get("task1"), losses.unweighted().get("task2"));
        out.println();
        ParameterCounts shared = model.parameterCounts();
        ParameterCounts independent = builder.copy().independentTowers().build().parameterCounts();
        out.print(ParameterCounts.compare(cascade ? "shared+cascade" : "shared", shared, "independent", independent));
    }
}
