package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.github.mtldl4j.spark.SparkFileTraining;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code mtl-spark/cluster/local-cluster.sh}: a Spark standalone master and two workers as separate JVMs on this
 * machine train penguins, read by the executors from a {@code file://} URI, through {@code spark-submit}, against the
 * same training on one machine on the same rows. Submits mtl-cli's jar
 * with the rest of {@code classpath-spark.txt} (the script's {@code MTL_APP_CLASSPATH}) rather than the 167 MB cluster
 * jar, which the default build does not make; docs/cluster.md shows the same run with that jar.
 */
class LocalClusterIT {
    /** As SparkTrainingTest's local[2] run: parameter averaging is not the sequential optimization path (69 validation rows). */
    private static final double TOLERANCE = 0.06;
    private static final String EPOCHS = "20";

    @TempDir
    Path dir;

    @Test
    void twoWorkerJvmsTrainWhatOneMachineTrainsAndLeaveNothingRunning() throws Exception {
        Path penguins = dir.resolve("penguins.csv");
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        List<String> train = List.of("--task", "species:multiclass:species", "--task", "sex:binary:sex",
                "--task", "mass:regression:body_mass_g", "--epochs", EPOCHS);
        Path cluster = dir.resolve("cluster");
        Path distributed = dir.resolve("on-cluster");

        // The executors read the file (a file:// URI, as on a cluster whose nodes share it): the driver gets only the sample.
        List<String> command = new ArrayList<>(List.of(script().toString(), "train", "--data", "file://" + penguins.toAbsolutePath()));
        command.addAll(train);
        command.addAll(List.of("--out", distributed.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("MTL_CLUSTER_DIR", cluster.toString());
        builder.environment().put("MTL_CLUSTER_TIMEOUT", "420");
        builder.environment().put("MTL_APP_CLASSPATH", applicationClassPath());
        Path log = dir.resolve("local-cluster.log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        boolean finished;
        try {
            finished = process.waitFor(8, TimeUnit.MINUTES);
            if (!finished) {
                process.destroy();
            }
        } finally {
            unlinkJars(cluster.resolve("jars"));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, "local-cluster.sh did not finish in 8 minutes (its own bound is 420 s):\n" + output);
        assertEquals(0, process.exitValue(), output);

        // Nothing of the cluster is left: no JVM with its jars/ on the class path (master, workers, executors, driver).
        List<String> left = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(line -> line.contains(cluster.resolve("jars").toString())).toList();
        assertEquals(List.of(), left, "processes left running");

        // Two executors took part, each launched by another worker JVM (each worker has its own work directory).
        JsonNode metrics = new ObjectMapper().readTree(distributed.resolve("metrics.json").toFile());
        Set<String> executors = new TreeSet<>();
        metrics.path("scale_out").path("executors").forEach(id -> executors.add(id.asText()));
        assertEquals(2, executors.size(), metrics.toPrettyString());
        Set<String> launched = new TreeSet<>();
        for (String worker : List.of("work-1", "work-2")) {
            List<String> ids = executorDirectories(cluster.resolve(worker));
            assertEquals(1, ids.size(), worker + " launched one executor: " + ids);
            launched.addAll(ids);
        }
        assertEquals(executors, launched, "the executors in metrics.json are those the two workers launched");
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
        oneMachine.addAll(train);
        oneMachine.addAll(List.of("--out", single.toString()));
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
