package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The real {@code ./mtl} as a user runs it: the script, the class path the build wrote and the application's
 * {@code logback.xml}, each run in a child process. Runs in the integration-test phase (after {@code package}), with
 * {@code MTL_NO_BUILD=1} so the launcher does not start a nested Maven build on the same {@code target/}.
 *
 * <p>What a user must see: stdout carries only the command's output; stderr carries no stack trace and no logging status
 * lines; a bad input gives exactly one line on stderr and exit code 2.
 */
class LauncherIT {
    /** A Java stack frame, an exception's class name, or Logback's own status lines ({@code |-INFO in ch.qos...}). */
    private static final Pattern ALARMING = Pattern.compile("^\\s+at [\\w$.]+\\(|Exception|Error:|\\|-(INFO|WARN|ERROR) in ");

    private static Path launcher;

    @TempDir
    static Path dir;

    private static Path penguins;

    @BeforeAll
    static void findLauncher() throws IOException {
        launcher = Path.of(System.getProperty("mtl.launcher", "../mtl")).toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(launcher), "no executable launcher at " + launcher);
        penguins = dir.resolve("penguins.csv");
        try (InputStream in = LauncherIT.class.getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
    }

    /** One run of the launcher: exit code, stdout and stderr. */
    record Run(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Run mtl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(launcher.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("MTL_NO_BUILD", "1");
        builder.environment().remove("MTL_DEBUG");
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = builder.start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "./mtl " + String.join(" ", args) + " did not finish");
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static void assertClean(Run run, String what) {
        for (String stream : List.of(run.out(), run.err())) {
            stream.lines().filter(line -> ALARMING.matcher(line).find()).findFirst().ifPresent(line -> {
                throw new AssertionError(what + " printed a stack trace or logging status line: " + line
                        + "\n--- stdout:\n" + run.out() + "\n--- stderr:\n" + run.err());
            });
        }
    }

    @Test
    void helpGoesToStdoutAndNothingToStderr() throws Exception {
        Run run = mtl("--help");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("Usage: mtl"), run.out());
        assertEquals("", run.err());
    }

    @Test
    void seedExamplePrintsOnlyItsOwnOutput() throws Exception {
        Run run = mtl("seed", "--epochs", "1");
        assertEquals(0, run.code(), run.err());
        assertClean(run, "seed");
        assertTrue(run.out().contains("Final per-task loss"), run.out());
        // stderr: the one backend line every program prints at start, nothing else.
        assertEquals(1, run.errLines().size(), run.err());
        assertTrue(run.err().startsWith("ND4J backend: "), run.err());
    }

    @Test
    void trainThenEvaluateJsonGivesParsableJson() throws Exception {
        Path out = dir.resolve("run");
        Run trained = mtl("train", "--data", penguins.toString(), "--task", "species:multiclass:species",
                "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--epochs", "2", "--seed", "3",
                "--out", out.toString());
        assertEquals(0, trained.code(), trained.err());
        assertClean(trained, "train");
        assertTrue(Files.isRegularFile(out.resolve("model.zip")) && Files.isRegularFile(out.resolve("metrics.json")));

        Run evaluated = mtl("evaluate", "--model", out.resolve("model.zip").toString(), "--data", penguins.toString(), "--json");
        assertEquals(0, evaluated.code(), evaluated.err());
        assertClean(evaluated, "evaluate --json");
        JsonNode json = new ObjectMapper().readTree(evaluated.out());   // all of stdout is one JSON document
        assertTrue(json.path("tasks").has("species") && json.path("tasks").has("mass"), evaluated.out());
        assertTrue(json.path("tasks").path("mass").path("rmse").isNumber(), evaluated.out());
    }

    @Test
    void anEarlyStopIsSaidOnStdoutAndNotLoggedOnStderr() throws Exception {
        // Patience 1 over 30 epochs: the first epoch without a new best ends the run.
        Run trained = mtl("train", "--data", penguins.toString(), "--task", "species:multiclass:species", "--task",
                "mass:regression:body_mass_g", "--epochs", "30", "--patience", "1", "--out", dir.resolve("stopped").toString());
        assertEquals(0, trained.code(), trained.err());
        assertTrue(trained.out().contains("stopped early after epoch "), trained.out());
        assertEquals(1, trained.errLines().size(), "only the backend line on stderr:\n" + trained.err());
        assertTrue(trained.err().startsWith("ND4J backend: "), trained.err());
    }

