package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** mtl train with --spark (Spark local mode) and --workers (ParallelWrapper): the same outputs, and the refusals. */
class ScaleOutCommandTest {
    @TempDir
    Path dir;
    Path penguins;

    @BeforeEach
    void copyPenguins() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            penguins = dir.resolve("penguins.csv");
            Files.copy(in, penguins);
        }
    }

    private String[] train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", penguins.toString(), "--task", "species:multiclass:species",
                "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--epochs", "2", "--out", out.toString()));
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void sparkAndWorkersWriteTheUsualOutputs() throws Exception {
        for (List<String> mode : List.of(List.of("--spark", "local[2]"), List.of("--workers", "2", "--weighting", "dwa"))) {
            Path out = dir.resolve("run-" + mode.get(0).substring(2));
            CliRun run = CliRun.of(train(out, mode.toArray(String[]::new)));
            assertEquals(0, run.code(), mode + "\n" + run.err());
            assertEquals(2, run.out().lines().filter(l -> l.startsWith("epoch ")).count(), run.out());
            for (String file : List.of("model.zip", "metrics.json", "history.csv", "report.html")) {
                assertTrue(Files.isRegularFile(out.resolve(file)), mode + " " + file);
            }
            String metrics = Files.readString(out.resolve("metrics.json"));
            assertTrue(metrics.contains("\"species\"") && metrics.contains("\"auc\"") && metrics.contains("\"r2\""), metrics);
            String how = mode.get(0).equals("--spark") ? "spark local[2]" : "2 ParallelWrapper workers";
            assertTrue(metrics.contains("\"placement\" : \"" + how + ", parameters averaged every 5 minibatches per worker\""), metrics);
            // No --weighting with --spark: fixed weights (on one machine hard sharing would default to uncertainty, which
            // parameter averaging cannot take).
            if (mode.size() == 2) {
                assertTrue(metrics.contains("\"weighting\" : \"fixed\""), metrics);
            }
            // Local mode runs every task in the driver's executor.
            assertEquals(mode.get(0).equals("--spark"), metrics.contains("\"executors\" : [ \"driver\" ]"), metrics);
            CliRun evaluated = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", penguins.toString());
            assertEquals(0, evaluated.code(), evaluated.err());
        }
    }

    @Test
    void perStepMethodsOnSparkTakeSynchronousStepsAndReportTheirCost() throws Exception {
        Path out = dir.resolve("run-pcgrad");
        CliRun run = CliRun.of(train(out, "--spark", "local[2]", "--weighting", "pcgrad"));
        assertEquals(0, run.code(), run.err());
        JsonNode scaleOut = new ObjectMapper().readTree(out.resolve("metrics.json").toFile()).get("scale_out");
        assertTrue(scaleOut.get("placement").asText().contains("synchronous gradient steps"), scaleOut.toString());
        JsonNode steps = scaleOut.get("synchronous_steps");
        // 275 training rows on 2 partitions (137 and 138 rows), global batches of 32 as 2 shards of 16: ceil(138 / 16) = 9
        // steps an epoch, 2 epochs.
        assertEquals(18, steps.get("steps").asLong(), scaleOut.toString());
        assertTrue(steps.get("ms_per_step").asDouble() > 0 && steps.get("result_bytes_per_step").asLong() > 0, scaleOut.toString());
        assertTrue(steps.get("broadcast_bytes_per_step").asLong() > 0, scaleOut.toString());
    }

    @Test
    void perStepMethodsAndConflictingOptionsAreRefusedWithOneLine() {
        Path out = dir.resolve("never");
        refused(train(out, "--spark", "local[2]", "--weighting", "famo"), out, "--weighting famo", "losses after the update", "--spark");
        refused(train(out, "--spark", "local[2]", "--weighting", "sdmgrad"), out, "--weighting sdmgrad", "independent samples", "--spark");
        refused(train(out, "--workers", "2", "--weighting", "uncertainty"), out, "--weighting uncertainty", "fixed or dwa", "--workers");
        refused(train(out, "--spark", "local[2]", "--workers", "2"), out, "exclude each other");
        refused(train(out, "--workers", "0"), out, "--workers must be >= 1");
        refused(train(out, "--spark", "local[2]", "--averaging-frequency", "0"), out, "--averaging-frequency must be >= 1");
        refused(train(out, "--spark", "local[2]", "--checkpoint-every", "1"), out, "--checkpoint-every, --resume, --clip-norm and --affinity-every", "--spark");
        refused(train(out, "--spark", "local[2]", "--affinity-every", "2"), out, "one machine", "--spark");
        refused(train(out, "--workers", "2", "--clip-norm", "1"), out, "one machine", "--workers");
        refused(train(out, "--spark-mode", "gradient-sharing"), out, "--spark-mode", "give --spark MASTER");
        refused(train(out, "--spark", "local[2]", "--spark-mode", "gossip"), out, "--spark-mode must be averaging or gradient-sharing", "'gossip'");
        refused(train(out, "--spark", "local[2]", "--spark-mode", "gradient-sharing", "--weighting", "pcgrad"), out, "--spark-mode",
                "'pcgrad'", "synchronous gradient steps");
    }

    private static void refused(String[] args, Path out, String... fragments) {
        CliRun run = CliRun.of(args);
        assertEquals(2, run.code(), String.join(" ", args) + "\n" + run.err());
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("ND4J backend")).toList();
        assertEquals(1, lines.size(), run.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), "'" + fragment + "' missing in: " + lines.get(0));
        }
        assertFalse(Files.exists(out), "nothing written for a refused run");
    }
}
