package io.github.mtldl4j.examples;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.eval.MultiTaskEvaluation;
import io.github.mtldl4j.examples.data.IdxFile;
import io.github.mtldl4j.examples.data.MultiFashion;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * MultiFashion (Sener & Koltun, NeurIPS 2018): two Fashion-MNIST items in one 36 x 36 image, tasks "left" and
 * "right"; a LeNet-sized convolutional trunk. Single-task baselines (a trunk per task) against hard sharing with
 * equal weights, MGDA-UB and PCGrad; accuracy per task on composed test images. Needs Debian's Fashion-MNIST:
 * {@code apt-get install -y dataset-fashion-mnist}.
 */
@Command(name = "multifashion", mixinStandardHelpOptions = true,
        description = "MultiFashion: single-task vs hard sharing vs MGDA-UB vs PCGrad with a LeNet-sized conv trunk.")
public final class MultiFashionExample implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--fashion-mnist", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Directory with the gzipped IDX files (default ${DEFAULT-VALUE}, from the Debian package).")
    Path directory;

    @Option(names = "--rows", defaultValue = "3000", description = "Composed training images (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--test-rows", defaultValue = "1000", description = "Composed test images from the t10k items (default ${DEFAULT-VALUE}).")
    int testRows;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (rows < 10 || testRows < 10 || epochs < 1) {
            throw new IllegalArgumentException("need --rows >= 10, --test-rows >= 10 and --epochs >= 1.");
        }
        MultiFashion train = new MultiFashion(IdxFile.read(directory.resolve("train-images-idx3-ubyte.gz")),
                IdxFile.read(directory.resolve("train-labels-idx1-ubyte.gz")));
        MultiFashion test = new MultiFashion(IdxFile.read(directory.resolve("t10k-images-idx3-ubyte.gz")),
                IdxFile.read(directory.resolve("t10k-labels-idx1-ubyte.gz")));
        // The one line naming the ND4J backend, as every command of the mtl command line prints at start.
        spec.commandLine().getErr().println(BackendInfo.describe());
        PrintWriter out = spec.commandLine().getOut();
        MultiDataSet trainData = train.compose(rows, seed);
        MultiDataSet testData = test.compose(testRows, seed + 1);
        out.printf(Locale.ROOT, "MultiFashion: %d training and %d test images (36 x 36), %d epochs, batch 128, Adam(1e-3), seed %d%n",
                rows, testRows, epochs, seed);
        out.printf(Locale.ROOT, "%-14s %10s %10s %10s %12s %9s%n", "method", "left acc", "right acc", "mean", "parameters", "seconds");
        run(out, "single-task", ConvolutionalTrunk.independent(36, 36, 1), null, trainData, testData);
        run(out, "hard (equal)", ConvolutionalTrunk.hard(36, 36, 1), null, trainData, testData);
        run(out, "mgda-ub", ConvolutionalTrunk.hard(36, 36, 1), MgdaUb.onRepresentation(), trainData, testData);
        run(out, "pcgrad", ConvolutionalTrunk.hard(36, 36, 1), new PcGrad(), trainData, testData);
        return 0;
    }

    private void run(PrintWriter out, String name, ConvolutionalTrunk trunk, GradientAggregator aggregator, MultiDataSet train,
                     MultiDataSet test) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(MultiFashion.SIDE * MultiFashion.SIDE).sharing(trunk)
                .updater(new Adam(1e-3)).seed(seed)
                .tasks(Task.multiclass("left", MultiFashion.CLASSES), Task.multiclass("right", MultiFashion.CLASSES));
        if (aggregator != null && aggregator.usesRepresentationGradients()) {
            builder.representationTap();
        }
        MultiTaskModel model = builder.build();
        long start = System.nanoTime();
        MultiTaskTrainer.builder(model).epochs(epochs).metrics(false).seed(seed).aggregator(aggregator).build()
                .fit(new InMemoryMultiDataSetIterator(train, 128, seed));
        double seconds = (System.nanoTime() - start) / 1e9;
        MultiTaskEvaluation evaluation = MultiTaskEvaluation.evaluate(model, new InMemoryMultiDataSetIterator(test, 500));
        double left = evaluation.task("left").get("accuracy");
        double right = evaluation.task("right").get("accuracy");
        out.printf(Locale.ROOT, "%-14s %10.4f %10.4f %10.4f %12d %9.1f%n", name, left, right, (left + right) / 2,
                model.parameterCounts().total(), seconds);
        out.flush();
    }
}
