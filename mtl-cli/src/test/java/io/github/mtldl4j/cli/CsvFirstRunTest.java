package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * What a user with a CSV meets in train, affinity, tune and predict: a date column left out of the default features
 * with one warning, the features named in the header, self-explaining epoch lines and missing-value summary,
 * history.csv's metric in the label's units, predictions with a key column.
 */
class CsvFirstRunTest {
    private static final int ROWS = 80;

    @TempDir
    Path dir;
    Path data;

    /**
     * 80 rows: a date (distinct per row), numbers x1 (missing every 10th row) and x2, a colour (missing every 16th
     * row), a binary label y and a regression label v of scale ~100 around 1000 (missing every 20th row).
     */
    @BeforeEach
    void writeTable() throws Exception {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("date,x1,x2,colour,y,v\n");
        for (int r = 0; r < ROWS; r++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            csv.append(String.format(Locale.ROOT, "2020-%02d-%02d,%s,%.3f,%s,%s,%s%n", 1 + r / 28, 1 + r % 28,
                    r % 10 == 0 ? "" : String.format(Locale.ROOT, "%.3f", x1), x2, r % 16 == 0 ? "" : List.of("red", "blue").get(r % 2),
                    x1 + x2 > 0 ? "yes" : "no", r % 20 == 0 ? "" : String.format(Locale.ROOT, "%.1f", 1000 + 100 * x1 + 30 * random.nextGaussian())));
        }
        data = Files.writeString(dir.resolve("dated.csv"), csv.toString());
    }