    @Test
    void workersBringMtlSparkOntoTheClassPath() throws Exception {
        // classpath.txt has no Spark; the launcher adds mtl-spark's class path for --workers (and --spark) only.
        Path out = dir.resolve("workers");
        Run trained = mtl("train", "--data", penguins.toString(), "--task", "species:multiclass:species", "--epochs", "1",
                "--workers", "2", "--out", out.toString());
        assertEquals(0, trained.code(), trained.err());
        assertClean(trained, "train --workers 2");
        assertTrue(Files.isRegularFile(out.resolve("model.zip")), trained.out());
    }

    @Test
    void sparkLocalPrintsOnlyTheBackendLineOnStderr() throws Exception {
        // Spark 3.1 prints "Using Spark's default log4j profile" unless log4j 1.2 has an appender (mtl-cli's log4j.properties).
        Run trained = mtl("train", "--data", penguins.toString(), "--task", "species:multiclass:species", "--epochs", "1",
                "--spark", "local[2]", "--out", dir.resolve("spark").toString());
        assertEquals(0, trained.code(), trained.err());
        assertClean(trained, "train --spark local[2]");
        assertEquals(1, trained.errLines().size(), "only the backend line on stderr:\n" + trained.err());
    }

    @Test
    void sparkWithoutMtlSparkOnTheClassPathSaysHowToGetIt() throws Exception {
        // The lean class path that ./mtl uses without --spark/--workers, run directly with --spark.
        Path classes = Path.of("target", "classes").toAbsolutePath();
        String classpath = classes + ":" + Files.readString(Path.of("target", "classpath.txt")).trim();
        assertFalse(classpath.contains("mtl-spark") || classpath.contains("spark-core"), "classpath.txt has Spark: " + classpath);
        Path out = dir.resolve("no-spark");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                MtlCommand.class.getName(), "train", "--data", penguins.toString(), "--task", "species:multiclass:species",
                "--spark", "local[2]", "--out", out.toString()).directory(dir.toFile());
        Path stdout = Files.createTempFile(dir, "stdout", ".txt");
        Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        Process process = builder.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "did not finish");
        Run run = new Run(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
        assertEquals(2, run.code(), run.err());
        assertClean(run, "train --spark without mtl-spark");
        assertEquals("mtl: --spark needs mtl-spark, which is not on the class path: run ./mtl, which adds it for --spark and --workers, "
                + "or put mtl-spark's jar and dependencies on the class path.", run.errLines().get(run.errLines().size() - 1), run.err());
        assertFalse(Files.exists(out), "wrote " + out);
    }

    @Test
    void eachBadInputGivesExactlyOneLineAndExitCodeTwo() throws Exception {
        Path headerOnly = Files.writeString(dir.resolve("header-only.csv"), "a,b\n");
        Path out = dir.resolve("never-written");
        List<String[]> badInputs = List.of(
                new String[] {"train", "--data", dir.resolve("missing.csv").toString(), "--task", "a:binary:b", "--out", out.toString()},
                new String[] {"train", "--data", penguins.toString(), "--task", "species:multiclass:no_such_column", "--out", out.toString()},
                new String[] {"train", "--data", penguins.toString(), "--task", "species:ordinal:species", "--out", out.toString()},
                new String[] {"train", "--data", headerOnly.toString(), "--task", "a:regression:a", "--out", out.toString()},
                new String[] {"evaluate", "--model", penguins.toString(), "--data", penguins.toString()},
                new String[] {"train", "--no-such-flag"},
                new String[] {"no-such-command"});
        for (String[] args : badInputs) {
            Run run = mtl(args);
            String what = "./mtl " + String.join(" ", args);
            assertEquals(2, run.code(), what + "\n" + run.err());
            assertClean(run, what);
            assertEquals(1, run.errLines().size(), what + " printed more than one line on stderr:\n" + run.err());
            assertTrue(run.err().startsWith("mtl: "), what + ": " + run.err());
            assertEquals("", run.out(), what + " printed on stdout");
            assertFalse(Files.exists(out), what + " wrote " + out);
        }
    }
}
