package io.github.mtldl4j.cli;

import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.github.mtldl4j.spark.SparkFileTraining;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code mtl-spark/cluster/local-cluster.sh}: a Spark standalone master and two workers as separate JVMs on this
 * machine, one session of several trainings ({@code --then}: one {@code spark-submit}, one application, so the executors
 * start once):
 * <ol>
 * <li>penguins with parameter averaging, read by the executors from a {@code file://} URI, against the same training on
 * one machine on the same rows;</li>
 * <li>each per-step method of issue 20 ({@code pcgrad, mgda, uncertainty, rlw}: synchronous gradient steps) against the
 * {@code local[2]} run of the same command, run in this JVM while the cluster works. Both split the same global batches
 * into the same two shards (two partitions: {@code local[2]}'s two threads, the cluster's two one-core executors) and
 * take the same steps; {@code SynchronousGradientStepsTest} checks that those steps equal one machine's on the
 * concatenated batches, so this checks that the cluster's separate JVMs change nothing.</li>
 * </ol>
 * Submits mtl-cli's jar with the rest of {@code classpath-spark.txt} (the script's {@code MTL_APP_CLASSPATH}) rather
 * than the 167 MB cluster jar, which the default build does not make; docs/cluster.md shows the same run with that jar.
 */
class LocalClusterIT {
    /** As SparkTrainingTest's local[2] run: parameter averaging is not the sequential optimization path (69 validation rows). */
    private static final double TOLERANCE = 0.06;
    private static final String EPOCHS = "20";
    private static final String STEP_EPOCHS = "2";
    /**
     * The tolerance policy's rule for FLOAT networks after Adam steps (NumericAssertions): the same steps on the same
     * shards, but the executors run one OpenMP thread each while local[2]'s two tasks share this JVM's threads, so BLAS
     * may sum in another order, and Adam passes such last-bit differences on with a gain of up to lr/eps. MGDA-UB's
     * Frank-Wolfe bound (1e-5) is below it.
     */
    private static final double STEP_TOLERANCE = FLOAT_ADAM_STEPS;
    private static final List<String> STEP_METHODS = List.of("pcgrad", "mgda", "uncertainty", "rlw");
    private static final List<String> TASKS = List.of("--task", "species:multiclass:species", "--task", "sex:binary:sex",
            "--task", "mass:regression:body_mass_g");

    @TempDir
    static Path dir;

    private static Path penguins;
    private static Path cluster;
    private static boolean finished;
    private static int exit;
    private static String output;
    private static final Map<String, CliRun> LOCAL = new LinkedHashMap<>();

