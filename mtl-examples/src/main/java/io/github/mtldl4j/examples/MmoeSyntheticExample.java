package io.github.mtldl4j.examples;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.examples.data.MmoeSyntheticData;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.TaskLosses;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The synthetic experiment of Ma et al., "Modeling Task Relationships in Multi-task Learning with Multi-gate
 * Mixture-of-Experts" (KDD 2018, Section 4): two regression tasks whose relatedness is set by p
 * ({@link MmoeSyntheticData}, {@code --setting} third-party (default) or google, {@code --scale} overriding c), learned by
 * hard sharing (the paper's shared-bottom), OMoE and MMoE models of about the same number of parameters, at several p and seeds. Prints each task's held-out MSE as mean and
 * standard deviation over seeds, and MMoE's mean gate weights per expert for the first seed.
 *
 * <p>Models (ReLU): hard sharing, one hidden layer of {@code --bottom} units; OMoE and MMoE, {@code --experts}
 * experts of one layer of {@code --expert-width} units with one gate (OMoE) or one gate per task (MMoE); every task
 * a tower of {@code --tower} units and a linear output.
 */
@Command(name = "mmoe-synthetic", mixinStandardHelpOptions = true,
        description = "MMoE paper's synthetic tasks of controlled correlation p: hard sharing (the paper's shared-bottom) vs OMoE "
                + "vs MMoE.")
public final class MmoeSyntheticExample implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--p", split = ",", defaultValue = "1.0,0.9,0.5",
            description = "Task correlations, comma-separated (default ${DEFAULT-VALUE}).")
    List<Double> correlations;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds per p (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs per model (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--rows", defaultValue = "10000", description = "Training rows (default ${DEFAULT-VALUE}); 1000 test rows.")
    int rows;

    @Option(names = "--batch", defaultValue = "256", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.002", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--experts", defaultValue = "8", description = "Experts of OMoE and MMoE (default ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--expert-width", defaultValue = "16", description = "Units per expert (default ${DEFAULT-VALUE}).")
    int expertWidth;

    @Option(names = "--bottom", defaultValue = "126",
            description = "Units of the shared bottom (default ${DEFAULT-VALUE}: about MMoE's parameter count).")
    int bottom;

    @Option(names = "--tower", defaultValue = "8", description = "Units of each task tower (default ${DEFAULT-VALUE}).")
    int tower;

    @Option(names = "--setting", defaultValue = "third-party",
            description = "Generator constants: third-party (c=0.3, m=5, noise 0.1) or google (c=1, m=10, alpha_i=i, "
                    + "beta_i=(i-1)^2, noise 0.01) (default ${DEFAULT-VALUE}).")
    String setting;

    @Option(names = "--scale", description = "Override the setting's scale c of the task weight vectors.")
    Double scale;

    @Option(names = "--seed", defaultValue = "1", description = "First seed (default ${DEFAULT-VALUE}).")
    long firstSeed;

    /** The architectures compared, in print order. */
    static final List<String> ARCHITECTURES = List.of(HardSharing.NAME, MixtureOfExperts.OMOE.name(), MixtureOfExperts.MMOE.name());

    @Override
    public Integer call() {
        if (seeds < 1 || epochs < 1 || rows < 10 || batch < 1 || !(lr > 0) || experts < 1 || expertWidth < 1 || bottom < 1
                || tower < 1 || (scale != null && !(scale > 0)) || correlations.isEmpty()) {
            throw new IllegalArgumentException("need --seeds, --epochs, --batch, --experts, --expert-width, --bottom, --tower >= 1, "
                    + "--rows >= 10, --lr > 0, --scale > 0 and at least one --p; received seeds=" + seeds + ", epochs=" + epochs
                    + ", rows=" + rows + ", batch=" + batch + ", lr=" + lr + ", experts=" + experts + ", expert-width="
                    + expertWidth + ", bottom=" + bottom + ", tower=" + tower + ", scale=" + scale + ", p=" + correlations + ".");
        }
        for (double p : correlations) {
            if (!(p >= -1 && p <= 1)) {
                throw new IllegalArgumentException("--p values are correlations in [-1, 1], received " + p + ".");
            }
        }
        MmoeSyntheticData.Setting.of(setting);
        // The one line naming the ND4J backend, as every command of the mtl command line prints at start.
        spec.commandLine().getErr().println(BackendInfo.describe());
        run(spec.commandLine().getOut());
        return 0;
    }

    MultiTaskModel model(String architecture, long seed) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(100).activation(Activation.RELU)
                .updater(new Adam(lr)).seed(seed)
                .task(Task.regression("y1").withHead(tower)).task(Task.regression("y2").withHead(tower));
        if (architecture.equals(HardSharing.NAME)) {
            return builder.sharedLayers(bottom).build();
        }
        if (architecture.equals(MixtureOfExperts.MMOE.name())) {
            return builder.sharing(MixtureOfExperts.mmoe(experts, expertWidth)).build();
        }
        if (architecture.equals(MixtureOfExperts.OMOE.name())) {
            return builder.sharing(MixtureOfExperts.omoe(experts, expertWidth)).build();
        }
        throw new IllegalArgumentException("unknown architecture " + architecture + "; expected one of " + ARCHITECTURES + ".");
    }

    void run(PrintWriter out) {
        MmoeSyntheticData.Setting generator = MmoeSyntheticData.Setting.of(setting);
        double c = scale != null ? scale : generator.scale();
        out.printf(Locale.ROOT, "MMoE synthetic (Ma et al. 2018), %s setting: d=100, c=%s, m=%d, noise sd %s; %d train / 1000 test rows; "
                + "%d epochs, batch %d, Adam(%s); seeds %d..%d%n", generator.label(), c, generator.sines(), generator.noise(), rows,
                epochs, batch, lr, firstSeed, firstSeed + seeds - 1);
        out.println("parameters (shared + per task = total):");
        for (String architecture : ARCHITECTURES) {
            var counts = model(architecture, firstSeed).parameterCounts();
            out.printf(Locale.ROOT, "  %-14s %6d + %s = %d%n", architecture, counts.shared(), counts.perTask().values(), counts.total());
        }
        out.println("held-out MSE per task, mean ± sd over seeds (lower is better); the last column pairs each seed's mean MSE");
        out.println("with hard sharing's (the paper's shared-bottom) on the same data (the seed also draws the task, so pairing "
                + "removes most of the spread)");
        out.printf(Locale.ROOT, "%-5s %-14s %18s %18s %18s %20s%n", "p", "model", "y1", "y2", "mean", "mean - hard");
        List<String> gateTables = new ArrayList<>();
        for (double p : correlations) {
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            for (int s = 0; s < seeds; s++) {
                long seed = firstSeed + s;
                MmoeSyntheticData data = generator.data(p, seed, c);
                MultiDataSet train = data.sample(rows, seed * 1000 + 1);
                MultiDataSet test = data.sample(1000, seed * 1000 + 2);
                for (String architecture : ARCHITECTURES) {
                    MultiTaskModel model = model(architecture, seed);
                    MultiTaskTrainer.builder(model).epochs(epochs).seed(seed).metrics(false).build()
                            .fit(new InMemoryMultiDataSetIterator(train, batch, seed));
                    TaskLosses losses = model.losses(test);
                    double y1 = losses.unweighted().get("y1");
                    double y2 = losses.unweighted().get("y2");
                    results.computeIfAbsent(architecture, a -> new ArrayList<>()).add(new double[] {y1, y2, (y1 + y2) / 2});
                    if (s == 0 && MixtureOfExperts.MMOE.name().equals(architecture)) {
                        gateTables.add(String.format(Locale.ROOT, "p = %.2f, seed %d:%n", p, seed)
                                + GateUtilization.of(model, new InMemoryMultiDataSetIterator(test, 500)).table());
                    }
                }
            }
            List<double[]> reference = results.get(ARCHITECTURES.get(0));
            results.forEach((architecture, runs) -> {
                List<double[]> paired = new ArrayList<>();
                for (int s = 0; s < runs.size(); s++) {
                    paired.add(new double[] {runs.get(s)[2] - reference.get(s)[2]});
                }
                out.printf(Locale.ROOT, "%-5.2f %-14s %18s %18s %18s %20s%n", p, architecture,
                        meanSd(runs, 0), meanSd(runs, 1), meanSd(runs, 2), meanSd(paired, 0));
            });
            out.flush();
        }
        out.println("MMoE mean gate weight per expert on the test rows:");
        gateTables.forEach(out::print);
    }

    private static String meanSd(List<double[]> runs, int column) {
        double mean = runs.stream().mapToDouble(r -> r[column]).average().orElseThrow();
        double var = runs.stream().mapToDouble(r -> (r[column] - mean) * (r[column] - mean)).sum() / Math.max(1, runs.size() - 1);
        return String.format(Locale.ROOT, "%.4f ± %.4f", mean, Math.sqrt(var));
    }
}
