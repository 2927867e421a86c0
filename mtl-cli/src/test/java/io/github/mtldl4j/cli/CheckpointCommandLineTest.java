package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.train.CheckpointDirectory;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's reliability promises: same command and seed give the same outputs; --resume after a stop gives the
 * uninterrupted run's model; a training process killed (SIGKILL) mid-epoch or mid-checkpoint-write resumes from an
 * intact checkpoint, losing at most one checkpoint interval, to the uninterrupted run's model.
 */
class CheckpointCommandLineTest {
    private static final int EPOCHS = 4;

    @TempDir
    static Path shared;
    static Path penguins;
    /** The uninterrupted run every test compares with. */
    static Path full;

    @TempDir
    Path dir;

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        try (InputStream in = CheckpointCommandLineTest.class.getResourceAsStream("/data/penguins.csv")) {
            penguins = shared.resolve("penguins.csv");
            Files.copy(in, penguins);
        }
        full = shared.resolve("full");
        CliRun run = CliRun.of(train(full));
        assertEquals(0, run.code(), run.err());
    }

    private static String[] train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", penguins.toString(), "--task", "species:multiclass:species",
                "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--shared", "16", "--weighting", "dwa",
                "--batch", "32", "--out", out.toString()));
        if (!Arrays.asList(extra).contains("--epochs")) {
            args.addAll(List.of("--epochs", String.valueOf(EPOCHS)));
        }
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    private static double[] parameters(Path out) throws Exception {
        return MultiTaskModel.load(out.resolve("model.zip")).graph().params().toDoubleVector();
    }

    private static String withoutTiming(String metricsJson) {
        return metricsJson.replaceAll("\"train_seconds\" : [0-9.Ee-]+", "\"train_seconds\" : _");
    }

    @Test
    void sameCommandAndSeedGiveIdenticalOutputs() throws Exception {
        Path a = full;
        Path b = dir.resolve("b");
        assertEquals(0, CliRun.of(train(b)).code());
        String metricsA = Files.readString(a.resolve("metrics.json"));
        assertTrue(metricsA.contains("\"train_seconds\""), metricsA);
        assertEquals(withoutTiming(metricsA), withoutTiming(Files.readString(b.resolve("metrics.json"))));
        assertArrayEquals(Files.readAllBytes(a.resolve("history.csv")), Files.readAllBytes(b.resolve("history.csv")));
        assertArrayEquals(parameters(a), parameters(b), 0.0);
    }

    @Test
    void resumeAfterAStopGivesTheUninterruptedModel() throws Exception {
        Path out = dir.resolve("stopped");
        CliRun first = CliRun.of(train(out, "--epochs", "2", "--checkpoint-every", "1"));
        assertEquals(0, first.code(), first.err());
        assertTrue(Files.isRegularFile(out.resolve("checkpoints/best.zip")));
        CliRun resumed = CliRun.of(train(out, "--checkpoint-every", "1", "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertArrayEquals(parameters(full), parameters(out), 0.0);
        assertEquals(Files.readString(full.resolve("history.csv")), Files.readString(out.resolve("history.csv")));
        assertEquals(withoutTiming(Files.readString(full.resolve("metrics.json"))),
                withoutTiming(Files.readString(out.resolve("metrics.json"))));

        // The same command on other rows cannot continue these checkpoints: the fitted preprocessing differs.
        List<String> lines = Files.readAllLines(penguins);
        Path fewer = Files.write(dir.resolve("fewer.csv"), lines.subList(0, 300));
        String[] other = train(out, "--checkpoint-every", "1", "--resume", "--epochs", "6");
        for (int i = 0; i < other.length; i++) {
            if (other[i].equals(penguins.toString())) {
                other[i] = fewer.toString();
            }
        }
        CliRun refused = CliRun.of(other);
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().contains("other data or preprocessing"), refused.err());
    }

    @Test
    void divergenceExitsTwoNamingTaskAndEpochAndKeepsTheSavedModel() throws Exception {
        Path out = dir.resolve("kept");
        assertEquals(0, CliRun.of(train(out, "--epochs", "1")).code());
        byte[] saved = Files.readAllBytes(out.resolve("model.zip"));
        CliRun diverged = CliRun.of(train(out, "--epochs", "2", "--lr", "1e12"));
        assertEquals(2, diverged.code(), diverged.out() + diverged.err());
        List<String> lines = diverged.err().lines().filter(l -> !l.startsWith("ND4J backend")).toList();
        assertEquals(1, lines.size(), diverged.err());
        assertTrue(lines.get(0).matches("mtl: training diverged: task '(species|sex|mass)' has loss .* in epoch [12].*--lr.*"), lines.get(0));
        assertArrayEquals(saved, Files.readAllBytes(out.resolve("model.zip")), "the earlier model is untouched");
    }

    /** Starts `mtl train` in a child JVM with the test's classpath. */
    private Process startChild(Path out, int pauseAtEpoch, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx1g",
                "-D" + CheckpointDirectory.TEST_PAUSE_PROPERTY + "=" + pauseAtEpoch, MtlCommand.class.getName()));
        command.addAll(Arrays.asList(train(out, extra)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child-" + out.getFileName() + ".log").toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        return builder.start();
    }

    private static Optional<Path> find(Path checkpoints, String prefix, String suffix) throws Exception {
        if (!Files.isDirectory(checkpoints)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(checkpoints)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(suffix)).findFirst();
        }
    }

    private static Path await(Path checkpoints, String prefix, String suffix, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Optional<Path> found = find(checkpoints, prefix, suffix);
            if (found.isPresent()) {
                return found.get();
            }
            assertTrue(child.isAlive(), "child process ended before " + prefix + "*" + suffix + " appeared");
            Thread.sleep(20);
        }
        throw new AssertionError("no " + prefix + "*" + suffix + " in " + checkpoints + " within 90 s");
    }

    @Test
    void killedMidCheckpointWriteAndMidEpochResumesToTheUninterruptedModel() throws Exception {

        // 1. SIGKILL while the checkpoint of epoch 2 is being written (the test hook holds the write open before the rename).
        Path out = dir.resolve("killed");
        Path checkpoints = out.resolve("checkpoints");
        Process child = startChild(out, 2, "--checkpoint-every", "1");
        try {
            await(checkpoints, "checkpoint-epoch-000001", ".zip", child);
            Path partial = await(checkpoints, ".checkpoint-epoch-000002", ".tmp", child);
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            assertTrue(Files.exists(partial), "the interrupted write left its temporary file");
        } finally {
            child.destroyForcibly();
        }
        List<Path> kept = new CheckpointDirectory(checkpoints).checkpoints();
        assertEquals(List.of("checkpoint-epoch-000001.zip"), kept.stream().map(p -> p.getFileName().toString()).toList(),
                "the checkpoint being written when killed is not there; the one before is: one interval lost at most");

        // 2. Resume in a child too, and SIGKILL it mid-epoch (no pause: killed as soon as its first new checkpoint exists).
        Process second = startChild(out, -1, "--checkpoint-every", "1", "--resume");
        try {
            await(checkpoints, "checkpoint-epoch-000002", ".zip", second);
            Thread.sleep(50);
            second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        } finally {
            second.destroyForcibly();
        }
        int newest = CheckpointDirectory.epochOfFile(new CheckpointDirectory(checkpoints).checkpoints().get(0)).orElseThrow();
        assertTrue(newest >= 2, "newest checkpoint after the second kill: " + newest);

        // 3. Resume in process to the end: every checkpoint verifies, no temporary file is left, and the model is the uninterrupted one.
        CliRun last = CliRun.of(train(out, "--checkpoint-every", "1", "--resume"));
        assertEquals(0, last.code(), last.err());
        assertEquals(List.of(), find(checkpoints, ".", ".tmp").stream().toList(), "interrupted writes cleaned up");
        for (Path checkpoint : new CheckpointDirectory(checkpoints).checkpoints()) {
            assertTrue(Files.size(checkpoint) > 0, checkpoint.toString());
        }
        assertEquals(List.of("checkpoint-epoch-000004.zip", "checkpoint-epoch-000003.zip"), new CheckpointDirectory(checkpoints)
                .checkpoints().stream().map(p -> p.getFileName().toString()).toList());
        assertArrayEquals(parameters(full), parameters(out), 0.0);
        assertEquals(Files.readString(full.resolve("history.csv")), Files.readString(out.resolve("history.csv")));
        assertTrue(new File(".").list((d, name) -> name.startsWith("hs_err")).length == 0, "no JVM crash file");
    }
}
