package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.LabelValidator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One question: what does checking the labels ({@link LabelValidator}) add to a {@link MultiTaskModel#fit} step? A
 * realistic batch: 256 rows of 32 features, three tasks (regression, binary, multiclass with 10 classes, 10 % of the
 * multiclass rows masked as missing), a 64-64 trunk, Adam, FLOAT. {@code fit}: {@code MultiTaskModel.fit}, which checks;
 * {@code unchecked}: the same step through the graph's own {@code fit}; {@code check}: the check alone. Compare them as
 * ratios within one run ({@code docs/label-checks.md}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LabelCheckBenchmark {
    private static final int FEATURES = 32;
    private static final int CLASSES = 10;

    /** What is timed: {@code fit} (checked step), {@code unchecked} (the graph's fit alone) or {@code check} (the check alone). */
    @Param({"fit", "unchecked", "check"})
    public String impl;

    /** Rows per batch. */
    @Param({"256"})
    public int rows;

    private MultiTaskModel model;
    private LabelValidator validator;
    private MultiDataSet batch;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println(BackendInfo.describe());
        List<Task> tasks = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", CLASSES));
        model = MultiTaskGraphBuilder.forInputs(FEATURES).sharedLayers(64, 64).updater(new Adam(1e-3)).seed(42)
                .tasks(tasks.toArray(Task[]::new)).build();
        validator = new LabelValidator(tasks);
        batch = batch(rows, new Random(42));
    }

    /** Seeded features and valid labels; every tenth row's multiclass label masked (and zero). */
    static MultiDataSet batch(int rows, Random random) {
        float[] x = new float[rows * FEATURES];
        float[] price = new float[rows];
        float[] churn = new float[rows];
        float[] segment = new float[rows * CLASSES];
        float[] mask = new float[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < FEATURES; c++) {
                x[r * FEATURES + c] = (float) random.nextGaussian();
            }
            price[r] = (float) random.nextGaussian();
            churn[r] = random.nextBoolean() ? 1 : 0;
            if (r % 10 != 9) {
                segment[r * CLASSES + random.nextInt(CLASSES)] = 1;
                mask[r] = 1;
            }
        }
        INDArray[] labels = {matrix(price, rows, 1), matrix(churn, rows, 1), matrix(segment, rows, CLASSES)};
        INDArray[] masks = {null, null, matrix(mask, rows, 1)};
        return new MultiDataSet(new INDArray[] {matrix(x, rows, FEATURES)}, labels, null, masks);
    }

    private static INDArray matrix(float[] values, int rows, int columns) {
        return Nd4j.create(values, new long[] {rows, columns}, DataType.FLOAT);
    }

    @Benchmark
    public void step(Blackhole blackhole) {
        switch (impl) {
            case "fit" -> {
                model.fit(batch);
                blackhole.consume(model.graph().score());
            }
            case "unchecked" -> {
                model.graph().fit(batch);
                blackhole.consume(model.graph().score());
            }
            case "check" -> {
                validator.check(batch);
                blackhole.consume(batch);
            }
            default -> throw new IllegalArgumentException("impl must be fit, unchecked or check, received '" + impl + "'.");
        }
    }
}
