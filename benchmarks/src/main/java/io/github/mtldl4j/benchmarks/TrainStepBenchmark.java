package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.examples.data.SeedArticleData;
import io.github.mtldl4j.train.DirectTrainingStep;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
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
 * One question: what does one training step cost when the graph is built by this library, against the same
 * graph wired by hand in plain DL4J? The models of issues 6 and 19 ({@link BenchmarkModels#SEED seed},
 * {@link BenchmarkModels#WIDE wide}, {@link BenchmarkModels#MMOE mmoe}, {@link BenchmarkModels#MIXED mixed} and {@link BenchmarkModels#LENET lenet}), every implementation, one JMH invocation: compare them as ratios. The
 * PyTorch side of the comparison is {@code benchmarks/reference/mtl_step.py}; {@code benchmarks/side-by-side.sh}
 * runs both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainStepBenchmark {

    /**
     * {@code seed}: 10 -> 2 -> 2 heads of 2, batch 1000; {@code wide}: 100 -> 256 -> 256 -> 8 heads (64 -> 1), batch 256;
     * {@code mmoe}: 100 inputs, 8 experts of 64, 4 softmax gates and towers (64 -> 32 -> 1), batch 256; {@code mixed}: the
     * wide model with 4 binary (sigmoid, binary cross-entropy) and 4 ten-class (softmax, cross-entropy) heads; {@code lenet}
     * (pass it with {@code -p model=lenet}): the MultiFashion convolutional trunk and two ten-class heads, 256 images of 36x36.
     */
    @Param({"seed", "wide", "mmoe", "mixed"})
    public String model;

    /**
     * {@code mtl}: this library's builder, trained by {@code ComputationGraph.fit}; {@code plain}: a hand-wired
     * ComputationGraph; {@code direct}: the builder's graph trained by {@link DirectTrainingStep} (what
     * {@code MultiTaskTrainer} uses for such graphs); {@code fused} and {@code direct-fused} (wide only, pass them
     * with {@code -p impl=...}): the builder with {@code fusedHeads()}, by {@code fit} and by the direct step. A graph the
     * direct step cannot train (lenet's convolutions, today) fails its {@code direct} rows at setup with the reason; JMH
     * goes on with the other rows.
     */
    @Param({"mtl", "plain", "direct"})
    public String impl;

    private ComputationGraph graph;
    private DirectTrainingStep direct;
    private MultiDataSet batch;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println(BackendInfo.describe());
        BenchmarkModels spec = BenchmarkModels.named(model);
        batch = spec.batch(42);
        graph = switch (impl) {
            case "mtl", "direct" -> spec.library(42);
            case "fused", "direct-fused" -> spec.library(42, true);
            case "plain" -> spec.plain(42);
            default -> throw new IllegalArgumentException("impl must be mtl, fused, plain, direct or direct-fused, received '"
                    + impl + "'.");
        };
        if (impl.startsWith("direct")) {
            String reason = DirectTrainingStep.unsupportedReason(graph).orElse(null);
            if (reason != null) {
                System.out.println("impl=" + impl + " skipped for model=" + model + ": DirectTrainingStep cannot train it ("
                        + reason + "); its fit is impl=mtl.");
                throw new UnsupportedOperationException("impl=" + impl + " is not available for model=" + model
                        + ": DirectTrainingStep cannot train this graph (" + reason + "); time it by fit with impl=mtl.");
            }
        }
        direct = impl.startsWith("direct") ? DirectTrainingStep.of(graph) : null;
    }

    @Benchmark
    public void trainStep(Blackhole blackhole) {
        if (direct != null) {
            direct.fit(batch);
        } else {
            graph.fit(batch);
        }
        blackhole.consume(graph.score());
    }
}
