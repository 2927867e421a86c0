package io.github.mtldl4j.train;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.CaGrad;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.gradient.UpGrad;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A quick, indicative timing loop (not a benchmark, not a test): ms per training step on the "wide" model
 * (100 -> 256 relu -> 256 relu -> K heads of 64 relu -> 1, batch 256, FLOAT, Adam) for plain fit, the trainer's
 * fixed-weighting path and a few aggregators. Run by hand with {@code OMP_NUM_THREADS=1}; arguments: K, rounds,
 * methods (comma separated), fused (true/false).
 */
public final class StepTimingProbe {
    private static final int BATCH = 256;
    private static final int BATCHES = 8;

    private StepTimingProbe() {
    }

    public static void main(String[] args) {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> methods = Arrays.asList((args.length > 2 ? args[2] : "plain,equal,mgda,pcgrad,cagrad,upgrad").split(","));
        boolean fused = args.length > 3 && Boolean.parseBoolean(args[3]);
        MultiDataSet all = wideData(tasks, BATCH * BATCHES);
        double[][] times = new double[methods.size()][rounds];
        MultiTaskModel[] models = new MultiTaskModel[methods.size()];
        for (int m = 0; m < methods.size(); m++) {
            models[m] = model(tasks, methods.get(m).equals("mgda"), fused);
        }
        for (int r = 0; r < rounds + 1; r++) {
            for (int m = 0; m < methods.size(); m++) {
                InMemoryMultiDataSetIterator data = new InMemoryMultiDataSetIterator(all, BATCH);
                String method = methods.get(m);
                long start = System.nanoTime();
                if (method.equals("plain")) {
                    while (data.hasNext()) {
                        models[m].graph().fit(data.next());
                    }
                } else {
                    MultiTaskTrainer.Builder b = MultiTaskTrainer.builder(models[m]).epochs(1).metrics(false).seed(1);
                    GradientAggregator aggregator = aggregator(method);
                    if (aggregator != null) {
                        b.aggregator(aggregator);
                    }
                    b.build().fit(data);
                }
                if (r > 0) {
                    times[m][r - 1] = (System.nanoTime() - start) / 1e6 / BATCHES;
                }
            }
        }
        for (int m = 0; m < methods.size(); m++) {
            double[] t = times[m].clone();
            Arrays.sort(t);
            System.out.printf("K=%d fused=%s %-8s median %.2f ms/step  (min %.2f)%n", tasks, fused, methods.get(m), t[t.length / 2], t[0]);
        }
    }

    private static GradientAggregator aggregator(String method) {
        return switch (method) {
            case "equal" -> null;
            case "mgda" -> new MgdaUb(true);
            case "mgda-params" -> new MgdaUb(false);
            case "pcgrad" -> new PcGrad();
            case "cagrad" -> new CaGrad();
            case "upgrad" -> new UpGrad();
            default -> throw new IllegalArgumentException(method);
        };
    }

    private static MultiTaskModel model(int tasks, boolean tap, boolean fused) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(100).sharedLayers(256, 256).activation(Activation.RELU)
                .updater(new Adam(1e-3)).seed(1);
        List<Task> list = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            list.add(Task.regression("t" + t).withHead(64));
        }
        builder.tasks(list.toArray(Task[]::new));
        if (tap) {
            builder.representationTap();
        }
        if (fused) {
            builder.fusedHeads();
        }
        return builder.build();
    }

    private static MultiDataSet wideData(int tasks, int rows) {
        Random random = new Random(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, rows, 100);
        INDArray[] labels = new INDArray[tasks];
        for (int t = 0; t < tasks; t++) {
            double[] w = new double[100];
            for (int i = 0; i < w.length; i++) {
                w[i] = random.nextGaussian() / 10;
            }
            labels[t] = x.mmul(Nd4j.create(w, new long[] {100, 1}, 'c').castTo(DataType.FLOAT));
        }
        return new MultiDataSet(new INDArray[] {x}, labels);
    }
}
