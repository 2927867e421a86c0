package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** JSON, ModelSerializer and MultiTaskModel round trips keep weights, cascades, tasks and predictions. */
class SerializationTest {
    private static final int INPUTS = 5;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder cascadeBuilder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6).activation(Activation.TANH).updater(new Adam(0.01))
                .dataType(DataType.DOUBLE).tasks(TestData.mixedTasks().toArray(Task[]::new))
                .cascade("segment", "price").cascade("tags", "churn").representationTap();
    }

    /** A trained cascade model whose weights were changed after building. */
    private static MultiTaskModel trainedModel() {
        MultiTaskModel model = cascadeBuilder().build();
        model.weights().set("segment", 0.25).set("price", 4.0);
        for (int i = 0; i < 3; i++) {
            model.fit(TestData.batch(TestData.mixedTasks(), INPUTS, 16, i));
        }
        return model;
    }

    @Test
    void configurationJsonRoundTripKeepsWeightedLossesAndCascades() {
        ComputationGraphConfiguration conf = cascadeBuilder().configuration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertTrue(conf.toJson().contains(WeightedLoss.class.getName()));
        assertTrue(back.getVertices().containsKey("segment_cascade"));
        assertTrue(back.getVertices().containsKey("shared"));
    }

    @Test
    void modelSerializerRoundTripKeepsRuntimeWeights() throws IOException {
        MultiTaskModel model = trainedModel();
        Path file = dir.resolve("plain.zip");
        ModelSerializer.writeModel(model.graph(), file.toFile(), true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file.toFile());
        assertEquals(model.graph().getConfiguration(), restored.getConfiguration());
        assertIdentical(model.graph().params(), restored.params(), "parameters");
        MultiTaskModel wrapped = new MultiTaskModel(restored, model.tasks(), model.layout());
        assertEquals(Map.of("price", 4.0, "churn", 2.0, "segment", 0.25, "tags", 1.3), wrapped.weights().asMap());
    }

    @Test
    void saveThenLoadPredictsIdenticallyAndKeepsTasksLayoutWeightsAndUpdater() throws IOException {
        MultiTaskModel model = trainedModel();
        Path file = dir.resolve("model.zip");
        model.save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);

        assertEquals(model.taskNames(), loaded.taskNames());
        assertEquals(model.layout(), loaded.layout());
        assertEquals(model.weights().asMap(), loaded.weights().asMap());
        for (Task task : model.tasks()) {
            Task back = loaded.task(task.name());
            assertEquals(task.type(), back.type());
            assertEquals(task.width(), back.width());
            assertEquals(task.activation(), back.activation());
            assertEquals(task.headWidths(), back.headWidths());
            assertEquals(task.loss(), back.loss());
        }
        INDArray features = TestData.batch(TestData.mixedTasks(), INPUTS, 7, 99).getFeatures(0);
        Map<String, INDArray> expected = model.predict(features);
        Map<String, INDArray> actual = loaded.predict(features);
        assertEquals(expected.keySet(), actual.keySet());
        assertIdentical(expected, actual, "predictions");
        assertIdentical(model.graph().getUpdater().getStateViewArray(), loaded.graph().getUpdater().getStateViewArray(), "updater state");

        // Training continues identically: same Adam state, same next step, bit for bit.
        MultiDataSet next = TestData.batch(TestData.mixedTasks(), INPUTS, 16, 77);
        model.fit(next);
        loaded.fit(next);
        assertIdentical(model.graph().params(), loaded.graph().params(), "parameters after the next step");
    }

    @Test
    void saveReplacesAnExistingModelAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.zip");
        MultiTaskModel first = cascadeBuilder().seed(1).build();
        first.save(file);
        MultiTaskModel second = cascadeBuilder().seed(2).build();
        second.save(file);
        assertIdentical(second.graph().params(), MultiTaskModel.load(file).graph().params(), "parameters");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failedSaveLeavesNoTemporaryFileBehind() throws IOException {
        Path target = dir.resolve("occupied");
        Files.createDirectories(target.resolve("child"));
        assertThrows(IOException.class, () -> cascadeBuilder().build().save(target));
        assertTrue(Files.isDirectory(target.resolve("child")));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void loadExplainsWhatIsWrongWithTheFile() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> MultiTaskModel.load(dir.resolve("nope.zip")));
        assertTrue(missing.getMessage().contains("nope.zip") && missing.getMessage().contains("no such model file"), missing.getMessage());

        Path text = Files.writeString(dir.resolve("notes.zip"), "not a zip");
        IOException notZip = assertThrows(IOException.class, () -> MultiTaskModel.load(text));
        assertTrue(notZip.getMessage().contains("not a zip"), notZip.getMessage());

        Path plain = dir.resolve("plain.zip");
        ModelSerializer.writeModel(cascadeBuilder().build().graph(), plain.toFile(), false);
        IOException noMetadata = assertThrows(IOException.class, () -> MultiTaskModel.load(plain));
        assertTrue(noMetadata.getMessage().contains("not a model saved by mtl-dl4j"), noMetadata.getMessage());

        Path truncated = dir.resolve("truncated.zip");
        cascadeBuilder().build().save(truncated);
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException broken = assertThrows(IOException.class, () -> MultiTaskModel.load(truncated));
        assertFalse(broken.getMessage().isBlank());
    }
}
