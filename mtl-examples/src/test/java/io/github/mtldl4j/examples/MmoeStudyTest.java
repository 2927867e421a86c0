package io.github.mtldl4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mtl mmoe-study}'s plumbing on a tiny budget: results, resuming, atomic files, the direct step. */
class MmoeStudyTest {

    private static final String[] TINY = {"--setting", "google", "--p", "0.5", "--rows", "64", "--test-rows", "16",
        "--steps", "4", "--eval-every", "2", "--batch", "16", "--models", "hard,mmoe", "--experts", "2", "--expert-width", "3",
        "--bottom", "4", "--tower", "2"};

    private static String run(Path out, String... extra) {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        String[] args = Stream.concat(Stream.of("--out", out.toString()), Stream.concat(Stream.of(TINY), Stream.of(extra)))
                .toArray(String[]::new);
        int code = new CommandLine(new MmoeStudy()).setOut(new PrintWriter(stdout)).setErr(new PrintWriter(stderr)).execute(args);
        assertEquals(0, code, stderr.toString());
        return stdout.toString();
    }

    private static List<String> runLines(Path out) throws IOException {
        return Files.readAllLines(out.resolve("runs.tsv")).stream().filter(l -> !l.startsWith("#")).toList();
    }

    @Test
    void writesRunsTableAndCurvesThenSkipsFinishedRunsOnRerun(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("study");
        String first = run(out, "--seeds", "1");
        assertTrue(first.contains("hard") && first.contains("step: direct (DirectTrainingStep)"), first);
        assertFalse(first.contains("ComputationGraph.fit"), first);
        List<String> runs = runLines(out);
        assertEquals(2, runs.size(), runs.toString());
        // setting, p, model, seed, steps, two MSEs, seconds, and a held-out point after steps 2 and 4.
        String[] hard = runs.get(0).split("\t");
        assertEquals(List.of("google", "0.50", "hard", "1", "4"), List.of(hard).subList(0, 5));
        assertTrue(hard[8].matches("2:[0-9.e+-]+;4:[0-9.e+-]+"), hard[8]);
        // Then the mean MSE on the first --test-rows training rows.
        assertEquals(10, hard.length, runs.get(0));
        assertTrue(Double.parseDouble(hard[9]) > 0, hard[9]);
        assertTrue(Files.readString(out.resolve("table.txt")).contains("training rows"));
        assertTrue(Files.readString(out.resolve("curves.svg")).contains("<polyline"));
        assertTrue(Files.readString(out.resolve("table.txt")).contains("mmoe"));

        // A killed run may leave a temporary file behind; the rerun skips both finished runs and adds the new seed's.
        Files.writeString(out.resolve("runs.tsv.123.tmp"), "half-writ");
        String before = Files.readString(out.resolve("runs.tsv"));
        String second = run(out, "--seeds", "2");
        assertTrue(second.contains("2 runs already"), second);
        assertFalse(second.contains("seed 1: held-out"), "a finished run was trained again:\n" + second);
        assertTrue(second.contains("seed 2: held-out"), second);
        List<String> after = runLines(out);
        assertEquals(4, after.size(), after.toString());
        assertTrue(Files.readString(out.resolve("runs.tsv")).startsWith(before), "finished runs must be kept as they were");

        // Everything done: a third run trains nothing and leaves the results file byte for byte.
        String all = Files.readString(out.resolve("runs.tsv"));
        String third = run(out, "--seeds", "2");
        assertFalse(third.contains(": held-out"), third);
        assertEquals(all, Files.readString(out.resolve("runs.tsv")));
        // --report-only trains nothing (here not even the missing seed 3) and rewrites the table from runs.tsv.
        Files.delete(out.resolve("table.txt"));
        String report = run(out, "--seeds", "3", "--report-only");
        assertFalse(report.contains(": held-out"), report);
        assertEquals(all, Files.readString(out.resolve("runs.tsv")));
        assertTrue(Files.readString(out.resolve("table.txt")).contains("google      0.50  mmoe      2"));
        // Our own writes leave no temporary files (only the planted one is there).
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("runs.tsv.123.tmp"), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList());
        }
    }

    @Test
    void theEvaluationIntervalDoesNotChangeTraining(@TempDir Path dir) throws IOException {
        // The same 4 steps evaluated after every 2 or once at the end: the same rows in the same order, so the same
        // final held-out errors, bit for bit (evaluation only reads the model).
        run(dir.resolve("every2"), "--seeds", "1");
        String[] once = TINY.clone();
        once[java.util.Arrays.asList(TINY).indexOf("--eval-every") + 1] = "4";
        StringWriter stderr = new StringWriter();
        int code = new CommandLine(new MmoeStudy()).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(stderr))
                .execute(Stream.concat(Stream.of("--out", dir.resolve("every4").toString(), "--seeds", "1"), Stream.of(once))
                        .toArray(String[]::new));
        assertEquals(0, code, stderr.toString());
        List<String> every2 = runLines(dir.resolve("every2"));
        List<String> every4 = runLines(dir.resolve("every4"));
        for (int r = 0; r < every2.size(); r++) {
            String[] a = every2.get(r).split("\t");
            String[] b = every4.get(r).split("\t");
            assertEquals(List.of(a).subList(0, 7), List.of(b).subList(0, 7), "final held-out errors of " + a[2]);
        }
    }

    @Test
    void aBottomOfSeveralWidthsIsADeeperSharedBottom() {
        MmoeStudy oneLayer = new MmoeStudy();
        new CommandLine(oneLayer).parseArgs("--out", "unused", "--bottom", "4", "--tower", "2");
        MmoeStudy twoLayers = new MmoeStudy();
        new CommandLine(twoLayers).parseArgs("--out", "unused", "--bottom", "5,3", "--tower", "2");
        // By hand: 100 inputs -> 4 (404), each task's tower 4 -> 2 -> 1 (10 + 3): 404 + 2 * 13 = 430.
        assertEquals(430, oneLayer.model("hard", 1).parameterCounts().total());
        // 100 -> 5 (505) -> 3 (18), each tower 3 -> 2 -> 1 (8 + 3): 523 + 2 * 11 = 545.
        assertEquals(545, twoLayers.model("hard", 1).parameterCounts().total());
    }

    @Test
    void aRunRecordedBeforeTheTrainingColumnReadsAsNotMeasured() {
        MmoeStudy.Run old = MmoeStudy.Run.parse("google\t0.50\thard\t1\t4\t0.5\t0.7\t1.0\t2:0.9;4:0.6");
        assertTrue(Double.isNaN(old.train()));
        assertEquals("google\t0.50\thard\t1\t4\t0.500000\t0.700000\t1.0\t2:0.900000;4:0.600000", old.line());
        String table = MmoeStudy.table(List.of(old));
        // mean of 0.5 and 0.7; one seed, so sd 0; no training figure: "-".
        assertTrue(table.contains("0.60000 ± 0.00000"), table);
        assertTrue(table.strip().endsWith("-"), table);
        MmoeStudy.Run now = MmoeStudy.Run.parse(old.line() + "\t0.25");
        assertEquals(0.25, now.train());
    }

    @Test
    void firstRowsKeepsTheFirstRowsOfEveryArray() {
        INDArray x = Nd4j.create(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        INDArray y1 = Nd4j.create(new double[][] {{10}, {20}, {30}});
        INDArray y2 = Nd4j.create(new double[][] {{-1}, {-2}, {-3}});
        MultiDataSet two = MmoeStudy.firstRows(new MultiDataSet(new INDArray[] {x}, new INDArray[] {y1, y2}), 2);
        assertEquals(Nd4j.create(new double[][] {{1, 2}, {3, 4}}), two.getFeatures(0));
        assertEquals(Nd4j.create(new double[][] {{10}, {20}}), two.getLabels(0));
        assertEquals(Nd4j.create(new double[][] {{-1}, {-2}}), two.getLabels(1));
    }

    @Test
    void writeAtomicallyReplacesTheWholeFile(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("runs.tsv");
        Files.writeString(target, "old old old old old old\n");
        MmoeStudy.writeAtomically(target, "new\n");
        assertEquals("new\n", Files.readString(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void refusesAStepBudgetThatIsNotAMultipleOfTheEvaluationInterval(@TempDir Path dir) {
        StringWriter stderr = new StringWriter();
        int code = new CommandLine(new MmoeStudy()).setErr(new PrintWriter(stderr)).setOut(new PrintWriter(new StringWriter()))
                .execute("--out", dir.toString(), "--steps", "5", "--eval-every", "2");
        assertTrue(code != 0);
        assertTrue(stderr.toString().contains("--steps a multiple of --eval-every"), stderr.toString());
        assertFalse(Files.exists(dir.resolve("runs.tsv")));
    }
}
