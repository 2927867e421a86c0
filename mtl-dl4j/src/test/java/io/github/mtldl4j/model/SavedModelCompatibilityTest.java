package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.GatedSumVertex;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Models saved by mtl-dl4j 0.1.0 ({@code src/test/resources/models/}, written by {@link CompatibilityFixtures}) still
 * load: tasks, weights and soft labels as saved, the same parameter count, the predictions recorded when they were
 * saved, and training goes on. Also the mechanisms that keep them loading when classes move
 * ({@link LegacyClassNames}) or the metadata format changes ({@link ModelMetadata#migrate}).
 */
class SavedModelCompatibilityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CLASS_NAME = Pattern.compile("\"(io\\.github\\.mtldl4j\\.[A-Za-z0-9_.$]+)\"");

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private record Expected(String name, TaskType type, int width, double weight, boolean softLabels) {
    }

    /** What each fixture was saved with (see CompatibilityFixtures), written out here rather than rebuilt. */
    private static final Map<String, List<Expected>> TASKS = Map.of(
            "hard-sharing", List.of(
                    new Expected("price", TaskType.REGRESSION, 2, 0.7, false),
                    new Expected("churn", TaskType.BINARY, 1, 2.0, false),
                    new Expected("segment", TaskType.MULTICLASS, 3, 1.0, true),
                    new Expected("tags", TaskType.MULTILABEL, 2, 0.5, false)),
            "mixture-of-experts", List.of(
                    new Expected("amount", TaskType.REGRESSION, 1, 0.5, false),
                    new Expected("click", TaskType.BINARY, 1, 1.0, false)),
            "cross-stitch", List.of(
                    new Expected("level", TaskType.REGRESSION, 1, 3.0, false),
                    new Expected("kind", TaskType.MULTICLASS, 2, 1.0, false)),
            "dselect-k", List.of(
                    new Expected("amount", TaskType.REGRESSION, 1, 1.0, false),
                    new Expected("click", TaskType.BINARY, 1, 2.0, false)),
            "positive-weight", List.of(
                    new Expected("fraud", TaskType.BINARY, 1, 1.0, false),
                    new Expected("amount", TaskType.REGRESSION, 1, 1.0, false)),
            "aitm", List.of(
                    new Expected("click", TaskType.BINARY, 1, 1.0, false),
                    new Expected("buy", TaskType.BINARY, 1, 1.5, false)),
            "warmup-cosine", List.of(
                    new Expected("amount", TaskType.REGRESSION, 1, 1.0, false),
                    new Expected("click", TaskType.BINARY, 1, 1.0, false)));
    private static final Map<String, String> SHARING = Map.of("hard-sharing", "hard", "mixture-of-experts", "mmoe",
            "dselect-k", "dselect-k",
            "aitm", "aitm", "warmup-cosine", "hard",
            "cross-stitch", "cross-stitch", "positive-weight", "independent");

    private static Path fixture(String name) {
        try {
            return Path.of(SavedModelCompatibilityTest.class.getResource("/" + CompatibilityFixtures.DIRECTORY + "/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void fixturesOf010LoadWithTheirTasksParametersAndPredictions() throws IOException {
        for (String name : TASKS.keySet()) {
            MultiTaskModel model = MultiTaskModel.load(fixture(name + ".zip"));
            JsonNode golden = JSON.readTree(fixture(name + ".golden.json").toFile());

            List<Expected> tasks = new ArrayList<>();
            for (Task task : model.tasks()) {
                tasks.add(new Expected(task.name(), task.type(), task.width(), task.weight(), task.softLabels()));
            }
            assertEquals(TASKS.get(name), tasks, name);
            assertEquals(SHARING.get(name), model.layout().sharing(), name);
            assertEquals(golden.get("parameters").asLong(), model.graph().numParams(), name + ": parameters");
            assertEquals(model.graph().numParams(), model.parameterCounts().total(), name + ": parameter counts");

            // Recorded on the machine that wrote the fixture; another CPU's BLAS may sum in another order (rule 2).
            Map<String, INDArray> predictions = model.predict(matrix(golden.get("inputs")));
            Map<String, INDArray> expected = new LinkedHashMap<>();
            golden.get("predictions").fields().forEachRemaining(e -> expected.put(e.getKey(), matrix(e.getValue())));
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(predictions.keySet()), name + ": task order");
            assertClose(expected, predictions, REORDERED, name + ": predictions");

            INDArray before = model.graph().params().dup();
            model.fit(TestData.batch(model.tasks(), CompatibilityFixtures.INPUTS, 8, 99));
            assertFalse(before.equals(model.graph().params()), name + ": a training step after loading changes the parameters");
            for (double loss : model.lastLosses().weighted().values()) {
                assertTrue(Double.isFinite(loss), name + ": finite task losses after a step, " + model.lastLosses().weighted());
            }
        }
    }

    /**
     * Every class of the library that DL4J stores by name in a configuration (losses, layers, vertices, weight
     * initializers, activations, preprocessors, learning-rate schedules) is in some fixture: a new one needs a fixture before it ships.
     */
    @Test
    void fixturesNameEverySerializedClassOfTheLibrary() throws Exception {
        Set<String> inFixtures = new TreeSet<>();
        for (String name : TASKS.keySet()) {
            Matcher m = CLASS_NAME.matcher(configuration(fixture(name + ".zip")));
            while (m.find()) {
                inFixtures.add(m.group(1));
            }
        }
        Path classes = Path.of(io.github.mtldl4j.loss.WeightedLoss.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> serialized = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String className = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".")
                        .replaceAll("\\.class$", "");
                Class<?> type = Class.forName(className, false, getClass().getClassLoader());
                boolean concrete = !type.isInterface() && !Modifier.isAbstract(type.getModifiers());
                if (concrete && Stream.of(ILossFunction.class, Layer.class, GraphVertex.class, IWeightInit.class, IActivation.class,
                        InputPreProcessor.class, ISchedule.class).anyMatch(base -> base.isAssignableFrom(type))) {
                    serialized.add(className);
                }
            }
        }
        assertEquals(Set.of("io.github.mtldl4j.loss.WeightedLoss", "io.github.mtldl4j.task.PositiveWeightedBinaryXent",
                "io.github.mtldl4j.graph.GatedSumVertex",
                "io.github.mtldl4j.graph.DSelectKLayer",
                "io.github.mtldl4j.graph.RepresentationTapVertex", "io.github.mtldl4j.graph.CrossStitchLayer",
                "io.github.mtldl4j.graph.FusedHeadsWeightInit",
                "io.github.mtldl4j.graph.AdaptiveInformationTransferLayer", "io.github.mtldl4j.graph.FunnelOutputLayer",
                "io.github.mtldl4j.loss.FunnelCalibratorLoss", "io.github.mtldl4j.train.WarmupCosineSchedule$Curve"), serialized, "serializable classes of the library");
        assertEquals(serialized, inFixtures, "classes named in the fixtures");
    }

    @Test
    void aPositiveClassWeightLoadsWithItsTask() throws IOException {
        MultiTaskModel model = MultiTaskModel.load(fixture("positive-weight.zip"));
        assertEquals(4.0, model.tasks().get(0).positiveWeight(), "fraud's positive-class weight as saved");
        assertEquals(1.0, model.tasks().get(1).positiveWeight(), "a regression task has none");
    }

    @Test
    void movedClassesLoadThroughTheLegacyTable() throws IOException {
        // The MMoE fixture as if GatedSumVertex had lived in another package when it was saved.
        String current = GatedSumVertex.class.getName();
        String old = "io.github.mtldl4j.old.GatedSumVertex";
        Path original = fixture("mixture-of-experts.zip");
        String configuration = configuration(original);
        assertTrue(configuration.contains('"' + current + '"'));
        Path moved = dir.resolve("moved.zip");
        copyWithConfiguration(original, moved, configuration.replace('"' + current + '"', '"' + old + '"'));

        IOException refused = assertThrows(IOException.class, () -> MultiTaskModel.load(moved));
        assertTrue(refused.getMessage().contains(old), refused.getMessage());

        MultiTaskModel loaded = MultiTaskModel.load(moved, Map.of(old, current));
        MultiTaskModel reference = MultiTaskModel.load(original);
        assertEquals(reference.graph().getConfiguration(), loaded.graph().getConfiguration());
        assertIdentical(reference.graph().params(), loaded.graph().params(), "parameters");
        assertIdentical(reference.graph().getUpdater().getStateViewArray(), loaded.graph().getUpdater().getStateViewArray(), "updater state");
        INDArray x = CompatibilityFixtures.inputs();
        assertIdentical(reference.predict(x), loaded.predict(x), "predictions");
    }

    @Test
    void legacyRewriteReplacesWholeJsonStringsOnly() {
        String json = "{\"@class\" : \"a.Old\", \"note\" : \"a.Old.Inner\", \"other\" : \"x a.Old\", \"list\" : [\"a.Old\"]}";
        assertEquals("{\"@class\" : \"b.New\", \"note\" : \"a.Old.Inner\", \"other\" : \"x a.Old\", \"list\" : [\"b.New\"]}",
                LegacyClassNames.rewrite(json, Map.of("a.Old", "b.New")));
        assertSame(json, LegacyClassNames.rewrite(json, Map.of("c.Absent", "b.New")), "untouched text is passed on as is");
        assertEquals(Map.of(), LegacyClassNames.TABLE, "no class has moved since 0.1.0; a line here needs a fixture test");
    }

    @Test
    void metadataOfANewerFormatIsRefusedWithAnUpgradeHint() throws IOException {
        String metadata = metadata(fixture("hard-sharing.zip"));
        String future = metadata.replace("\"format\" : 1", "\"format\" : 2").replace("\"library_version\" : \"0.1.0\"",
                "\"library_version\" : \"0.3.0\"");
        IOException e = assertThrows(IOException.class, () -> ModelMetadata.read(future, "m.zip"));
        assertEquals("m.zip: model metadata format 2 (saved by mtl-dl4j 0.3.0) is not supported by this mtl-dl4j "
                + ModelMetadata.LIBRARY_VERSION + ", which reads formats up to 1: the model was saved by a newer mtl-dl4j; "
                + "upgrade to 0.3.0 or later to load it.", e.getMessage());
        String ancient = metadata.replace("\"format\" : 1", "\"format\" : 0");
        IOException old = assertThrows(IOException.class, () -> ModelMetadata.read(ancient, "m.zip"));
        assertTrue(old.getMessage().startsWith("m.zip: model metadata format 0 (saved by mtl-dl4j 0.1.0) is not supported; "),
                old.getMessage());
        JsonNode current = JSON.readTree(metadata);
        assertSame(current, ModelMetadata.migrate(current, ModelMetadata.FORMAT), "the current format needs no migration");
    }

    private static INDArray matrix(JsonNode rows) {
        double[][] values = new double[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            JsonNode row = rows.get(r);
            values[r] = new double[row.size()];
            for (int c = 0; c < row.size(); c++) {
                values[r][c] = row.get(c).doubleValue();
            }
        }
        return Nd4j.createFromArray(values);
    }

    private static String configuration(Path zip) throws IOException {
        return entry(zip, "configuration.json");
    }

    private static String metadata(Path zip) throws IOException {
        return entry(zip, ModelMetadata.ENTRY);
    }

    private static String entry(Path zip, String name) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile()); InputStream in = file.getInputStream(file.getEntry(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A copy of a model zip with another configuration, written in one pass as ModelSerializer needs. */
    private static void copyWithConfiguration(Path from, Path to, String configuration) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes); ZipInputStream in = new ZipInputStream(Files.newInputStream(from))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (entry.getName().equals("configuration.json")) {
                    out.write(configuration.getBytes(StandardCharsets.UTF_8));
                } else {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        Files.write(to, bytes.toByteArray());
    }
}
