package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * The library's overhead over plain DL4J, measured so that a shared machine's drift cancels: the library's graph
 * and the hand-wired one ({@link BenchmarkModels}) train in the same JVM, one step each in turn (which goes first is
 * drawn per pair), and the result is the median over pairs of the per-pair time ratio, with its interquartile range.
 * JMH's separate runs of {@code TrainStepBenchmark} drifted by more than the 3 % this has to resolve.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.github.mtldl4j.benchmarks.InterleavedStepRatio [PAIRS]}
 * (default 2000 pairs for seed, 400 for wide, after a warm-up of a quarter as many).
 */
public final class InterleavedStepRatio {
    private InterleavedStepRatio() {
    }

    public static void main(String[] args) {
        System.out.println(BackendInfo.describe());
        for (BenchmarkModels spec : BenchmarkModels.values()) {
            int pairs = args.length > 0 ? Integer.parseInt(args[0]) : spec == BenchmarkModels.SEED ? 2000 : 400;
            ComputationGraph library = spec.library(42);
            ComputationGraph plain = spec.plain(42);
            MultiDataSet batch = spec.batch(42);
            Random order = new Random(7);
            double[] ratios = new double[pairs];
            double[] libraryMs = new double[pairs];
            double[] plainMs = new double[pairs];
            for (int p = -pairs / 4; p < pairs; p++) {
                boolean libraryFirst = order.nextBoolean();
                double first = step(libraryFirst ? library : plain, batch);
                double second = step(libraryFirst ? plain : library, batch);
                if (p >= 0) {
                    libraryMs[p] = libraryFirst ? first : second;
                    plainMs[p] = libraryFirst ? second : first;
                    ratios[p] = libraryMs[p] / plainMs[p];
                }
            }
            Arrays.sort(ratios);
            Arrays.sort(libraryMs);
            Arrays.sort(plainMs);
            System.out.printf(Locale.ROOT, "%s: %d pairs; median ms per step: library %.3f, plain DL4J %.3f; "
                            + "median per-pair ratio library/plain %.4f (interquartile %.4f-%.4f)%n",
                    spec.name().toLowerCase(Locale.ROOT), pairs, libraryMs[pairs / 2], plainMs[pairs / 2], ratios[pairs / 2],
                    ratios[pairs / 4], ratios[3 * pairs / 4]);
        }
    }

    private static double step(ComputationGraph graph, MultiDataSet batch) {
        long start = System.nanoTime();
        graph.fit(batch);
        return (System.nanoTime() - start) / 1e6;
    }
}
