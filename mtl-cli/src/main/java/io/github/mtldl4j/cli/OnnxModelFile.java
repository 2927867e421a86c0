package io.github.mtldl4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularOnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model written by {@code mtl export}, open in ONNX Runtime: its preprocessing (from the model's metadata) and
 * predictions in label units. Unreadable files and models without the preprocessing are bad input (exit 2).
 */
final class OnnxModelFile implements AutoCloseable {
    private final Path file;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final TabularPreprocessor preprocessor;

    private OnnxModelFile(Path file, OrtEnvironment environment, OrtSession session, TabularPreprocessor preprocessor) {
        this.file = file;
        this.environment = environment;
        this.session = session;
        this.preprocessor = preprocessor;
    }

    static OnnxModelFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file; expected an ONNX model written by mtl export.");
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession session;
        try {
            session = environment.createSession(file.toString(), new OrtSession.SessionOptions());
        } catch (OrtException e) {
            throw new IllegalArgumentException(file + ": not a usable ONNX model (" + firstLine(e.getMessage()) + ").", e);
        }
        try {
            String json = session.getMetadata().getCustomMetadataValue(TabularOnnxExporter.PREPROCESSING_KEY).orElseThrow(() ->
                    new IllegalArgumentException(file + ": the ONNX model has no tabular preprocessing (metadata '"
                            + TabularOnnxExporter.PREPROCESSING_KEY + "'); export the model with mtl export --model DIR/model.zip."));
            return new OnnxModelFile(file, environment, session, TabularPreprocessor.fromJson(json));
        } catch (OrtException | RuntimeException e) {
            closeQuietly(session);
            throw e instanceof IllegalArgumentException iae ? iae
                    : new IllegalArgumentException(file + ": not a usable ONNX model (" + firstLine(e.getMessage()) + ").", e);
        }
    }

    TabularPreprocessor preprocessor() {
        return preprocessor;
    }

    /** The sharing mode the model was built with (its metadata {@code mtl.sharing}), or {@code ""} if not recorded. */
    String sharing() {
        try {
            return session.getMetadata().getCustomMetadataValue("mtl.sharing").orElse("");
        } catch (OrtException e) {
            throw new IllegalArgumentException(file + ": ONNX Runtime could not read the model's metadata (" + firstLine(e.getMessage()) + ").", e);
        }
    }

    /** Outputs per task as {@code double[rows][width]} (regression in label units), for the raw feature columns. */
    Map<String, double[][]> predict(Map<String, Object> rawFeatures) {
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Object> column : rawFeatures.entrySet()) {
                inputs.put(column.getKey(), column.getValue() instanceof String[][] strings
                        ? OnnxTensor.createTensor(environment, strings) : OnnxTensor.createTensor(environment, column.getValue()));
            }
            Map<String, double[][]> outputs = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(inputs)) {
                for (Map.Entry<String, OnnxValue> output : result) {
                    outputs.put(output.getKey(), toDoubles(output.getValue().getValue()));
                }
            }
            return outputs;
        } catch (OrtException e) {
            throw new IllegalArgumentException(file + ": ONNX Runtime could not run the model (" + firstLine(e.getMessage()) + ").", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static double[][] toDoubles(Object value) {
        if (value instanceof double[][] d) {
            return d;
        }
        float[][] f = (float[][]) value;
        double[][] d = new double[f.length][];
        for (int r = 0; r < f.length; r++) {
            d[r] = new double[f[r].length];
            for (int c = 0; c < f[r].length; c++) {
                d[r][c] = f[r][c];
            }
        }
        return d;
    }

    private static String firstLine(String message) {
        return message == null ? "no reason given" : message.lines().findFirst().orElse("").trim();
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException ignored) {
            // closing after a failure: the failure is what is reported
        }
    }

    @Override
    public void close() {
        closeQuietly(session);
    }
}
