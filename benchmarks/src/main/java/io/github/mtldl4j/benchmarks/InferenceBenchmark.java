package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One question: what does one {@link MultiTaskModel#predict} call cost, per batch size? Rows per second are
 * {@code rows / time per call}. {@code impl=direct} is predict as shipped (the direct forward pass for these graphs);
 * {@code impl=dl4j} turns it off ({@link MultiTaskModel#DIRECT_INFERENCE_PROPERTY}), so predict runs
 * {@code ComputationGraph.output}. The PyTorch side is {@code benchmarks/reference/mtl_step.py}'s forward pass under
 * {@code torch.inference_mode()}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class InferenceBenchmark {

    /** A model of {@link BenchmarkModels} ({@code wide}: 100 -> 256 -> 256 -> 8 heads of 64 -> 1). */
    @Param({"wide"})
    public String model;

    /** Rows per predict call. */
    @Param({"1", "256"})
    public int rows;

    /** {@code direct}: predict as shipped; {@code dl4j}: predict through {@code ComputationGraph.output}. */
    @Param({"direct"})
    public String impl;

    private MultiTaskModel mtl;
    private INDArray features;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println(BackendInfo.describe());
        if (!impl.equals("direct") && !impl.equals("dl4j")) {
            throw new IllegalArgumentException("impl must be direct or dl4j, received '" + impl + "'.");
        }
        // Read when the model is made.
        System.setProperty(MultiTaskModel.DIRECT_INFERENCE_PROPERTY, Boolean.toString(impl.equals("direct")));
        BenchmarkModels spec = BenchmarkModels.named(model);
        mtl = spec.model(42, false);
        INDArray all = spec.batch(42).getFeatures(0);
        if (rows > all.rows()) {
            throw new IllegalArgumentException("rows must be at most " + all.rows() + " for model " + model + ", received " + rows + ".");
        }
        features = all.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup();
    }

    @Benchmark
    public void predict(Blackhole blackhole) {
        blackhole.consume(mtl.predict(features));
    }
}
