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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed inputs across CSV files, task specs, flags and model files (issue 7, in addition to CommandLineTest's): each
 * exits with code 2 and one line on stderr naming what is wrong, leaves no output and no JVM crash file.
 */
class BadInputCorpusTest {
    @TempDir
    static Path shared;
    static Path model;

    private static final String HEADER = "y,c,x1,x2\n";
    private static final String ROWS = "1.5,a,0.1,3\n2.5,b,0.2,4\n0.5,a,0.3,5\n1.0,b,0.4,6\n2.0,a,0.5,7\n"
            + "1.2,b,0.6,8\n1.7,a,0.7,9\n0.9,b,0.8,10\n";

    /** A case: a name, the arguments made from a fresh directory, and fragments the error line must contain. */
    record Case(String name, Function<Path, String[]> args, List<String> fragments) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Path write(Path dir, String name, String text) {
        return write(dir, name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** train on {@code csv} (written to data.csv) with tasks y (regression) and c (binary), plus extra options. */
    private static Function<Path, String[]> train(String csv, String... extra) {
        return dir -> {
            List<String> args = new ArrayList<>(List.of("train", "--data", write(dir, "data.csv", csv).toString(), "--task",
                    "y:regression:y", "--task", "c:binary:c", "--epochs", "1", "--out", dir.resolve("out").toString()));
            args.addAll(Arrays.asList(extra));
            return args.toArray(String[]::new);
        };
    }

    private static Function<Path, String[]> trainWith(String... options) {
        return dir -> {
            List<String> args = new ArrayList<>(List.of("train", "--data", write(dir, "data.csv", HEADER + ROWS).toString(),
                    "--out", dir.resolve("out").toString()));
            args.addAll(Arrays.asList(options));
            return args.toArray(String[]::new);
        };
    }

    private static Function<Path, String[]> evaluate(Function<Path, Path> modelFile) {
        return dir -> new String[] {"evaluate", "--model", modelFile.apply(dir).toString(), "--data",
                write(dir, "data.csv", HEADER + ROWS).toString()};
    }

    private static Case of(String name, Function<Path, String[]> args, String... fragments) {
        return new Case(name, args, List.of(fragments));
    }

    static Stream<Case> cases() {
        return Stream.of(
                // CSV content
                of("NaN feature", train(HEADER + ROWS + "1.1,a,NaN,3\n"), "data.csv", "line 10", "column 'x1'", "not a finite number"),
                of("infinite feature", train(HEADER + ROWS + "1.1,a,0.3,Infinity\n"), "data.csv", "column 'x2'", "not a finite number"),
                of("NaN regression label", train(HEADER + ROWS + "NaN,a,0.3,3\n"), "data.csv", "column 'y'", "finite number"),
                of("infinite regression label", train(HEADER + ROWS + "-Infinity,a,0.3,3\n"), "column 'y'", "finite number"),
                of("1e30 feature", train(HEADER + ROWS + "1.1,a,1e30,3\n"), "line 10", "column 'x1'", "beyond the supported magnitude"),
                of("1e30 label", train(HEADER + ROWS + "1e30,a,0.3,3\n"), "column 'y'", "beyond the supported magnitude"),
                of("one row", train(HEADER + "1.5,a,0.1,3\n"), "data.csv", "1 rows"),
                of("labels only", dir -> new String[] {"train", "--data", write(dir, "labels.csv", "y,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,b\n").toString(), "--task", "y:regression:y", "--task", "c:binary:c",
                        "--out", dir.resolve("out").toString()}, "labels.csv", "no feature columns"),
                of("non-UTF-8 bytes", dir -> new String[] {"train", "--data", write(dir, "latin1.csv",
                        (HEADER + ROWS + "1.1,\u00e9t\u00e9,0.3,3\n").getBytes(StandardCharsets.ISO_8859_1)).toString(), "--task", "y:regression:y",
                        "--out", dir.resolve("out").toString()}, "latin1.csv", "UTF-8"),
                of("directory as data file", dir -> new String[] {"train", "--data", dir.toString(), "--task", "y:regression:y",
                        "--out", dir.resolve("out").toString()}, "is a directory"),
                of("unterminated quote", train(HEADER + ROWS + "1.1,\"a,0.3,3\n"), "data.csv"),
                of("duplicate column name", train("y,c,x1,x1\n" + ROWS), "data.csv", "appears twice"),
                of("binary label with three classes", train(HEADER + ROWS + "1.1,z,0.3,3\n"), "task 'c'", "binary"),
                // task specs
                of("task without a name", trainWith("--task", ":binary:c"), "task ':binary:c'", "expected NAME:TYPE:COLUMN"),
                of("multiclass task without a column", trainWith("--task", "c:multiclass:"), "task 'c:multiclass:'",
                        "expected NAME:TYPE:COLUMN"),
                of("weights for an unknown task", trainWith("--task", "c:binary:c", "--weights", "nope=2"), "unknown task 'nope'"),
                // flags
                of("batch 0", train(HEADER + ROWS, "--batch", "0"), "--batch must be >= 1"),
                of("negative learning rate", train(HEADER + ROWS, "--lr", "-1"), "--lr"),
                of("NaN learning rate", train(HEADER + ROWS, "--lr", "NaN"), "--lr"),
                of("epochs not a number", train(HEADER + ROWS, "--epochs", "many"), "--epochs", "many"),
                of("unknown architecture", train(HEADER + ROWS, "--arch", "transformer"), "transformer"),
                of("unknown weighting", train(HEADER + ROWS, "--weighting", "magic"), "magic"),
                of("unknown option", train(HEADER + ROWS, "--turbo"), "--turbo"),
                of("validation fraction 0", train(HEADER + ROWS, "--valid", "0"), "--valid"),
                of("checkpoint interval 0", train(HEADER + ROWS, "--checkpoint-every", "0"), "--checkpoint-every must be >= 1"),
                of("negative clip norm", train(HEADER + ROWS, "--clip-norm", "-1"), "--clip-norm"),
                of("resume without checkpoints", dir -> train(HEADER + ROWS, "--resume", dir.resolve("nothing").toString()).apply(dir),
                        "--resume", "no checkpoint"),
                of("unwritable output directory", dir -> new String[] {"train", "--data", write(dir, "data.csv", HEADER + ROWS).toString(),
                        "--task", "y:regression:y", "--out", "/proc/mtl-out"}, "--out /proc/mtl-out", "cannot"),
                of("output path is a file", dir -> new String[] {"train", "--data", write(dir, "data.csv", HEADER + ROWS).toString(),
                        "--task", "y:regression:y", "--out", write(dir, "taken", "x").toString()}, "is a file"),
                // model files
                of("truncated model", evaluate(dir -> {
                    try {
                        byte[] bytes = Files.readAllBytes(model);
                        return write(dir, "truncated.zip", Arrays.copyOf(bytes, bytes.length / 3));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }), "truncated.zip"),
                of("directory as model", evaluate(dir -> dir), "is a directory"),
                of("plain zip without metadata", evaluate(dir -> zipOf(dir.resolve("plain.zip"), Map.of("hello.txt", "hi"))),
                        "plain.zip", "not a model saved by mtl-dl4j"),
                of("model from another library version", evaluate(BadInputCorpusTest::modelFromTheFuture),
                        "future.zip", "format 2", "saved by mtl-dl4j 9.0.0", "not supported"),
                of("predict into a directory that cannot be created", dir -> new String[] {"predict", "--model", model.toString(), "--data",
                        write(dir, "data.csv", HEADER + ROWS).toString(), "--out", "/proc/mtl-out/p.csv"}, "/proc/mtl-out"));
    }

    private static Path zipOf(Path file, Map<String, String> entries) {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The trained model with its metadata rewritten as a future format 2 written by mtl-dl4j 9.0.0. */
    private static Path modelFromTheFuture(Path dir) {
        Path file = dir.resolve("future.zip");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(model))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
            String metadata = new String(entries.get("mtl-dl4j/model.json"), StandardCharsets.UTF_8);
            assertTrue(metadata.contains("\"library_version\" : \"0.1.0\""), metadata);
            entries.put("mtl-dl4j/model.json", metadata.replace("\"format\" : 1", "\"format\" : 2")
                    .replace("\"library_version\" : \"0.1.0\"", "\"library_version\" : \"9.0.0\"").getBytes(StandardCharsets.UTF_8));
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    static void trainAModel() throws Exception {
        Path penguins = shared.resolve("penguins.csv");
        try (InputStream in = BadInputCorpusTest.class.getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        CliRun run = CliRun.of("train", "--data", penguins.toString(), "--task", "species:multiclass:species", "--epochs", "1",
                "--shared", "8", "--out", shared.resolve("ok").toString());
        assertEquals(0, run.code(), run.err());
        model = shared.resolve("ok/model.zip");
    }

    /** Not an error: a wide table trains (one epoch), and quickly. */
    @Test
    void tenThousandColumnsTrain(@TempDir Path dir) throws Exception {
        int columns = 10_000;
        java.util.Random random = new java.util.Random(1);
        StringBuilder csv = new StringBuilder("y");
        for (int c = 0; c < columns; c++) {
            csv.append(",f").append(c);
        }
        csv.append('\n');
        for (int r = 0; r < 20; r++) {
            csv.append(r % 2 == 0 ? "a" : "b");
            for (int c = 0; c < columns; c++) {
                csv.append(',').append(random.nextInt(100));
            }
            csv.append('\n');
        }
        Path data = write(dir, "wide.csv", csv.toString());
        long start = System.nanoTime();
        CliRun run = CliRun.of("train", "--data", data.toString(), "--task", "y:binary:y", "--epochs", "1", "--shared", "8",
                "--out", dir.resolve("out").toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.isRegularFile(dir.resolve("out/model.zip")));
        assertTrue(seconds < 120, "10,000 columns took " + seconds + " s");
    }

    @Test
    void theCorpusHasAtLeast25Cases() {
        assertTrue(cases().count() >= 25, "cases: " + cases().count());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithOneLineExitTwoAndNothingWritten(Case c, @TempDir Path dir) throws Exception {
        String[] args = c.args().apply(dir);
        List<Path> before = listing(dir);
        CliRun run = CliRun.of(args);
        assertEquals(2, run.code(), c.name() + ": " + String.join(" ", args) + "\n" + run.out() + run.err());
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("ND4J backend")).toList();
        assertEquals(1, lines.size(), c.name() + ": " + run.err());
        for (String fragment : c.fragments()) {
            assertTrue(lines.get(0).contains(fragment), c.name() + ": '" + fragment + "' missing in: " + lines.get(0));
        }
        assertEquals(before, listing(dir), c.name() + ": nothing written");
        assertFalse(Files.exists(dir.resolve("out")), c.name() + ": no output directory");
        try (Stream<Path> files = Files.list(Path.of("."))) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("hs_err")), "no JVM crash file");
        }
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        }
    }
}
