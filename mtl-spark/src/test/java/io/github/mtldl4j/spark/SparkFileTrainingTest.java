package io.github.mtldl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on a file that Spark reads on the executors ({@code local[2]}; a {@code file://} URI, which the driver's
 * own reader cannot open) against the driver-read Spark run on the same split, and the bad inputs.
 */
class SparkFileTrainingTest {
    /** As {@link SparkTrainingTest}: one validation row of 68 is 0.015 of accuracy; averaging is not sequential training. */
    private static final double TOLERANCE = 0.06;
    private static final int EPOCHS = 4;

    private static JavaSparkContext spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = new JavaSparkContext(DistributedTabularTraining.conf("local[2]"));
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    private String uri(Path file) {
        return "file://" + file.toAbsolutePath();
    }

    @Test
    void fileReadOnTheExecutorsTrainsAsTheDriverReadRunOnTheSameRows() throws Exception {
        Path csv = Files.writeString(dir.resolve("penguins.csv"), Penguins.text());
        String uri = uri(csv);
        // The driver's own CSV reader cannot open the URI: the rows can only come through Spark.
        assertThrows(InvalidDataException.class, () -> CsvTable.read(Path.of(uri)));
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), EPOCHS);

        // The split the rule promises, made here line by line: a row is a validation row when its hash is below 0.2.
        List<String> lines = Penguins.text().lines().toList();
        List<String> trainLines = new ArrayList<>();
        List<String> validLines = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            (SparkFileTraining.isValidation(settings.seed(), settings.validFraction(), line) ? validLines : trainLines).add(line);
        }
        assertEquals(344, trainLines.size() + validLines.size());
        assertTrue(Math.abs(validLines.size() - 0.2 * 344) < 3 * Math.sqrt(344 * 0.2 * 0.8), "about 20 %: " + validLines.size());
        CsvTable train = CsvTable.parse(lines.get(0) + "\n" + String.join("\n", trainLines) + "\n", "train");
        CsvTable valid = CsvTable.parse(lines.get(0) + "\n" + String.join("\n", validLines) + "\n", "valid");
        TabularTraining.Result driverRead = DistributedTabularTraining.train(spark, train, valid, settings, 5, null);

        DataParallelTraining.Trained executorRead;
        try (SparkFileTraining table = SparkFileTraining.open(spark, 5, uri, null, settings)) {
            assertEquals(trainLines.size(), table.trainingRows());
            assertEquals(validLines.size(), table.validationRows());
            assertEquals(trainLines.size(), table.sample().rowCount(), "fewer rows than the bound: all of them in the sample");
            executorRead = table.train(settings, null);
        }
        Map<String, TaskMetrics> one = driverRead.metrics();
        Map<String, TaskMetrics> other = executorRead.result().metrics();
        for (String task : List.of("species", "sex", "mass")) {
            assertEquals(one.get(task).count(), other.get(task).count(), task + ": the same validation rows");
        }
        assertTrue(other.get("species").get("accuracy") > 0.85 && other.get("mass").get("r2") > 0.5, other.toString());
        assertEquals(one.get("species").get("accuracy"), other.get("species").get("accuracy"), TOLERANCE, "species accuracy");
        assertEquals(one.get("sex").get("auc"), other.get("sex").get("auc"), TOLERANCE, "sex AUC");
        assertEquals(one.get("mass").get("r2"), other.get("mass").get("r2"), TOLERANCE, "mass R2");
        assertEquals(EPOCHS, executorRead.result().history().epochs().size());
        assertEquals(List.of("driver"), executorRead.executors());
    }

    @Test
    void aDirectoryOfFilesIsSplitAsTheOneFileAndBadValuesNameTheirFileAndLine() throws Exception {
        List<String> lines = Penguins.text().lines().toList();
        Path parts = Files.createDirectory(dir.resolve("parts"));
        Files.writeString(parts.resolve("a.csv"), String.join("\n", lines.subList(0, 151)) + "\n");
        List<String> second = new ArrayList<>(lines.subList(151, lines.size()));
        second.add(0, lines.get(0));
        second.add(3, "");
        Files.writeString(parts.resolve("b.csv"), String.join("\n", second) + "\n");
        Path whole = Files.writeString(dir.resolve("penguins.csv"), Penguins.text());
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), 1);
        try (SparkFileTraining one = SparkFileTraining.open(spark, 5, uri(whole), null, settings);
             SparkFileTraining two = SparkFileTraining.open(spark, 5, uri(parts), null, settings)) {
            assertEquals(one.trainingRows(), two.trainingRows(), "the split depends on the rows, not on the files or partitions");
            assertEquals(one.validationRows(), two.validationRows());
            assertEquals(344, two.trainingRows() + two.validationRows(), "the second header and the blank line are no rows");
        }
        // A separate validation file replaces the split: every row of a.csv trains, every row of b.csv validates.
        try (SparkFileTraining separate = SparkFileTraining.open(spark, 5, uri(parts.resolve("a.csv")), uri(parts.resolve("b.csv")), settings)) {
            assertEquals(150, separate.trainingRows());
            assertEquals(194, separate.validationRows());
            assertEquals("the rows of " + uri(parts.resolve("b.csv")), separate.validationRule());
        }

        // A text in a numeric column of a training row makes the column categorical (as on one machine); in a validation row,
        // or in a training row outside the sample, it is an error. The first row of b.csv that is a validation row once changed:
        int index = 4;
        String changed;
        while (true) {
            changed = second.get(index).replaceFirst("^(\"[A-Za-z]+\",\"[A-Za-z]+\"),[0-9.]+,", "$1,abc,");
            if (!changed.equals(second.get(index)) && SparkFileTraining.isValidation(settings.seed(), settings.validFraction(), changed)) {
                break;
            }
            index++;
        }
        second.set(index, changed);
        Files.writeString(parts.resolve("b.csv"), String.join("\n", second) + "\n");
        long line = index + 1;
        InvalidDataException bad = assertThrows(InvalidDataException.class, () -> {
            try (SparkFileTraining table = SparkFileTraining.open(spark, 5, uri(parts), null, settings)) {
                table.train(settings, null);
            }
        });
        assertTrue(bad.getMessage().startsWith("file:" + parts.resolve("b.csv").toAbsolutePath() + ": line " + line
                + ", column 'bill_length_mm': "), line + ": " + bad.getMessage());
        assertTrue(bad.getMessage().contains("'abc'"), bad.getMessage());

        // A row with a field too many: reported when the rows are parsed, here for the sample on the driver.
        second.set(5, second.get(5) + ",1");
        Files.writeString(parts.resolve("b.csv"), String.join("\n", second) + "\n");
        bad = assertThrows(InvalidDataException.class, () -> SparkFileTraining.open(spark, 5, uri(parts), null, settings).close());
        assertTrue(bad.getMessage().startsWith("file:" + parts.resolve("b.csv").toAbsolutePath() + ": line 6 has 8 fields, the header has 7"),
                bad.getMessage());
    }

    @Test
    void aMissingFileOrColumnIsOneMessageNamingIt() throws Exception {
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), 1);
        String missing = uri(dir.resolve("nothere.csv"));
        InvalidDataException bad = assertThrows(InvalidDataException.class, () -> SparkFileTraining.open(spark, 5, missing, null, settings));
        assertTrue(bad.getMessage().startsWith(missing + ": no such file or directory"), bad.getMessage());

        String csv = uri(Files.writeString(dir.resolve("penguins.csv"), Penguins.text()));
        TabularTraining.Settings misspelt = settings.toBuilder().tasks(List.of(TaskSpec.parse("mass:regression:body_mass"))).build();
        bad = assertThrows(InvalidDataException.class, () -> SparkFileTraining.open(spark, 5, csv, null, misspelt));
        assertEquals(csv + ": no column 'body_mass' (label column of task 'mass'); the columns are [species, island, bill_length_mm, "
                + "bill_depth_mm, flipper_length_mm, body_mass_g, sex].", bad.getMessage());
    }
}
