package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** {@code mtl affinity} and {@code mtl tune} end to end on the penguins: outputs, refusals, budget and seed. */
class AffinityAndTuneCliTest {
    @TempDir
    Path dir;
    Path penguins;

    @BeforeEach
    void copyPenguins() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            penguins = dir.resolve("penguins.csv");
            Files.copy(in, penguins);
        }
    }

    private String[] tasks(String command, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(command, "--data", penguins.toString(), "--task", "species:multiclass:species",
                "--task", "sex:binary:sex", "--task", "body_mass:regression:body_mass_g",
                "--features", "bill_length_mm,bill_depth_mm,flipper_length_mm,island"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void affinityWritesTheDesignSchema() throws IOException {
        Path out = dir.resolve("aff");
        CliRun run = CliRun.of(tasks("affinity", "--epochs", "1", "--every", "3", "--shared", "8", "--groups", "2", "--out", out.toString()));
        assertEquals(0, run.code(), run.err());
        JsonNode json = new ObjectMapper().readTree(out.resolve("affinity.json").toFile());
        assertEquals(List.of("species", "sex", "body_mass"), List.of(json.get("tasks").get(0).asText(), json.get("tasks").get(1).asText(),
                json.get("tasks").get(2).asText()));
        assertEquals(3, json.get("gradient_cosine").size());
        assertEquals(3, json.get("lookahead").get(2).size());
        assertEquals(1.0, json.get("gradient_cosine").get(1).get(1).asDouble(), 1e-6);
        assertEquals(2, json.get("groups").size(), "--groups 2");
        List<String> keys = new java.util.ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("tasks", "gradient_cosine", "lookahead", "groups"), keys, "docs/design.md's schema exactly");
        assertTrue(run.out().contains("B=3"), run.out());
        assertTrue(run.out().contains("groups for --groups 2"), run.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains("Lookahead affinity"));
        assertTrue(Files.exists(out.resolve("model.zip")));
    }

    @Test
    void trainCanMeasureAffinityIntoItsReport() throws IOException {
        Path out = dir.resolve("train");
        CliRun run = CliRun.of(tasks("train", "--epochs", "1", "--shared", "8", "--affinity-every", "4", "--out", out.toString()));
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.readString(out.resolve("report.html")).contains("id=\"affinity\""));
        Path off = dir.resolve("off");
        assertEquals(0, CliRun.of(tasks("train", "--epochs", "1", "--shared", "8", "--out", off.toString())).code());
        assertFalse(Files.readString(off.resolve("report.html")).contains("id=\"affinity\""));
    }

    @Test
    void affinityRefusesAnImpossibleGroupCount() {
        Path out = dir.resolve("bad");
        CliRun run = CliRun.of(tasks("affinity", "--groups", "4", "--out", out.toString()));
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--groups must be between 1 and the number of tasks (3)"), run.err());
        assertFalse(Files.exists(out));
    }

    private String[] tiny(Path out, String budgetMinutes) {
        return tasks("tune", "--budget-minutes", budgetMinutes, "--candidates", "4", "--eta", "2", "--min-epochs", "1", "--max-epochs", "2",
                "--widths", "8;16", "--archs", "hard,mmoe", "--weightings", "fixed,uncertainty", "--out", out.toString());
    }

    /** The leaderboard without its seconds column (wall time differs between runs). */
    private static String withoutSeconds(Path csv) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String line : Files.readAllLines(csv)) {
            List<String> cells = new java.util.ArrayList<>(List.of(line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)));
            cells.remove(10);
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    @Test
    void tuneIsReproducibleForASeedAndWritesItsOutputs() throws IOException {
        Path first = dir.resolve("t1");
        Path second = dir.resolve("t2");
        CliRun a = CliRun.of(tiny(first, "10"));
        assertEquals(0, a.code(), a.err());
        assertEquals(0, CliRun.of(tiny(second, "10")).code());
        String board = withoutSeconds(first.resolve("leaderboard.csv"));
        assertEquals(board, withoutSeconds(second.resolve("leaderboard.csv")));
        assertTrue(board.startsWith("rank,id,architecture,weighting,shared,learning_rate,dropout,rung,epochs,delta_m,species_loss"), board);
        assertEquals(5, board.lines().count(), "header and 4 candidates: " + board);
        assertTrue(Files.exists(first.resolve("model.zip")) && Files.exists(first.resolve("metrics.json")));
        // Plan 4 then 2 challengers; the default races in rung 1 too: 4 + 2 + 1.
        assertTrue(a.out().contains("7 of 7 planned trainings"), a.out());
        assertTrue(a.out().contains("[ 7/7] rung 1"), "progress counts the default's trainings too: " + a.out());
        assertWinnerNotWorseThanDefaultAndSaved(first, a.out());
        // the nested split: a fifth of the 344 penguins held out before selection, reported at the end
        JsonNode metrics = new ObjectMapper().readTree(first.resolve("metrics.json").toFile());
        int heldOut = metrics.get("tune_test_rows").asInt();
        assertTrue(heldOut >= 66 && heldOut <= 72, "held-out rows " + heldOut);
        assertTrue(a.out().contains(heldOut + " rows held out (--test 0.2) until the end; selection uses the other " + (344 - heldOut)), a.out());
        assertTrue(a.out().contains("held-out test rows (" + heldOut + " rows set aside before selection; 4 configurations tried)"), a.out());
        assertEquals(4, metrics.get("tune_configurations").asInt());
        assertTrue(metrics.get("tune_test_delta_m_default").isNumber() && metrics.get("tune_test_delta_m_winner").isNumber(), metrics.toString());
    }

    /**
     * Rank 1 of the leaderboard is the recommendation; it has the default's epochs and a delta-m at least the default's,
     * and metrics.json is its model's.
     */
    private static void assertWinnerNotWorseThanDefaultAndSaved(Path out, String stdout) throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("leaderboard.csv"));
        List<String> header = List.of(lines.get(0).split(","));
        List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1)).toList();
        String[] winner = rows.get(0);
        String[] byDefault = rows.stream().filter(r -> r[header.indexOf("id")].equals("0")).findFirst().orElseThrow();
        assertEquals(winner[header.indexOf("epochs")], byDefault[header.indexOf("epochs")], "the default raced at the winner's epochs");
        double winnerDeltaM = Double.parseDouble(winner[header.indexOf("delta_m")]);
        double defaultDeltaM = Double.parseDouble(byDefault[header.indexOf("delta_m")]);
        assertTrue(winnerDeltaM >= defaultDeltaM, "winner " + winnerDeltaM + " vs default " + defaultDeltaM);
        boolean defaultWins = winner[header.indexOf("id")].equals("0");
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(defaultWins, metrics.get("tune_default_wins").asBoolean());
        assertEquals(Double.parseDouble(winner[header.indexOf("species_accuracy")]),
                metrics.get("tasks").get("species").get("accuracy").asDouble(), 1e-12, "metrics.json is the recommended model's");
        assertEquals(Double.parseDouble(winner[header.indexOf("body_mass_loss")]),
                metrics.get("tasks").get("body_mass").get("loss").asDouble(), 1e-12);
        assertTrue(stdout.contains(defaultWins ? "no candidate beat the default" : "it beats the default"), stdout);
    }

    @Test
    void tuneKeepsTheDefaultWhenNoCandidateBeatsIt() throws IOException {
        Path out = dir.resolve("default-wins");
        // Every other candidate has a learning rate a thousand times smaller than the default's 0.01: barely trained.
        CliRun run = CliRun.of(tasks("tune", "--budget-minutes", "10", "--candidates", "3", "--eta", "2", "--min-epochs", "1",
                "--max-epochs", "2", "--archs", "hard", "--weightings", "fixed", "--widths", "64,64", "--lrs", "0.00001,0.00002",
                "--out", out.toString()));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("the default hard/uncertainty/[64,64]/lr=0.01 wins (2 epochs)"), run.out());
        assertTrue(run.out().contains("model.zip and metrics.json are the default's"), run.out());
        assertTrue(run.out().contains("default   best other"), "side by side: " + run.out());
        assertTrue(run.out().contains("the default was kept; the held-out figures above are what to expect on new rows"), run.out());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertTrue(metrics.get("tune_default_wins").asBoolean());
        assertEquals(0.01, metrics.get("learning_rate").asDouble());
        assertEquals("#0 hard/uncertainty/[64,64]/lr=0.01", metrics.get("tune_winner").asText());
        assertWinnerNotWorseThanDefaultAndSaved(out, run.out());
    }

    @Test
    void tuneStartsNothingAfterItsBudget() throws IOException {
        Path out = dir.resolve("budget");
        CliRun run = CliRun.of(tiny(out, "0.0001"));
        assertEquals(0, run.code(), run.err());
        // the baselines alone exceed 6 ms: only the first candidate (the default) trains after them
        assertTrue(run.out().contains("1 of 7 planned trainings (budget spent)"), run.out());
        assertTrue(run.out().contains("the default hard/uncertainty/[64,64]/lr=0.01 wins (1 epochs)"), run.out());
        assertTrue(run.out().contains("no other configuration reached that rung (budget spent)"), run.out());
        assertEquals(2, Files.readAllLines(out.resolve("leaderboard.csv")).size());
        assertTrue(Files.exists(out.resolve("model.zip")));
    }

    @Test
    void tuneRefusesAHeldOutShareItCannotUse() {
        Path out = dir.resolve("bad-test");
        CliRun run = CliRun.of(tasks("tune", "--budget-minutes", "1", "--test", "0.7", "--out", out.toString()));
        assertEquals(2, run.code());
        assertEquals("mtl: --test must be 0 (no held-out rows) or in (0, 0.5], received 0.7.", run.err().strip());
        assertFalse(Files.exists(out));
    }
}
