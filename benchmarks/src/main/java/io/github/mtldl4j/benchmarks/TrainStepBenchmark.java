package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.SeedArticleData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
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
 * One question: what does one training step of the seed model cost when built by this library, against the
 * same graph wired by hand in plain DL4J? Both run in one JMH invocation, so compare them as a ratio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainStepBenchmark {

    /** {@code mtl}: this library's builder; {@code plain}: a hand-wired ComputationGraph. */
    @Param({"mtl", "plain"})
    public String impl;

    private ComputationGraph graph;
    private MultiDataSet batch;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println(BackendInfo.describe());
        batch = SeedArticleData.generate(42, DataType.FLOAT);
        graph = "mtl".equals(impl) ? seedModel() : plainSeedModel();
    }

    static ComputationGraph seedModel() {
        return MultiTaskGraphBuilder.forInputs(SeedArticleData.FEATURES).sharedLayers(2).activation(Activation.IDENTITY)
                .bias(false).updater(new Adam(1e-3)).seed(42)
                .task(Task.regression("task1", 2)).task(Task.regression("task2", 2))
                .build().graph();
    }

    static ComputationGraph plainSeedModel() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3))
                .dataType(DataType.FLOAT).graphBuilder()
                .addInputs("input").setInputTypes(InputType.feedForward(SeedArticleData.FEATURES))
                .addLayer("trunk_0", new DenseLayer.Builder().nIn(SeedArticleData.FEATURES).nOut(2)
                        .activation(Activation.IDENTITY).hasBias(false).build(), "input")
                .addLayer("task1", new OutputLayer.Builder().nIn(2).nOut(2).activation(Activation.IDENTITY)
                        .lossFunction(new LossMSE()).hasBias(false).build(), "trunk_0")
                .addLayer("task2", new OutputLayer.Builder().nIn(2).nOut(2).activation(Activation.IDENTITY)
                        .lossFunction(new LossMSE()).hasBias(false).build(), "trunk_0")
                .setOutputs("task1", "task2").build();
        ComputationGraph plain = new ComputationGraph(conf);
        plain.init();
        return plain;
    }

    @Benchmark
    public void trainStep(Blackhole blackhole) {
        graph.fit(batch);
        blackhole.consume(graph.score());
    }
}
