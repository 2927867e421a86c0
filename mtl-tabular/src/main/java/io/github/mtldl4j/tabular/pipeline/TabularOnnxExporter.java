package io.github.mtldl4j.tabular.pipeline;

import static io.github.mtldl4j.export.OnnxGraph.attributes;

import io.github.mtldl4j.export.OnnxExporter;
import io.github.mtldl4j.export.OnnxGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.task.TaskType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Exports a model trained from a table together with its preprocessing as one ONNX model: raw feature columns in,
 * per-task predictions in label units out (docs/export.md).
 * <ul>
 *   <li>Inputs: one per feature column, named after it, shape {@code [N, 1]}: {@code double} for a numeric column
 *       (NaN for a missing value, imputed with the training mean, then standardized in double precision and cast to
 *       float, exactly as {@link TabularPreprocessor} does), {@code string} for a categorical one (the trimmed value;
 *       a missing value as {@code ""}; missing and unseen levels go to the unknown slot of the one-hot code, through
 *       {@code ai.onnx.ml.LabelEncoder}). Double rather than float for numbers: a float cannot hold e.g. a year to
 *       better than 1e-4, which standardization by a small deviation would magnify past the export's tolerance.</li>
 *   <li>Outputs: one per task, named after it: regression {@code double [N, targets]} in label units
 *       (de-standardized in double precision as {@code toLabelUnits} does); binary {@code float [N, 1]} the positive
 *       class's probability; multiclass {@code float [N, classes]}; multilabel {@code float [N, labels]}.</li>
 *   <li>Metadata ({@code metadata_props}): {@code mtl.task.<task>} the task type, {@code mtl.classes.<task>} the class
 *       names of a classification task as a JSON array (multilabel: per label its two classes), and
 *       {@value #PREPROCESSING_KEY} the fitted preprocessing (the JSON saved in model.zip), from which a reader learns
 *       the columns and labels.</li>
 * </ul>
 */
public final class TabularOnnxExporter {
    /** Metadata key of the fitted preprocessing's JSON. */
    public static final String PREPROCESSING_KEY = "mtl.preprocessing";
    /** Metadata key prefix of a classification task's class names. */
    public static final String CLASSES_KEY = "mtl.classes.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TabularOnnxExporter() {
    }

    /** Writes a model saved by {@code mtl train} ({@code modelSource} names it in messages) with its preprocessing. */
    public static void write(MultiTaskModel model, String modelSource, Path path) throws IOException {
        OnnxExporter.write(export(model, TabularTraining.preprocessorOf(model, modelSource)), path);
    }

    /**
     * The model with its preprocessing in front and label units behind.
     *
     * @throws IllegalArgumentException naming a vertex ONNX cannot express, or a column named like a task
     */
    public static Onnx.ModelProto export(MultiTaskModel model, TabularPreprocessor preprocessor) {
        OnnxGraph onnx = new OnnxGraph("mtl-dl4j tabular");
        List<String> encoded = new ArrayList<>();
        for (TabularPreprocessor.Feature feature : preprocessor.features()) {
            String column = feature.column();
            if (model.taskNames().contains(column)) {
                throw new IllegalArgumentException("ONNX export: feature column '" + column + "' has the name of a task; an ONNX "
                        + "model's inputs and outputs need distinct names. Rename the task, or leave the column out of the features.");
            }
            if (feature.numeric()) {
                onnx.input(column, Onnx.TensorProto.DataType.DOUBLE, 1);
                encoded.add(numeric(onnx, feature));
            } else {
                onnx.input(column, Onnx.TensorProto.DataType.STRING, 1);
                encoded.add(oneHot(onnx, feature));
            }
        }
        String features = encoded.size() == 1 ? encoded.get(0)
                : onnx.node("Concat", "features", attributes("axis", 1), encoded.toArray(String[]::new));
        Map<String, String> outputs = OnnxExporter.appendNetwork(onnx, model, features);

        Map<String, String> metadata = new LinkedHashMap<>();
        for (TabularPreprocessor.TaskLabels labels : preprocessor.taskLabels()) {
            String task = labels.spec().name();
            TaskType type = labels.spec().type();
            onnx.claim(task, "output");
            metadata.put(OnnxExporter.TASK_TYPE_KEY + task, type.name().toLowerCase(Locale.ROOT));
            if (type == TaskType.REGRESSION) {
                String standardized = onnx.node("Cast", task + "/double", attributes("to", Onnx.TensorProto.DataType.DOUBLE_VALUE),
                        outputs.get(task));
                String scaled = onnx.node("Mul", task + "/scaled", standardized,
                        onnx.doubles(task + "/std", labels.stds(), labels.stds().length));
                onnx.nodeInto("Add", task, Map.of(), scaled, onnx.doubles(task + "/mean", labels.means(), labels.means().length));
                onnx.output(task, Onnx.TensorProto.DataType.DOUBLE, labels.width());
            } else {
                onnx.nodeInto("Identity", task, Map.of(), outputs.get(task));
                onnx.output(task, Onnx.TensorProto.DataType.FLOAT, labels.width());
                metadata.put(CLASSES_KEY + task, json(type == TaskType.MULTILABEL ? labels.levels() : labels.classes()));
            }
        }
        metadata.put("mtl.sharing", model.layout().sharing());
        metadata.put(PREPROCESSING_KEY, preprocessor.toJson());
        return onnx.model(OnnxExporter.class.getPackage().getImplementationVersion(),
                "Multi-task model with its tabular preprocessing: one input per feature column, one output per task in label units.",
                metadata);
    }

    /**
     * NaN to the training mean, other values clipped to the widened training range (Max, Min), then {@code (x - mean) / std}
     * in double, then float: {@code [N, 1]}.
     */
    private static String numeric(OnnxGraph onnx, TabularPreprocessor.Feature feature) {
        String x = feature.column();
        String mean = onnx.doubles(x + "/mean", new double[] {feature.mean()});
        String imputed = onnx.node("Where", x + "/imputed", onnx.node("IsNaN", x + "/missing", x), mean, x);
        if (Double.isFinite(feature.min()) && Double.isFinite(feature.max())) {
            imputed = onnx.node("Min", x + "/clipped", onnx.node("Max", x + "/raised", imputed,
                    onnx.doubles(x + "/low", new double[] {feature.low()})), onnx.doubles(x + "/high", new double[] {feature.high()}));
        }
        String centered = onnx.node("Sub", x + "/centered", imputed, mean);
        String standardized = onnx.node("Div", x + "/standardized", centered, onnx.doubles(x + "/std", new double[] {feature.std()}));
        return onnx.node("Cast", x + "/float", attributes("to", Onnx.TensorProto.DataType.FLOAT_VALUE), standardized);
    }

    /** Level index (unknown: the last) by LabelEncoder, then that row of an identity matrix: {@code [N, levels + 1]}. */
    private static String oneHot(OnnxGraph onnx, TabularPreprocessor.Feature feature) {
        String x = feature.column();
        List<String> levels = feature.levels();
        int unknown = levels.size();
        // LabelEncoder needs at least one key: a level no trimmed CSV value can be stands in when there is none.
        String[] keys = levels.isEmpty() ? new String[] {"\u0000"} : levels.toArray(String[]::new);
        long[] indices = new long[keys.length];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = levels.isEmpty() ? unknown : i;
        }
        String index = onnx.mlNode("LabelEncoder", x + "/level", attributes("keys_strings", keys, "values_int64s", indices,
                "default_int64", (long) unknown), x);
        int width = feature.width();
        float[] identity = new float[width * width];
        for (int i = 0; i < width; i++) {
            identity[i * width + i] = 1f;
        }
        String rows = onnx.node("Gather", x + "/onehot3", attributes("axis", 0), onnx.floats(x + "/identity", identity, width, width), index);
        return onnx.node("Reshape", x + "/onehot", rows, onnx.longs(x + "/shape", -1, width));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write class names as JSON", e);
        }
    }
}
