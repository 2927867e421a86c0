package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.examples.data.SyntheticTable;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.DataSplit;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A hand-run timing of the data path of {@code ./mtl train} (read, split, fit the preprocessing, encode the training
 * and validation rows) on a table shaped as {@code ThroughputBenchmark}'s. Prints the median seconds per stage. The
 * "before" column of docs/performance.md came from the replaced code, since removed from the tests (its results are
 * DataPathEquivalenceTest's golden file); to time it again, check out the commit before
 * {@code git log --diff-filter=D -- mtl-dl4j/src/test/java/io/github/mtldl4j/data/ReferenceCsvTable.java}. Not a test; run it with
 * {@code java -cp <test classpath> io.github.mtldl4j.benchmarks.DataPathTiming [rows] [repetitions]}.
 */
final class DataPathTiming {
    private static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("price:regression:price"), TaskSpec.parse("churn:binary:churn"),
            TaskSpec.parse("segment:multiclass:segment"));

    private DataPathTiming() {
    }

    public static void main(String[] args) throws IOException {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        Path csv = Files.createTempFile("mtl-datapath-", ".csv");
        try {
            SyntheticTable.write(csv, rows, 42);
            double[][] after = new double[4][repetitions];
            for (int warmup = 0; warmup < 3; warmup++) {
                runAfter(csv, new double[4][1], 0);
            }
            for (int i = 0; i < repetitions; i++) {
                runAfter(csv, after, i);
            }
            String[] stages = {"read", "split", "fit preprocessing", "encode", "total"};
            System.out.printf(Locale.ROOT, "%,d rows, median of %d, seconds:%n%-18s %8s%n", rows, repetitions, "stage", "seconds");
            double totalAfter = 0;
            for (int s = 0; s < 4; s++) {
                double a = median(after[s]);
                totalAfter += a;
                System.out.printf(Locale.ROOT, "%-18s %8.3f%n", stages[s], a);
            }
            System.out.printf(Locale.ROOT, "%-18s %8.3f%n", stages[4], totalAfter);
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    private static void runAfter(Path csv, double[][] seconds, int i) {
        long t0 = System.nanoTime();
        CsvTable table = CsvTable.read(csv);
        long t1 = System.nanoTime();
        DataSplit split = DataSplit.of(table, 0.2, 42, null);
        CsvTable train = table.rows(split.train());
        CsvTable valid = table.rows(split.validation());
        long t2 = System.nanoTime();
        TabularPreprocessor pre = TabularPreprocessor.fit(train, TASKS, null, Set.of());
        long t3 = System.nanoTime();
        int checksum = pre.encode(train).data().getFeatures(0).columns() + pre.encode(valid).data().getFeatures(0).columns();
        long t4 = System.nanoTime();
        record(seconds, i, t0, t1, t2, t3, t4, checksum);
    }

    private static void record(double[][] seconds, int i, long t0, long t1, long t2, long t3, long t4, int checksum) {
        if (checksum != 2 * 18) {
            throw new IllegalStateException("unexpected input width " + checksum / 2);
        }
        seconds[0][i] = (t1 - t0) / 1e9;
        seconds[1][i] = (t2 - t1) / 1e9;
        seconds[2][i] = (t3 - t2) / 1e9;
        seconds[3][i] = (t4 - t3) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
