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

/** mtl train --spark with --data as a URI: read by Spark on the executors, and the refusals around it. */
class SparkReadDataCommandTest {
    @TempDir
    Path dir;
    String uri;

    @BeforeEach
    void copyPenguins() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            Path penguins = dir.resolve("penguins.csv");
            Files.copy(in, penguins);
            uri = "file://" + penguins.toAbsolutePath();
        }
    }

    private static String[] train(String data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--task", "species:multiclass:species",
                "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--epochs", "2", "--out", out.toString()));
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aUriIsReadBySparkAndTrainsToTheUsualOutputs() throws Exception {
        Path out = dir.resolve("run");
        CliRun run = CliRun.of(train(uri, out, "--spark", "local[2]"));
        assertEquals(0, run.code(), run.err());
        String first = run.out().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith(uri + " (read by Spark on the executors): "), first);
        // 344 rows, about 20 % of them validation rows, chosen by the rows' hashes.
        java.util.regex.Matcher counts = java.util.regex.Pattern.compile("(\\d+) training rows, (\\d+) validation rows").matcher(first);
        assertTrue(counts.find(), first);
        int validation = Integer.parseInt(counts.group(2));
        assertEquals(344, Integer.parseInt(counts.group(1)) + validation, first);
        assertTrue(Math.abs(validation - 68.8) < 3 * Math.sqrt(344 * 0.2 * 0.8), first);
        assertEquals(2, run.out().lines().filter(l -> l.startsWith("epoch ")).count(), run.out());
        for (String file : List.of("model.zip", "metrics.json", "history.csv", "report.html")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"data\" : \"" + uri + "\""), metrics);
        assertTrue(metrics.contains("\"data_read\" : \"by Spark on the executors: "), metrics);
        assertTrue(metrics.contains("\"n\" : " + validation + ","), "species: every validation row has a label\n" + metrics);
        CliRun evaluated = CliRun.of("evaluate", "--model", out.resolve("model.zip").toString(), "--data", dir.resolve("penguins.csv").toString());
        assertEquals(0, evaluated.code(), evaluated.err());
    }

    @Test
    void badInputAndConflictingOptionsAreOneLine() throws Exception {
        Path out = dir.resolve("never");
        refused(train(uri, out), out, "--data " + uri + " is a URI", "--spark MASTER");
        refused(train(uri, out, "--workers", "2"), out, "--data " + uri + " is a URI", "--spark MASTER");
        refused(train(dir.resolve("penguins.csv").toString(), out, "--spark", "local[2]", "--valid-data", uri), out,
                "--valid-data " + uri + " is a URI", "both as URIs");
        refused(train(uri, out, "--spark", "local[2]", "--valid-data", dir.resolve("penguins.csv").toString()), out,
                "--valid-data " + dir.resolve("penguins.csv") + " is a path on this machine", "both as URIs");
        refused(train(uri, out, "--spark", "local[2]", "--baselines"), out, "--baselines fits on this machine");
        refused(train(uri, out, "--spark", "local[2]", "--task-data", "mass=" + dir.resolve("penguins.csv")), out,
                "--task-data trains on one machine", "--spark");
        refused(train(uri.replace("penguins", "nothere"), out, "--spark", "local[2]"), out,
                uri.replace("penguins", "nothere") + ": no such file or directory");
        String text = Files.readString(dir.resolve("penguins.csv"));
        Files.writeString(dir.resolve("penguins.csv"), text.replace("\"sex\"\n", "\"gender\"\n"));
        refused(train(uri, out, "--spark", "local[2]"), out, uri + ": no column 'sex' (label column of task 'sex')");
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
