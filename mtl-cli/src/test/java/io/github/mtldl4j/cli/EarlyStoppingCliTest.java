package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code mtl train} stops early by default, after a fifth of {@code --epochs} without a new best: on labels that are
 * pure noise the network can only memorize, so the validation loss has its best in the first epochs and the run ends
 * exactly {@code patience} epochs after it. Stopping only ends the run: its epochs are those of the same run without
 * early stopping, digit for digit (the same operations on the same seed).
 */
class EarlyStoppingCliTest {
    private static final int EPOCHS = 30;
    /** The default patience at 30 epochs: 30 / 5. */
    private static final int DEFAULT_PATIENCE = 6;

    @TempDir
    Path dir;
    Path data;

    @BeforeEach
    void noiseTable() throws IOException {
        Random random = new Random(7);
        List<String> lines = new ArrayList<>(List.of("x1,x2,x3,x4,noise,level"));
        for (int i = 0; i < 150; i++) {
            lines.add(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%d,%.4f", random.nextGaussian(), random.nextGaussian(),
                    random.nextGaussian(), random.nextGaussian(), random.nextInt(2), random.nextGaussian()));
        }
        data = Files.write(dir.resolve("noise.csv"), lines);
    }

    private CliRun train(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--task", "noise:binary:noise",
                "--task", "level:regression:level", "--epochs", String.valueOf(EPOCHS), "--lr", "0.05", "--seed", "3",
                "--out", out.toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void byDefaultARunStopsAFifthOfItsEpochsAfterItsBestAndKeepsTheBest() throws IOException {
        Path out = dir.resolve("default");
        CliRun run = train(out);
        assertEquals(0, run.code(), run.err());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        int best = metrics.get("best_epoch").asInt();
        assertTrue(best + DEFAULT_PATIENCE < EPOCHS, "noise labels must put the best epoch early, or this test shows nothing: " + best);
        assertEquals(best + DEFAULT_PATIENCE, metrics.get("epochs").asInt(), "stops exactly patience epochs after the best");
        assertEquals(EPOCHS, metrics.get("max_epochs").asInt());
        assertEquals(DEFAULT_PATIENCE, metrics.get("patience").asInt());
        assertTrue(metrics.get("stopped_early").asBoolean());
        assertEquals(best, metrics.get("kept_epoch").asInt(), "the best epoch is kept");
        assertEquals(best + DEFAULT_PATIENCE + 1, Files.readAllLines(out.resolve("history.csv")).size(), "header + epochs run");
        assertTrue(run.out().contains("stopped early after epoch " + (best + DEFAULT_PATIENCE) + " of " + EPOCHS
                + ": no new best validation loss in " + DEFAULT_PATIENCE + " epochs (the default patience: a fifth of --epochs"), run.out());
        assertTrue(run.out().contains("kept the parameters of epoch " + best + " of " + (best + DEFAULT_PATIENCE)), run.out());
        assertTrue(Files.readString(out.resolve("report.html")).contains(DEFAULT_PATIENCE + " epochs without a new best validation "
                + "loss (the default"), "report.html names the patience");

        // The same run without early stopping: every epoch runs, and the first ones are the stopped run's, digit for digit.
        Path all = dir.resolve("all");
        CliRun full = train(all, "--no-early-stopping");
        assertEquals(0, full.code(), full.err());
        JsonNode fullMetrics = new ObjectMapper().readTree(all.resolve("metrics.json").toFile());
        assertEquals(EPOCHS, fullMetrics.get("epochs").asInt());
        assertTrue(fullMetrics.get("patience").isNull());
        assertFalse(fullMetrics.get("stopped_early").asBoolean());
        assertFalse(full.out().contains("stopped early"), full.out());
        List<String> stopped = Files.readAllLines(out.resolve("history.csv"));
        List<String> everyEpoch = Files.readAllLines(all.resolve("history.csv"));
        assertEquals(stopped, everyEpoch.subList(0, stopped.size()), "history.csv up to the stop");
        assertEquals(best, fullMetrics.get("best_epoch").asInt(), "no later epoch beat the kept one");
    }

    @Test
    void patienceAndNoEarlyStoppingAreRefusedTogetherAndPatienceBelowOne() {
        CliRun both = train(dir.resolve("both"), "--patience", "3", "--no-early-stopping");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--patience 3 and --no-early-stopping: choose one"), both.err());
        assertEquals(1, both.err().strip().lines().count(), both.err());
        CliRun zero = train(dir.resolve("zero"), "--patience", "0");
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("--patience 0: expected a number of epochs >= 1"), zero.err());
        assertFalse(Files.exists(dir.resolve("zero")), "nothing written");
    }
}
