package io.github.mtldl4j.tabular.pipeline;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.data.TaskTables;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Tasks from tables of their own (issue 17, "a dataset per task"): the same rows in one table with the other labels
 * empty train to the same parameters; each table is split on its own; the sampler draws tables at the stated rates.
 */
class TaskTablesTest {
    private static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("a:binary:a"), TaskSpec.parse("b:regression:b"));

    /** Rows of task a: features x1, x2, g; label a; and a column b whose values are not a's file's to give (ignored). */
    private static String aRows(boolean withB) {
        StringBuilder csv = new StringBuilder(withB ? "x1,x2,g,a,b\n" : "");
        Random random = new Random(3);
        for (int r = 0; r < 16; r++) {
            double x1 = Math.round(random.nextGaussian() * 100) / 100.0;
            double x2 = Math.round(random.nextGaussian() * 100) / 100.0;
            csv.append(x1).append(',').append(x2).append(',').append(r % 3 == 0 ? "u" : "v").append(',')
                    .append(r % 2 == 0 ? "yes" : "no");
            csv.append(withB ? "," + (1000 + r) : ",").append('\n');
        }
        return csv.toString();
    }

    /** Rows of task b as (x1, x2, g, b). */
    private static double[][] bValues() {
        Random random = new Random(5);
        double[][] rows = new double[8][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = new double[] {Math.round(random.nextGaussian() * 100) / 100.0, Math.round(random.nextGaussian() * 100) / 100.0,
                    r % 2, Math.round(random.nextGaussian() * 100) / 10.0};
        }
        return rows;
    }

    private static TabularTraining.Settings settings() {
        return TabularTraining.Settings.builder(TASKS).shared(List.of(4)).epochs(2).batch(5).validFraction(0.25).seed(11).build();
    }

    private static Map<String, CsvTable> own(CsvTable a, CsvTable b) {
        Map<String, CsvTable> byTask = new LinkedHashMap<>();
        byTask.put("a", a);
        byTask.put("b", b);
        return byTask;
    }

    @Test
    void aTaskInItsOwnTableTrainsAsTheSameRowsInOneTableWithTheOtherLabelsEmpty() {
        // b's file has its columns in another order: features are matched by name.
        StringBuilder bFile = new StringBuilder("x2,b,g,x1\n");
        StringBuilder oneTable = new StringBuilder("x1,x2,g,a,b\n").append(aRows(false));
        for (double[] row : bValues()) {
            String g = row[2] == 0 ? "u" : "v";
            bFile.append(row[1]).append(',').append(row[3]).append(',').append(g).append(',').append(row[0]).append('\n');
            oneTable.append(row[0]).append(',').append(row[1]).append(',').append(g).append(",,").append(row[3]).append('\n');
        }
        String validation = "x1,x2,g,a,b\n0.1,0.2,u,yes,1.5\n-0.3,0.4,v,no,\n0.5,-0.6,v,,2.5\n0.7,0.1,u,no,-1\n";
        TabularTraining.Settings settings = settings();
        TabularTraining.Result separate = TabularTraining.train(new TaskTables(null, own(CsvTable.parse(aRows(true), "a.csv"),
                        CsvTable.parse(bFile.toString(), "b.csv"))), CsvTable.parse(validation, "valid.csv"), settings,
                TabularTraining.Hooks.none(), TabularTraining.Safeguards.none());
        TabularTraining.Result together = TabularTraining.train(CsvTable.parse(oneTable.toString(), "one.csv"),
                CsvTable.parse(validation, "valid.csv"), settings, TabularTraining.Hooks.none());
        // The same rows in the same order, encoded alike: identical operations, so identical parameters.
        assertIdentical(together.model().graph().params(), separate.model().graph().params(), "parameters after 2 epochs");
        assertEquals(together.metrics().get("b").metrics(), separate.metrics().get("b").metrics());
        assertEquals(16L, separate.trainingEncoding().missingLabels().get("b"), "a's 16 rows carry no b label (its b column ignored)");
        assertEquals(8L, separate.trainingEncoding().missingLabels().get("a"));
    }

    @Test
    void eachTableIsSplitOnItsOwnStratifiedOnItsTask() {
        StringBuilder bFile = new StringBuilder("x1,x2,g,b\n");
        for (double[] row : bValues()) {
            bFile.append(row[0]).append(',').append(row[1]).append(',').append(row[2] == 0 ? "u" : "v").append(',').append(row[3]).append('\n');
        }
        TabularTraining.Split split = TabularTraining.split(new TaskTables(null, own(CsvTable.parse(aRows(true), "a.csv"),
                CsvTable.parse(bFile.toString(), "b.csv"))), null, settings());
        // a: 8 yes and 8 no, a quarter of each held out = 2 + 2; b: a quarter of 8 = 2.
        assertEquals(6, split.validation().rowCount());
        assertEquals(18, split.train().rowCount());
        int[] expected = new int[18];
        Arrays.fill(expected, 12, 18, 1);
        assertArrayEquals(expected, split.trainTables());
        int a = split.validation().column("a", "test");
        long yes = java.util.stream.IntStream.range(0, 6).filter(r -> "yes".equals(split.validation().value(r, a))).count();
        long no = java.util.stream.IntStream.range(0, 6).filter(r -> "no".equals(split.validation().value(r, a))).count();
        assertEquals(2, yes);
        assertEquals(2, no);
    }

    @Test
    void badTablesAreRefusedNamingTheFileAndColumn() {
        CsvTable a = CsvTable.parse(aRows(true), "a.csv");
        CsvTable bWithoutLabel = CsvTable.parse("x1,x2,g\n1,2,u\n", "b.csv");
        CsvTable bWithoutFeature = CsvTable.parse("x1,b,g\n1,2,u\n", "b.csv");
        String noLabel = assertThrows(InvalidDataException.class,
                () -> TabularTraining.split(new TaskTables(null, own(a, bWithoutLabel)), null, settings())).getMessage();
        assertTrue(noLabel.startsWith("b.csv: no column 'b' (label column of task 'b')"), noLabel);
        String noFeature = assertThrows(InvalidDataException.class,
                () -> TabularTraining.split(new TaskTables(null, own(a, bWithoutFeature)), null, settings())).getMessage();
        assertTrue(noFeature.startsWith("b.csv: no column 'x2' (a feature column, as in a.csv"), noFeature);
        // A bad value is reported at its own file's line, not at a row number of the stacked table.
        CsvTable bWithNaN = CsvTable.parse("x1,x2,g,b\n1,2,u,3\nNaN,1,v,4\n", "b.csv");
        String nan = assertThrows(InvalidDataException.class, () -> TabularTraining.prepare(new TaskTables(null, own(a, bWithNaN)),
                CsvTable.parse("x1,x2,g,a,b\n1,2,u,yes,3\n", "valid.csv"), settings())).getMessage();
        assertTrue(nan.startsWith("b.csv: line 3, column 'x1'"), nan);
        String unknown = assertThrows(InvalidDataException.class,
                () -> new TaskTables(a, Map.of("c", a)).parts(TASKS)).getMessage();
        assertTrue(unknown.contains("unknown task 'c'"), unknown);
        String none = assertThrows(InvalidDataException.class,
                () -> new TaskTables(null, Map.of("a", a)).parts(TASKS)).getMessage();
        assertTrue(none.startsWith("task 'b' has no table"), none);
    }

    /** Draws one epoch through the iterator and counts the rows of each table (table 0: rows 0-89, table 1: 90-99). */
    private static int[][] drawn(TaskSampling sampling, int epochs) {
        int[] tableOfRow = new int[100];
        Arrays.fill(tableOfRow, 90, 100, 1);
        MultiDataSet data = new MultiDataSet(Nd4j.arange(100).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(100, 1),
                Nd4j.zeros(100, 1));
        InMemoryMultiDataSetIterator batches = InMemoryMultiDataSetIterator.ordered(data, 7, sampling.order(tableOfRow, 42));
        int[][] counts = new int[epochs][100];
        for (int e = 0; e < epochs; e++) {
            if (e > 0) {
                batches.reset();
            }
            while (batches.hasNext()) {
                for (double row : batches.next().getFeatures(0).toDoubleVector()) {
                    counts[e][(int) row]++;
                }
            }
        }
        return counts;
    }

    private static int rowsOf(int[] counts, int from, int to) {
        return Arrays.stream(counts, from, to).sum();
    }

    @Test
    void equalSamplingDrawsEachTableHalfOfEveryEpochAndCyclesThroughItsRows() {
        int[][] counts = drawn(TaskSampling.equal(), 9);
        for (int[] epoch : counts) {
            assertEquals(50, rowsOf(epoch, 0, 90), "rows of the 90-row table per epoch");
            assertEquals(50, rowsOf(epoch, 90, 100), "rows of the 10-row table per epoch");
        }
        // 50 draws a epoch from 10 rows: each row 5 times per epoch; from 90 rows over 9 epochs: each row 5 times.
        for (int row = 90; row < 100; row++) {
            assertEquals(5, counts[0][row], "row " + row);
        }
        for (int row = 0; row < 90; row++) {
            int total = 0;
            for (int[] epoch : counts) {
                total += epoch[row];
            }
            assertEquals(5, total, "row " + row + " over 9 epochs");
        }
    }

    @Test
    void temperatureTwoDrawsInProportionToTheSquareRootOfTheSizes() {
        // sqrt(90) : sqrt(10) = 3 : 1, so 75 and 25 of the 100 rows of an epoch.
        for (int[] epoch : drawn(TaskSampling.temperature(2), 2)) {
            assertEquals(75, rowsOf(epoch, 0, 90));
            assertEquals(25, rowsOf(epoch, 90, 100));
        }
        assertArrayEquals(new double[] {0.9, 0.1}, TaskSampling.proportional().rates(new int[] {90, 10}), 1e-15);
        assertEquals("temperature:2", TaskSampling.parse("temperature:2").toString());
        assertEquals(TaskSampling.equal(), TaskSampling.parse("equal"));
        assertThrows(InvalidDataException.class, () -> TaskSampling.parse("temperature:0.5"));
    }
}
