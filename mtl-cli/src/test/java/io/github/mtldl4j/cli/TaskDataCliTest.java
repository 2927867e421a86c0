package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code mtl train --task-data NAME=PATH} (issue 17): two tasks from two penguins files train; bad inputs are one line,
 * exit 2 and nothing written.
 */
class TaskDataCliTest {
    @TempDir
    static Path shared;
    static Path species;
    static Path mass;

    /** species: penguins rows 0-199; mass: rows 150-343 (the files overlap in 50 rows, as real ones might). */
    @BeforeAll
    static void writeFiles() throws IOException {
        List<String> lines;
        try (InputStream in = TaskDataCliTest.class.getResourceAsStream("/data/penguins.csv")) {
            lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        }
        List<String> first = new ArrayList<>(lines.subList(0, 201));
        List<String> second = new ArrayList<>(List.of(lines.get(0)));
        second.addAll(lines.subList(151, lines.size()));
        species = Files.write(shared.resolve("species.csv"), first);
        mass = Files.write(shared.resolve("mass.csv"), second);
    }

    private static String[] train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--task", "species:multiclass:species", "--task", "mass:regression:body_mass_g",
                "--features", "bill_length_mm,bill_depth_mm,flipper_length_mm", "--epochs", "1", "--shared", "8", "--out", out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void twoTasksFromTwoFilesTrainWithoutData(@TempDir Path dir) throws Exception {
        CliRun run = CliRun.of(train(dir.resolve("out"), "--task-data", "species=" + species, "--task-data", "mass=" + mass,
                "--task-sampling", "equal"));
        assertEquals(0, run.code(), run.out() + run.err());
        // 200 rows split 20 % per species stratum: 160 train; 194 rows: 155 train (round(194 * 0.2) = 39 held out).
        assertTrue(run.out().contains("tables per task, drawn equal: " + species + " (species) 160 training rows, 50.0 % of each epoch; "
                + mass + " (mass) 155 training rows, 50.0 % of each epoch"), run.out());
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("out/metrics.json").toFile());
        assertEquals(40, metrics.at("/tasks/species/n").asInt(), "validation rows of species.csv");
        assertEquals(39, metrics.at("/tasks/mass/n").asInt(), "validation rows of mass.csv");
        assertEquals("equal", metrics.at("/task_sampling").asText());
        assertEquals(mass.toString(), metrics.at("/task_data/mass").asText());
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("unknown task", List.of("--task-data", "sex=species.csv", "--task-data", "mass=mass.csv", "--data", "species.csv"),
                        List.of("--task-data 'sex=", "unknown task 'sex'", "[species, mass]")),
                Arguments.of("missing file", List.of("--task-data", "species=nope.csv", "--task-data", "mass=mass.csv"), List.of("nope.csv")),
                Arguments.of("no file for a task, no --data", List.of("--task-data", "mass=mass.csv"),
                        List.of("--data", "species", "no --task-data file")),
                Arguments.of("file without its task's label column", List.of("--task-data", "species=nolabel.csv", "--task-data", "mass=mass.csv"),
                        List.of("nolabel.csv", "no column 'species'", "label column of task 'species'")),
                Arguments.of("file without a feature column", List.of("--task-data", "species=species.csv", "--task-data", "mass=nofeature.csv"),
                        List.of("nofeature.csv", "no column 'bill_depth_mm'")),
                Arguments.of("bad sampling", List.of("--task-data", "species=species.csv", "--task-data", "mass=mass.csv", "--task-sampling",
                        "temperature:0"), List.of("--task-sampling 'temperature:0'")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsOneLineExitTwoNothingWritten(String name, List<String> options, List<String> fragments, @TempDir Path dir) throws Exception {
        Files.copy(species, dir.resolve("species.csv"));
        Files.copy(mass, dir.resolve("mass.csv"));
        Files.writeString(dir.resolve("nolabel.csv"), "bill_length_mm,bill_depth_mm,flipper_length_mm\n39.1,18.7,181\n");
        Files.writeString(dir.resolve("nofeature.csv"), "bill_length_mm,flipper_length_mm,body_mass_g\n39.1,181,3750\n");
        List<String> resolved = options.stream().map(o -> o.endsWith(".csv") ? o.contains("=")
                ? o.substring(0, o.indexOf('=') + 1) + dir.resolve(o.substring(o.indexOf('=') + 1)) : dir.resolve(o).toString() : o).toList();
        List<Path> before;
        try (Stream<Path> files = Files.walk(dir)) {
            before = files.sorted().toList();
        }
        CliRun run = CliRun.of(train(dir.resolve("out"), resolved.toArray(String[]::new)));
        assertEquals(2, run.code(), name + ": " + run.out() + run.err());
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("ND4J backend")).toList();
        assertEquals(1, lines.size(), name + ": " + run.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), name + ": '" + fragment + "' missing in: " + lines.get(0));
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(before, files.sorted().toList(), name + ": nothing written");
        }
        assertFalse(Files.exists(dir.resolve("out")));
    }
}
