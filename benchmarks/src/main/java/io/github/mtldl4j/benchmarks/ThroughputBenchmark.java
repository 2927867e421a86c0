package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.examples.data.SyntheticTable;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole tabular pipeline on a generated 100,000-row CSV file, as {@code ./mtl train} runs it: read the file,
 * split, fit the preprocessing, encode, train {@link #epochs} epochs (hard sharing 64,64, batch 256, three tasks with
 * 5 % missing labels), evaluate. Reports seconds per run and, as an auxiliary counter, the seconds of the run spent
 * in {@code fit}: their ratio shows whether the data path is the bottleneck (it must not be: fit &gt;= 90 %).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ThroughputBenchmark {

    /** Rows of the generated table. */
    public static final int ROWS = 100_000;

    /**
     * Training epochs per run (default 1, the data path's worst case: it is paid once per run, training once per
     * epoch); e.g. {@code -p epochs=1,5}.
     */
    @Param({"1"})
    public int epochs;

    private Path csv;

    /** Seconds of the runs in one iteration, in all and in training (JMH reports both next to the score). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class FitTime {
        /** Seconds in {@code MultiTaskTrainer.fit}. */
        public double fitSeconds;
        /** Seconds of the whole runs. */
        public double totalSeconds;

        @Setup(Level.Iteration)
        public void clear() {
            fitSeconds = 0;
            totalSeconds = 0;
        }
    }

    @Setup(Level.Trial)
    public void writeTable() throws IOException {
        System.out.println(BackendInfo.describe());
        csv = Files.createTempFile("mtl-throughput-", ".csv");
        SyntheticTable.write(csv, ROWS, 42);
    }

    @TearDown(Level.Trial)
    public void deleteTable() throws IOException {
        Files.deleteIfExists(csv);
    }

    static TabularTraining.Settings settings(int epochs) {
        List<TaskSpec> tasks = List.of(TaskSpec.parse("price:regression:price"), TaskSpec.parse("churn:binary:churn"),
                TaskSpec.parse("segment:multiclass:segment"));
        // Fixed weights as when the figures of docs/performance.md were measured (the default became uncertainty weighting
        // for hard sharing since), so the pipeline's numbers stay comparable.
        return TabularTraining.Settings.builder(tasks).method("fixed").epochs(epochs).batch(256).learningRate(1e-3).build();
    }

    @Benchmark
    public TabularTraining.Result pipeline(FitTime fit) {
        long start = System.nanoTime();
        TabularTraining.Result result = TabularTraining.train(CsvTable.read(csv), settings(epochs), null);
        fit.totalSeconds += (System.nanoTime() - start) / 1e9;
        fit.fitSeconds += result.trainSeconds();
        return result;
    }
}
