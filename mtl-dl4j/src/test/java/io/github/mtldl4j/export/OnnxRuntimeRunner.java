package io.github.mtldl4j.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs an exported model in ONNX Runtime and compares its outputs with the library's predictions, with the tolerances
 * of docs/export.md: probabilities within {@value #PROBABILITY_TOLERANCE} absolute, values within
 * {@value #VALUE_TOLERANCE} x max(1, |y|). Shared with the tabular module's tests (test-jar).
 */
public final class OnnxRuntimeRunner {
    /** Absolute tolerance of probabilities. */
    public static final double PROBABILITY_TOLERANCE = 1e-5;
    /** Relative tolerance of regression values (absolute below 1). */
    public static final double VALUE_TOLERANCE = 1e-5;

    private OnnxRuntimeRunner() {
    }

    /** The model's outputs for the given named inputs (float[][], double[][] or String[][] each), as double[][] by output name. */
    public static Map<String, double[][]> run(byte[] model, Map<String, Object> inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions())) {
            for (Map.Entry<String, Object> input : inputs.entrySet()) {
                tensors.put(input.getKey(), input.getValue() instanceof String[][] strings
                        ? OnnxTensor.createTensor(env, strings) : OnnxTensor.createTensor(env, input.getValue()));
            }
            Map<String, double[][]> outputs = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(tensors)) {
                for (Map.Entry<String, OnnxValue> output : result) {
                    outputs.put(output.getKey(), toDoubles(output.getValue().getValue()));
                }
            }
            return outputs;
        } finally {
            tensors.values().forEach(OnnxTensor::close);
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

    /** Asserts {@code actual} matches {@code expected} element-wise: probabilities absolute, values relative. */
    public static void assertClose(String what, INDArray expected, double[][] actual, boolean probabilities) {
        assertEquals(expected.rows(), actual.length, what + ": rows");
        for (int r = 0; r < actual.length; r++) {
            assertEquals(expected.columns(), actual[r].length, what + ": columns");
            for (int c = 0; c < actual[r].length; c++) {
                double y = expected.getDouble(r, c);
                double tolerance = probabilities ? PROBABILITY_TOLERANCE : VALUE_TOLERANCE * Math.max(1, Math.abs(y));
                assertTrue(Double.isFinite(actual[r][c]) && Math.abs(actual[r][c] - y) <= tolerance,
                        what + " row " + r + " column " + c + ": ONNX Runtime " + actual[r][c] + ", predict " + y
                                + " (tolerance " + tolerance + ")");
            }
        }
    }
}
