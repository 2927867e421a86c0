package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.train.DirectTrainingStep;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Two graphs' training steps compared so that a shared machine's drift cancels: both train in the same JVM, one step
 * each in turn (which goes first is drawn per pair), and the result is the median over pairs of the per-pair time
 * ratio, with its interquartile range. JMH's separate runs of {@code TrainStepBenchmark} drifted by more than the 3 %
 * this has to resolve. Compared: the library's graph against the hand-wired one ({@link BenchmarkModels}: seed, wide
 * and mmoe: the library's overhead), the library's graph trained by {@link DirectTrainingStep} against the hand-wired one
 * trained by {@code fit}, and the wide model with fused heads against separate heads.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.github.mtldl4j.benchmarks.InterleavedStepRatio [PAIRS]}
 * (default 2000 pairs for seed, 400 for wide and mmoe, after a warm-up of a quarter as many).
 */
public final class InterleavedStepRatio {
    private InterleavedStepRatio() {
    }

    public static void main(String[] args) {
        System.out.println(BackendInfo.describe());
        for (BenchmarkModels spec : BenchmarkModels.values()) {
            int pairs = args.length > 0 ? Integer.parseInt(args[0]) : spec == BenchmarkModels.SEED ? 2000
                    : spec == BenchmarkModels.LENET ? 20 : 400;
            String model = spec.name().toLowerCase(Locale.ROOT);
            MultiDataSet batch = spec.batch(42);
            compare(model + ": library/plain DL4J", fit(spec.library(42)), fit(spec.plain(42)), batch, pairs);
            if (DirectTrainingStep.unsupportedReason(spec.library(42)).isEmpty()) {
                compare(model + ": direct step/plain DL4J", direct(spec.library(42)), fit(spec.plain(42)), batch, pairs);
            } else {
                System.out.println(model + ": no direct step (" + DirectTrainingStep.unsupportedReason(spec.library(42)).get() + ")");
            }
            if (spec == BenchmarkModels.WIDE) {
                compare(model + ": fused heads/separate heads", fit(spec.library(42, true)), fit(spec.library(42)), batch, pairs);
                compare(model + ": direct step with fused heads/plain DL4J", direct(spec.library(42, true)),
                        fit(spec.plain(42)), batch, pairs);
            }
        }
    }

    private static Consumer<MultiDataSet> fit(ComputationGraph graph) {
        return graph::fit;
    }

    private static Consumer<MultiDataSet> direct(ComputationGraph graph) {
        DirectTrainingStep step = DirectTrainingStep.of(graph);
        return step::fit;
    }

    /** Times {@code a} and {@code b} on the same batch in {@code pairs} pairs of random order (a quarter more to warm up). */
    static void compare(String what, Consumer<MultiDataSet> a, Consumer<MultiDataSet> b, MultiDataSet batch, int pairs) {
        Random order = new Random(7);
        double[] ratios = new double[pairs];
        double[] aMs = new double[pairs];
        double[] bMs = new double[pairs];
        for (int p = -pairs / 4; p < pairs; p++) {
            boolean aFirst = order.nextBoolean();
            double first = step(aFirst ? a : b, batch);
            double second = step(aFirst ? b : a, batch);
            if (p >= 0) {
                aMs[p] = aFirst ? first : second;
                bMs[p] = aFirst ? second : first;
                ratios[p] = aMs[p] / bMs[p];
            }
        }
        Arrays.sort(ratios);
        Arrays.sort(aMs);
        Arrays.sort(bMs);
        System.out.printf(Locale.ROOT, "%s: %d pairs; median ms per step %.3f and %.3f; median per-pair ratio %.4f "
                + "(interquartile %.4f-%.4f)%n", what, pairs, aMs[pairs / 2], bMs[pairs / 2], ratios[pairs / 2],
                ratios[pairs / 4], ratios[3 * pairs / 4]);
    }

    private static double step(Consumer<MultiDataSet> train, MultiDataSet batch) {
        long start = System.nanoTime();
        train.accept(batch);
        return (System.nanoTime() - start) / 1e6;
    }
}
