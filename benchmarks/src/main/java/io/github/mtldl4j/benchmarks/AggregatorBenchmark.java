package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.AlignedMtl;
import io.github.mtldl4j.gradient.CaGrad;
import io.github.mtldl4j.gradient.ConFig;
import io.github.mtldl4j.gradient.DbMtl;
import io.github.mtldl4j.gradient.DualProj;
import io.github.mtldl4j.gradient.ExcessMtl;
import io.github.mtldl4j.gradient.FairGrad;
import io.github.mtldl4j.gradient.GradDrop;
import io.github.mtldl4j.gradient.GradVac;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.ImtlG;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.MoCo;
import io.github.mtldl4j.gradient.MoDo;
import io.github.mtldl4j.gradient.NashMtl;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.gradient.SdmGrad;
import io.github.mtldl4j.gradient.SumAggregator;
import io.github.mtldl4j.gradient.UpGrad;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.TrainerInternals;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.Famo;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GeometricLossStrategy;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.ImtlL;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.RandomLossWeighting;
import io.github.mtldl4j.weighting.SmoothTchebycheff;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One question: what does one training step of each weighting and aggregation method cost, relative to equal
 * weights, at K = 2, 4 and 8 tasks? Model "wide": 100 inputs, shared 256-256 ReLU trunk, per task a 64 ReLU head
 * and one regression output, batch 256, FLOAT, Adam. Each invocation trains one epoch of 8 batches through
 * {@link MultiTaskTrainer} (metrics off), so the per-epoch overhead is included, amortized over 8 steps.
 * {@code benchmarks/aggregator-costs.sh} runs it and prints every method's ratio to {@code equal}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class AggregatorBenchmark {
    private static final int BATCHES = 8;
    private static final int BATCH = 256;

    @Param({"2", "4", "8"})
    public int tasks;

    @Param({"equal", "uncertainty", "dwa", "rlw", "gradnorm", "famo", "gls", "imtl-l", "stch", "sum", "pcgrad", "mgda", "mgda-params",
        "cagrad", "imtl", "upgrad", "aligned-mtl", "aligned-mtl-ub", "config", "nash-mtl", "dualproj", "gradvac",
        "imtl-hybrid", "fairgrad", "db-mtl", "excess-mtl", "moco",
        "graddrop", "sdmgrad", "modo"})
    public String method;

    /**
     * {@code direct}: the trainer's default, {@link io.github.mtldl4j.train.DirectTrainingStep} for these dense
     * graphs; {@code fit}: every pass through DL4J's graph ({@code TrainerInternals.directSteps(builder, false)}).
     */
    @Param({"direct"})
    public String steps;

    private MultiTaskTrainer trainer;
    private InMemoryMultiDataSetIterator data;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println(BackendInfo.describe());
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(100).sharedLayers(256, 256).activation(Activation.RELU)
                .updater(new Adam(1e-3)).seed(1);
        List<Task> list = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            list.add(Task.regression("t" + t).withHead(64));
        }
        builder.tasks(list.toArray(Task[]::new));
        if ("mgda".equals(method) || "aligned-mtl-ub".equals(method)) {
            builder.representationTap();
        }
        if ("graddrop".equals(method)) {
            builder.representationTap();
        }
        MultiTaskModel model = builder.build();
        data = new InMemoryMultiDataSetIterator(wideData(tasks, BATCHES * BATCH), BATCH);
        if (!"direct".equals(steps) && !"fit".equals(steps)) {
            throw new IllegalArgumentException("steps must be direct or fit, received '" + steps + "'.");
        }
        MultiTaskTrainer.Builder training = TrainerInternals.directSteps(
                MultiTaskTrainer.builder(model).epochs(1).metrics(false).seed(1), "direct".equals(steps));
        LossWeighting weighting = weighting(method);
        if (weighting != null) {
            training.weighting(weighting);
        }
        if (weighting == null || "imtl-hybrid".equals(method)) {
            training.aggregator(aggregator(method));
        }
        trainer = training.build();
    }

    static LossWeighting weighting(String method) {
        return switch (method) {
            case "equal" -> new FixedWeighting();
            case "uncertainty" -> new UncertaintyWeighting();
            case "dwa" -> new DynamicWeightAverage();
            case "rlw" -> new RandomLossWeighting();
            case "gradnorm" -> new GradNorm();
            case "famo" -> new Famo();
            case "gls" -> new GeometricLossStrategy();
            case "imtl-l" -> new ImtlL();
            case "stch" -> new SmoothTchebycheff();
            case "imtl-hybrid" -> new ImtlL();
            default -> null;
        };
    }

    static GradientAggregator aggregator(String method) {
        return switch (method) {
            case "sum" -> new SumAggregator();
            case "pcgrad" -> new PcGrad();
            case "mgda" -> MgdaUb.onRepresentation();
            case "mgda-params" -> MgdaUb.onSharedParameters();
            case "cagrad" -> new CaGrad();
            case "imtl" -> new ImtlG();
            case "upgrad" -> new UpGrad();
            case "aligned-mtl" -> AlignedMtl.onSharedParameters();
            case "aligned-mtl-ub" -> AlignedMtl.onRepresentation();
            case "config" -> new ConFig();
            case "nash-mtl" -> new NashMtl();
            case "dualproj" -> new DualProj();
            case "gradvac" -> new GradVac();
            case "imtl-hybrid" -> new ImtlG();
            case "fairgrad" -> new FairGrad();
            case "db-mtl" -> new DbMtl();
            case "excess-mtl" -> new ExcessMtl();
            case "moco" -> new MoCo();
            case "graddrop" -> GradDrop.onRepresentation();
            case "sdmgrad" -> new SdmGrad();
            case "modo" -> new MoDo();
            default -> throw new IllegalArgumentException("unknown method " + method);
        };
    }

    /** Gaussian features, each task a different random linear target. */
    static MultiDataSet wideData(int tasks, int rows) {
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

    @Benchmark
    @OperationsPerInvocation(BATCHES)
    public Object trainingStep() {
        return trainer.fit(data);
    }
}
