package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * metrics.json, model.zip and report.html describe one model, in both modes: every figure of metrics.json (loss
 * included) equals a fresh {@code mtl evaluate --json} of the saved model on the validation rows. The run uses a high
 * learning rate, so validation loss rises in the last epoch and the best epoch is not the last one: mixing the best
 * epoch's loss with the last epoch's metrics (as before) fails here.
 */
class KeptModelCliTest {
    /** Both sides are the same arithmetic on the same parameters and rows; allow only float32 reordering. */
    private static final double RELATIVE = 1e-6;
    private static final int EPOCHS = 4;

    @TempDir
    Path dir;
    Path train;
    Path valid;

    @BeforeEach
    void splitPenguins() throws IOException {
        List<String> lines;
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        List<String> trainLines = new ArrayList<>(List.of(lines.get(0)));
        List<String> validLines = new ArrayList<>(List.of(lines.get(0)));
        for (int i = 1; i < lines.size(); i++) {
            (i % 3 == 0 ? validLines : trainLines).add(lines.get(i));
        }
        train = Files.write(dir.resolve("train.csv"), trainLines);
        valid = Files.write(dir.resolve("valid.csv"), validLines);
    }

    private CliRun train(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", train.toString(), "--valid-data", valid.toString(),
                "--task", "species:multiclass:species", "--task", "sex:binary:sex", "--task", "body_mass:regression:body_mass_g",
                "--features", "bill_length_mm,bill_depth_mm,flipper_length_mm,island", "--epochs", String.valueOf(EPOCHS),
                "--shared", "16", "--lr", "0.3", "--out", out.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** Every task figure of metrics.json against {@code mtl evaluate --json} of the saved model on the validation rows. */
    private void assertEqualsFreshEvaluation(Path out, JsonNode metrics) throws IOException {
        CliRun evaluated = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", valid.toString(), "--json");
        assertEquals(0, evaluated.code(), evaluated.err());
        JsonNode fresh = new ObjectMapper().readTree(evaluated.out()).get("tasks");
        assertEquals(List.of("species", "sex", "body_mass"), names(metrics.get("tasks")));
        for (String task : names(metrics.get("tasks"))) {
            JsonNode saved = metrics.get("tasks").get(task);
            JsonNode again = fresh.get(task);
            assertEquals(names(saved), names(again), task + ": the same figures");
            assertTrue(names(saved).contains("loss"), task + " reports its loss");
            for (String name : names(saved)) {
                if (saved.get(name).isNumber()) {
                    double expected = again.get(name).asDouble();
                    assertEquals(expected, saved.get(name).asDouble(), RELATIVE * Math.abs(expected),
                            task + " " + name + " in metrics.json vs mtl evaluate of model.zip");
                } else {
                    assertEquals(again.get(name), saved.get(name), task + " " + name);
                }
            }
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    /** The validation loss of task {@code task} at {@code epoch} in history.csv. */
    private static double historyValidLoss(Path out, String task, int epoch) throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("history.csv"));
        int column = List.of(lines.get(0).split(",")).indexOf(task + "_valid_loss");
        return Double.parseDouble(lines.get(epoch).split(",")[column]);
    }

    @Test
    void byDefaultTheBestValidationEpochIsKeptAndEveryFigureIsItsModels() throws IOException {
        Path out = dir.resolve("best");
        CliRun run = train(out);
        assertEquals(0, run.code(), run.err());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        int best = metrics.get("best_epoch").asInt();
        assertNotEquals(EPOCHS, best, "the setting must make the best epoch differ from the last, or this test shows nothing");
        assertEquals("best_validation", metrics.get("kept").asText());
        assertEquals(best, metrics.get("kept_epoch").asInt());
        assertEqualsFreshEvaluation(out, metrics);
        for (String task : List.of("species", "sex", "body_mass")) {
            assertEquals(historyValidLoss(out, task, best), metrics.get("tasks").get(task).get("loss").asDouble(), 1e-12,
                    task + ": the kept epoch's validation loss in history.csv");
        }
        assertTrue(run.out().contains("kept the parameters of epoch " + best + " of " + EPOCHS + ", the best by validation loss"),
                run.out());
        assertTrue(run.out().contains("--keep-last keeps the last epoch's"), run.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains("best epoch (the saved model holds its parameters)"));
    }

    @Test
    void keepLastKeepsTheLastEpochAndEveryFigureIsItsModels() throws IOException {
        Path out = dir.resolve("last");
        CliRun run = train(out, "--keep-last");
        assertEquals(0, run.code(), run.err());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals("last", metrics.get("kept").asText());
        assertEquals(EPOCHS, metrics.get("kept_epoch").asInt());
        assertNotEquals(EPOCHS, metrics.get("best_epoch").asInt());
        assertEqualsFreshEvaluation(out, metrics);
        assertEquals(historyValidLoss(out, "species", EPOCHS), metrics.get("tasks").get("species").get("loss").asDouble(), 1e-12);
        assertTrue(run.out().contains("kept the parameters of the last epoch, " + EPOCHS + " (--keep-last)"), run.out());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("best epoch (the saved model holds the parameters of the last epoch, " + EPOCHS + ")"),
                "legend true with --keep-last");
        assertTrue(!html.contains("holds its parameters"), "no claim that the best epoch's parameters are kept");
    }
}
