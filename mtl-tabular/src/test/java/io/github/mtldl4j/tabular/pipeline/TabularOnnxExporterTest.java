package io.github.mtldl4j.tabular.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.export.OnnxRuntimeRunner;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.task.TaskType;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model trained from a table, exported with its preprocessing, run in ONNX Runtime on raw columns with missing
 * numbers, missing and unseen categories: its outputs must match the pipeline's (encode, predict, label units) within
 * docs/export.md's tolerances, and the class names must be in the model's metadata.
 */
class TabularOnnxExporterTest {
    private static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("mass:regression:mass"),
            TaskSpec.parse("sex:binary:sex"), TaskSpec.parse("species:multiclass:species"),
            TaskSpec.parse("tags:multilabel:red,blue"));

    /** Columns: year (a large offset, small spread), length, island (categorical, some missing), and the labels. */
    private static String table(int rows, long seed) {
        Random random = new Random(seed);
        String[] islands = {"Biscoe", "Dream", "Torgersen"};
        String[] species = {"Adelie", "Chinstrap", "Gentoo"};
        StringBuilder csv = new StringBuilder("year,length,island,mass,sex,species,red,blue\n");
        for (int r = 0; r < rows; r++) {
            int s = random.nextInt(3);
            double length = 40 + 5 * s + random.nextGaussian() * 3;
            csv.append(2007 + random.nextInt(3)).append(',')
                    .append(r % 7 == 3 ? "" : String.format(Locale.ROOT, "%.1f", length)).append(',')
                    .append(r % 9 == 4 ? "NA" : islands[(s + random.nextInt(2)) % 3]).append(',')
                    .append(String.format(Locale.ROOT, "%.0f", 3500 + 400 * s + random.nextGaussian() * 200)).append(',')
                    .append(random.nextBoolean() ? "female" : "male").append(',')
                    .append(species[s]).append(',')
                    .append(random.nextInt(2)).append(',').append(s == 2 ? 1 : 0).append('\n');
        }
        return csv.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hard", "mmoe"})
    void onnxRuntimeOnRawColumnsMatchesThePipeline(String architecture) throws Exception {
        TabularTraining.Settings settings = TabularTraining.Settings.builder(TASKS).features(List.of("year", "length", "island"))
                .architecture(architecture).shared(List.of(6)).head(List.of(4)).epochs(1).batch(16).validFraction(0.25)
                .seed(3).build();
        MultiTaskModel model = TabularTraining.train(CsvTable.parse(table(48, 1), "train.csv"), settings, null).model();
        TabularPreprocessor pre = TabularTraining.preprocessorOf(model, "model.zip");

        String newRows = "year,length,island\n"
                + "2008,44.5,Dream\n"
                + "2007,,Biscoe\n"          // missing number
                + "2009,51.0,\n"            // missing category
                + "2010,38.2,Atlantis\n"    // unseen category, year beyond the training range
                + "2008,NA, Torgersen \n"   // NA and a value with spaces
                + "2007,47.3,NA\n"
                + "2030,95.0,Dream\n"      // both numbers far beyond the training range: clipped on both sides
                + "1990,5.0,Dream\n";
        CsvTable rows = CsvTable.parse(newRows, "new.csv");
        assertEquals(2L, pre.encodeWithoutLabels(rows).clippedFeatures().get("length"), "the last two rows are clipped");
        Map<String, INDArray> expected = model.predict(pre.encodeWithoutLabels(rows).data().getFeatures(0));
        Onnx.ModelProto proto = TabularOnnxExporter.export(model, pre);
        Map<String, double[][]> actual = OnnxRuntimeRunner.run(proto.toByteArray(), pre.rawFeatures(rows));

        assertEquals(List.of("mass", "sex", "species", "tags"), List.copyOf(actual.keySet()));
        for (TabularPreprocessor.TaskLabels task : pre.taskLabels()) {
            String name = task.spec().name();
            boolean regression = task.spec().type() == TaskType.REGRESSION;
            OnnxRuntimeRunner.assertClose(name, pre.toLabelUnits(name, expected.get(name)), actual.get(name), !regression);
        }
        assertTrue(actual.get("mass")[0][0] > 1000, "regression in label units (grams), received " + actual.get("mass")[0][0]);

        Map<String, String> metadata = proto.getMetadataPropsList().stream()
                .collect(Collectors.toMap(Onnx.StringStringEntryProto::getKey, Onnx.StringStringEntryProto::getValue));
        assertEquals("[\"female\",\"male\"]", metadata.get("mtl.classes.sex"));
        assertEquals("[\"Adelie\",\"Chinstrap\",\"Gentoo\"]", metadata.get("mtl.classes.species"));
        assertEquals("[[\"0\",\"1\"],[\"0\",\"1\"]]", metadata.get("mtl.classes.tags"));
        assertEquals("regression", metadata.get("mtl.task.mass"));
        assertEquals(pre.toJson(), metadata.get(TabularOnnxExporter.PREPROCESSING_KEY));
        assertEquals(List.of("year", "length", "island"), proto.getGraph().getInputList().stream()
                .map(Onnx.ValueInfoProto::getName).toList());
    }

    @Test
    void aFeatureColumnNamedLikeATaskIsRefused() {
        String clash = "mass";
        List<TaskSpec> tasks = List.of(TaskSpec.parse(clash + ":regression:length"));
        TabularTraining.Settings settings = TabularTraining.Settings.builder(tasks).features(List.of("year", clash))
                .shared(List.of(3)).epochs(1).batch(16).validFraction(0.25).seed(3).build();
        MultiTaskModel model = TabularTraining.train(CsvTable.parse(table(40, 2), "train.csv"), settings, null).model();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularOnnxExporter.export(model, TabularTraining.preprocessorOf(model, "model.zip")));
        assertTrue(e.getMessage().contains("feature column '" + clash + "' has the name of a task"), e.getMessage());
    }
}