    /** The cluster's session (the averaging run, then one run per method), and meanwhile each method on local[2] here. */
    @BeforeAll
    static void runTheSession() throws Exception {
        penguins = dir.resolve("penguins.csv");
        try (InputStream in = LocalClusterIT.class.getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        cluster = dir.resolve("cluster");
        // The executors read the file (a file:// URI, as on a cluster whose nodes share it): the driver gets only the sample.
        List<String> command = new ArrayList<>(List.of(script().toString(), "train", "--data", "file://" + penguins.toAbsolutePath()));
        command.addAll(TASKS);
        // Every epoch on both sides: an early stop decided by a near-tie could differ between the two runs.
        command.addAll(List.of("--epochs", EPOCHS, "--no-early-stopping", "--out", dir.resolve("on-cluster").toString()));
        for (String method : STEP_METHODS) {
            command.add("--then");
            command.addAll(stepRun(method, dir.resolve("cluster-" + method)));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("MTL_CLUSTER_DIR", cluster.toString());
        builder.environment().put("MTL_CLUSTER_TIMEOUT", "600");
        builder.environment().put("MTL_APP_CLASSPATH", applicationClassPath());
        Path log = dir.resolve("local-cluster.log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        try {
            for (String method : STEP_METHODS) {
                List<String> args = stepRun(method, dir.resolve("local-" + method));
                args.addAll(List.of("--spark", "local[2]"));
                LOCAL.put(method, CliRun.of(args.toArray(String[]::new)));
            }
            finished = process.waitFor(12, TimeUnit.MINUTES);
            if (!finished) {
                process.destroy();
            }
        } finally {
            unlinkJars(cluster.resolve("jars"));
        }
        exit = finished ? process.exitValue() : -1;
        output = Files.readString(log, StandardCharsets.UTF_8);
        // Where the session's time went, in the build's log.
        output.lines().filter(line -> line.startsWith("local-cluster.sh:") || line.startsWith("mtl session:")).forEach(System.out::println);
    }

    /** {@code train} with a per-step method on the rows read here (the same two partitions on local[2] and on the cluster). */
    private static List<String> stepRun(String method, Path out) {
        List<String> run = new ArrayList<>(List.of("train", "--data", penguins.toString()));
        run.addAll(TASKS);
        run.addAll(List.of("--weighting", method, "--epochs", STEP_EPOCHS, "--out", out.toString()));
        return run;
    }

    @Test
    void theSessionEndsAndLeavesNothingRunning() {
        assertTrue(finished, "local-cluster.sh did not finish in 12 minutes (its own bound is 600 s):\n" + output);
        assertEquals(0, exit, output);
        // Nothing of the cluster is left: no JVM with its jars/ on the class path (master, workers, executors, drivers).
        List<String> left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains(cluster.resolve("jars").toString())).toList();
        assertEquals(List.of(), left, "processes left running");
    }

    @Test
    void twoWorkerJvmsTrainWhatOneMachineTrains() throws Exception {
        Path distributed = dir.resolve("on-cluster");
        JsonNode metrics = clusterMetrics(distributed, "the averaging run");
        assertTrue(metrics.path("scale_out").path("placement").asText().startsWith("spark spark://127.0.0.1:"), metrics.toPrettyString());
        assertTrue(metrics.path("data_read").asText().startsWith("by Spark on the executors"), metrics.toPrettyString());

        // The same training on one machine, in this JVM, on the same rows: the executors' split is the rows whose hash
        // (with the seed, 42) is below 0.2, made here line by line.
        List<String> lines = Files.readAllLines(penguins);
        List<String> trainRows = new ArrayList<>(List.of(lines.get(0)));
        List<String> validRows = new ArrayList<>(List.of(lines.get(0)));
        lines.subList(1, lines.size()).forEach(line -> (SparkFileTraining.isValidation(42, 0.2, line) ? validRows : trainRows).add(line));
        Path trainFile = Files.write(dir.resolve("train.csv"), trainRows);
        Path validFile = Files.write(dir.resolve("valid.csv"), validRows);
        Path single = dir.resolve("one-machine");
        List<String> oneMachine = new ArrayList<>(List.of("train", "--data", trainFile.toString(), "--valid-data", validFile.toString()));
        oneMachine.addAll(TASKS);
        oneMachine.addAll(List.of("--epochs", EPOCHS, "--no-early-stopping", "--out", single.toString()));
        CliRun run = CliRun.of(oneMachine.toArray(String[]::new));
        assertEquals(0, run.code(), run.err());
        JsonNode one = new ObjectMapper().readTree(single.resolve("metrics.json").toFile()).path("tasks");
        JsonNode many = metrics.path("tasks");
        for (String task : List.of("species", "sex", "mass")) {
            assertEquals(one.path(task).path("n").asInt(), many.path(task).path("n").asInt(), task + ": the same validation rows");
        }
        assertTrue(many.path("species").path("accuracy").asDouble() > 0.9 && many.path("mass").path("r2").asDouble() > 0.6, many.toPrettyString());
        for (String[] metric : List.of(new String[] {"species", "accuracy"}, new String[] {"sex", "accuracy"}, new String[] {"sex", "auc"},
                new String[] {"mass", "r2"})) {
            assertEquals(one.path(metric[0]).path(metric[1]).asDouble(), many.path(metric[0]).path(metric[1]).asDouble(), TOLERANCE,
                    metric[0] + " " + metric[1] + ": cluster vs one machine");
        }

        // The cluster's model reloads and predicts every row.
        Path predictions = dir.resolve("predictions.csv");
        CliRun predicted = CliRun.of("predict", "--model", distributed.resolve("model.zip").toString(), "--data", penguins.toString(),
                "--out", predictions.toString());
        assertEquals(0, predicted.code(), predicted.err());
        assertEquals(1 + 344, Files.readAllLines(predictions).size(), "header and one line per row");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pcgrad", "mgda", "uncertainty", "rlw"})
    void perStepMethodOnTwoWorkerJvmsEqualsLocalTwoEpochByEpoch(String method) throws Exception {
        CliRun reference = LOCAL.get(method);
        assertEquals(0, reference.code(), method + " on local[2]: " + reference.err());
        Path local = dir.resolve("local-" + method);
        Path distributed = dir.resolve("cluster-" + method);
        JsonNode metrics = clusterMetrics(distributed, method);
        assertEquals(method, metrics.path("weighting").asText(), metrics.toPrettyString());
        JsonNode scaleOut = metrics.path("scale_out");
        assertTrue(scaleOut.path("placement").asText().contains("synchronous gradient steps"), method + ": " + scaleOut);
        JsonNode localScaleOut = new ObjectMapper().readTree(local.resolve("metrics.json").toFile()).path("scale_out");
        assertEquals(localScaleOut.path("synchronous_steps").path("steps").asLong(), scaleOut.path("synchronous_steps").path("steps").asLong(),
                method + ": steps taken, local[2] vs cluster");

        // Every epoch's training and validation loss and mean weight per task (history.csv, full precision).
        List<String> one = Files.readAllLines(local.resolve("history.csv"));
        List<String> many = Files.readAllLines(distributed.resolve("history.csv"));
        assertEquals(one.get(0), many.get(0), method + ": history.csv columns");
        assertEquals(1 + Integer.parseInt(STEP_EPOCHS), one.size(), method + ": epochs on local[2]\n" + String.join("\n", one));
        assertEquals(one.size(), many.size(), method + ": epochs on the cluster\n" + String.join("\n", many));
        String[] columns = one.get(0).split(",");
        int compared = 0;
        for (int row = 1; row < one.size(); row++) {
            String[] expected = one.get(row).split(",");
            String[] actual = many.get(row).split(",");
            for (int c = 1; c < columns.length; c++) {
                if (columns[c].endsWith("_train_loss") || columns[c].endsWith("_valid_loss") || columns[c].endsWith("_weight")) {
                    assertClose(Double.parseDouble(expected[c]), Double.parseDouble(actual[c]), STEP_TOLERANCE,
                            method + ", epoch " + expected[0] + ", " + columns[c] + " (local[2], then the cluster)");
                    compared++;
                }
            }
        }
        assertEquals(3 * 3 * Integer.parseInt(STEP_EPOCHS), compared, method + ": values compared");
        // The kept model's validation loss per task in metrics.json, measured after training.
        JsonNode localTasks = new ObjectMapper().readTree(local.resolve("metrics.json").toFile()).path("tasks");
        for (String task : List.of("species", "sex", "mass")) {
            assertClose(localTasks.path(task).path("loss").asDouble(), metrics.path("tasks").path(task).path("loss").asDouble(),
                    STEP_TOLERANCE, method + ", metrics.json " + task + " loss (local[2], then the cluster)");
        }
        // Equality says something only if training moved: the species loss fell well beyond the tolerance in epoch 2.
        int speciesTrain = List.of(columns).indexOf("species_train_loss");
        double first = Double.parseDouble(one.get(1).split(",")[speciesTrain]);
        double second = Double.parseDouble(one.get(2).split(",")[speciesTrain]);
        assertTrue(first - second > 1e-2 * first, method + ": the species training loss fell from epoch 1 to 2: " + first + ", " + second);
    }

    /**
     * A cluster run's metrics.json, after checking that two executors took part, each launched by another worker JVM
     * (each worker has its own work directory, with app-ID/EXECUTOR-ID per executor): the session is one application,
     * so every run names the same two.
     */
    private static JsonNode clusterMetrics(Path out, String what) throws IOException {
        assertTrue(Files.isRegularFile(out.resolve("metrics.json")), what + ": the cluster run wrote no metrics.json (exit "
                + exit + "); the session's output:\n" + output);
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        Set<String> executors = new TreeSet<>();
        metrics.path("scale_out").path("executors").forEach(id -> executors.add(id.asText()));
        assertEquals(2, executors.size(), what + ": " + metrics.toPrettyString());
        Set<String> launched = new TreeSet<>();
        for (String worker : List.of("work-1", "work-2")) {
            List<String> ids = executorDirectories(cluster.resolve(worker));
            assertEquals(1, ids.size(), what + ": " + worker + " launched one executor for the session: " + ids);
            launched.addAll(ids);
        }
        assertEquals(executors, launched, what + ": the executors in metrics.json are those the two workers launched");
        return metrics;
    }

    /** The executor ids a worker launched: its work directory holds app-ID/EXECUTOR-ID per executor. */
    private static List<String> executorDirectories(Path work) throws IOException {
        try (Stream<Path> apps = Files.list(work)) {
            List<String> ids = new ArrayList<>();
            for (Path app : apps.toList()) {
                try (Stream<Path> executors = Files.list(app)) {
                    executors.map(p -> p.getFileName().toString()).forEach(ids::add);
                }
            }
            return ids;
        }
    }

    /** Removes the links to ~/.m2's jars (JUnit warns about each link when it deletes the temporary directory). */
    private static void unlinkJars(Path jars) throws IOException {
        if (Files.isDirectory(jars)) {
            try (Stream<Path> links = Files.list(jars)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
        }
    }

    private static Path script() {
        Path script = Path.of(System.getProperty("mtl.root", "..")).resolve("mtl-spark/cluster/local-cluster.sh").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(script), "no executable script at " + script);
        return script;
    }

    /** mtl-cli's jar, then its class path with mtl-spark (written at package, as for ./mtl's train --spark). */
    private static String applicationClassPath() throws IOException {
        Path target = Path.of(System.getProperty("mtl.target", "target")).toAbsolutePath();
        Path jar = Path.of(System.getProperty("mtl.cli.jar", target.resolve("mtl-cli.jar").toString()));
        assertTrue(Files.isRegularFile(jar), "no mtl-cli jar at " + jar);
        return jar + File.pathSeparator + Files.readString(target.resolve("classpath-spark.txt")).strip();
    }
}