    private String[] command(String name, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of(name, "--data", data.toString(), "--task", "y:binary:y", "--task", "v:regression:v",
                "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** stderr without the backend line every command prints. */
    private static List<String> errLines(CliRun run) {
        return run.err().lines().filter(l -> !l.startsWith("ND4J backend")).toList();
    }

    private static final Pattern DATE_WARNING = Pattern.compile("mtl: warning: column 'date' left out of the features: (\\d+) distinct "
            + "values in (\\d+) training rows \\(an ID, a date or free text cannot generalize\\); name it in --features to use it");

    @Test
    void trainLeavesTheDateOutNamesTheFeaturesAndExplainsItsLines() throws Exception {
        Path out = dir.resolve("run");
        CliRun run = CliRun.of(command("train", out, "--epochs", "1", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        int validationRows = metrics.get("tasks").get("y").get("n").asInt();

        List<String> warnings = errLines(run);
        assertEquals(1, warnings.size(), run.err());
        Matcher warning = DATE_WARNING.matcher(warnings.get(0));
        assertTrue(warning.matches(), warnings.get(0));
        int trainingRows = ROWS - validationRows;
        assertEquals(List.of(trainingRows, trainingRows), List.of(Integer.parseInt(warning.group(1)), Integer.parseInt(warning.group(2))));

        List<String> lines = run.out().lines().toList();
        assertEquals("features: x1, x2 (standardized); colour (one-hot); left out: date (" + trainingRows + " distinct values in "
                + trainingRows + " training rows)", lines.get(1), run.out());
        assertEquals(1, lines.stream().filter(TrainingProgress.LEGEND::equals).count(), run.out());
        assertEquals(lines.indexOf(TrainingProgress.LEGEND) + 1, lines.indexOf(lines.stream().filter(l -> l.startsWith("epoch ")).findFirst()
                .orElseThrow()), "the legend comes right before the first epoch line");
        assertTrue(lines.stream().anyMatch(l -> l.matches("epoch 1/1  train loss: y \\d+\\.\\d{4} v \\d+\\.\\d{4} \\| valid loss: "
                + "y \\d+\\.\\d{4} v \\d+\\.\\d{4}  \\(\\d+\\.\\d s\\) \\*")), run.out());
        // 8 rows lack x1, 5 a colour, 4 the label v: which of them train depends on the split.
        assertTrue(lines.stream().anyMatch(l -> l.matches("training rows: missing feature values imputed: x1 \\d \\(training mean\\), "
                + "colour \\d \\(\"unknown\" level\\); missing labels \\(left out of that task's loss\\): v \\d")), run.out());

        // history.csv's RMSE is in the label's units, as metrics.json's (one epoch: the same parameters).
        List<String> history = Files.readAllLines(out.resolve("history.csv"));
        int column = List.of(history.get(0).split(",")).indexOf("v_rmse");
        double historyRmse = Double.parseDouble(history.get(1).split(",")[column]);
        double metricsRmse = metrics.get("tasks").get("v").get("rmse").asDouble();
        assertTrue(metricsRmse > 10, "v has a scale of ~100: " + metricsRmse);
        assertEquals(metricsRmse, historyRmse, 1e-5 * metricsRmse);
        assertTrue(Files.readString(out.resolve("report.html")).contains("colour"), "the report names the features used");

        // The model never needed the date: predictions for rows without it, with the date as the key to join on.
        List<String> withoutDate = Files.readAllLines(data).stream().map(l -> l.substring(l.indexOf(',') + 1)).toList();
        Path noDate = Files.write(dir.resolve("nodate.csv"), withoutDate);
        CliRun plain = CliRun.of("predict", "--model", out.resolve("model.zip").toString(), "--data", noDate.toString(),
                "--out", dir.resolve("p0.csv").toString());
        assertEquals(0, plain.code(), plain.err());
        Path keyed = dir.resolve("p1.csv");
        CliRun withKey = CliRun.of("predict", "--model", out.resolve("model.zip").toString(), "--data", data.toString(),
                "--out", keyed.toString(), "--id-column", "date");
        assertEquals(0, withKey.code(), withKey.err());
        List<String> predicted = Files.readAllLines(keyed);
        assertEquals("date,y,y_p_no,y_p_yes,v", predicted.get(0));
        assertEquals(ROWS + 1, predicted.size());
        List<String> input = Files.readAllLines(data);
        for (int r = 1; r <= ROWS; r++) {
            assertEquals(input.get(r).split(",")[0], predicted.get(r).split(",")[0], "row " + r + " keyed by its date");
            assertEquals(Files.readAllLines(dir.resolve("p0.csv")).get(r), predicted.get(r).substring(predicted.get(r).indexOf(',') + 1),
                    "the same predictions after the key");
        }
    }

    @Test
    void namedFeaturesAreUsedWithoutAWarning() {
        Path out = dir.resolve("named");
        CliRun run = CliRun.of(command("train", out, "--epochs", "1", "--shared", "8", "--features", "date,x1"));
        assertEquals(0, run.code(), run.err());
        assertEquals(List.of(), errLines(run));
        assertEquals("features (--features): x1 (standardized); date (one-hot)", run.out().lines().toList().get(1));
    }

    @Test
    void aRowNumberIsUsedWithAWarningSayingHowToLeaveItOut() throws Exception {
        List<String> lines = Files.readAllLines(data);
        List<String> numbered = new ArrayList<>(List.of("id," + lines.get(0)));
        for (int r = 1; r < lines.size(); r++) {
            numbered.add(r + "," + lines.get(r));
        }
        data = Files.write(dir.resolve("numbered.csv"), numbered);
        CliRun run = CliRun.of(command("train", dir.resolve("id"), "--epochs", "1", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        List<String> warnings = errLines(run);
        assertEquals(2, warnings.size(), run.err());
        assertTrue(DATE_WARNING.matcher(warnings.get(0)).matches(), warnings.get(0));
        assertTrue(warnings.get(1).matches("mtl: warning: column 'id' looks like a row number or ID \\(\\d+ distinct integers from \\d+ "
                + "to \\d+\\); it is used as a numeric feature; if it only identifies rows, leave it out: --features x1,x2,colour"),
                warnings.get(1));
        assertTrue(run.out().lines().toList().get(1).startsWith("features: id, x1, x2 (standardized)"), run.out());
    }

    @Test
    void affinityAndTuneLeaveTheDateOutToo() {
        CliRun affinity = CliRun.of(command("affinity", dir.resolve("aff"), "--epochs", "1", "--shared", "8", "--every", "3"));
        assertEquals(0, affinity.code(), affinity.err());
        assertEquals(1, errLines(affinity).size(), affinity.err());
        assertTrue(DATE_WARNING.matcher(errLines(affinity).get(0)).matches(), affinity.err());
        assertTrue(affinity.out().lines().toList().get(1).endsWith("training rows)"), affinity.out());

        CliRun tune = CliRun.of(command("tune", dir.resolve("tune"), "--budget-minutes", "0.0001", "--candidates", "2", "--eta", "2",
                "--min-epochs", "1", "--max-epochs", "1", "--widths", "8", "--archs", "hard", "--weightings", "fixed"));
        assertEquals(0, tune.code(), tune.err());
        assertEquals(1, errLines(tune).size(), "one warning, not one per trained candidate: " + tune.err());
        assertTrue(DATE_WARNING.matcher(errLines(tune).get(0)).matches(), tune.err());
        assertTrue(tune.out().contains("left out: date ("), tune.out());
    }

    @Test
    void predictRefusesAnUnknownOrCollidingKeyColumnAndWritesNothing() {
        Path out = dir.resolve("m");
        assertEquals(0, CliRun.of(command("train", out, "--epochs", "1", "--shared", "8")).code());
        Path predictions = dir.resolve("pred.csv");
        CliRun unknown = CliRun.of("predict", "--model", out.resolve("model.zip").toString(), "--data", data.toString(),
                "--out", predictions.toString(), "--id-column", "key");
        assertEquals(2, unknown.code());
        assertEquals(List.of("mtl: " + data + ": no column 'key' (--id-column); the columns are [date, x1, x2, colour, y, v]."),
                errLines(unknown));
        CliRun colliding = CliRun.of("predict", "--model", out.resolve("model.zip").toString(), "--data", data.toString(),
                "--out", predictions.toString(), "--id-column", "y");
        assertEquals(2, colliding.code());
        assertEquals(1, errLines(colliding).size(), colliding.err());
        assertTrue(errLines(colliding).get(0).contains("--id-column y: a prediction column has that name already"), colliding.err());
        assertFalse(Files.exists(predictions));
    }
}
