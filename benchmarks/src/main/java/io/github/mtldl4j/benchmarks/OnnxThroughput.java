package io.github.mtldl4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.github.mtldl4j.export.OnnxExporter;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Issue 18's throughput comparison: rows per second of the same model through ONNX Runtime (the exported graph,
 * {@link OnnxExporter}) and through the library's {@code MultiTaskModel.predict}, at 1-row and 256-row calls. The two
 * are timed in alternating rounds in one JVM (the host drifts), one thread each (ONNX Runtime's intra-op threads 1;
 * run with {@code OMP_NUM_THREADS=1} for ND4J); the table gives the median over rounds of the microseconds per call.
 * Usage: {@code java -cp benchmarks/target/benchmarks.jar io.github.mtldl4j.benchmarks.OnnxThroughput [model] [rounds]}
 * (model: a {@link BenchmarkModels} name, default wide; rounds default 15).
 */
public final class OnnxThroughput {
    private OnnxThroughput() {
    }

    public static void main(String[] args) throws OrtException {
        BenchmarkModels which = BenchmarkModels.named(args.length > 0 ? args[0] : "wide");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        MultiTaskModel model = which.model(42, false);
        byte[] onnx = OnnxExporter.export(model).toByteArray();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        int inputs = which.batch(1).getFeatures(0).columns();
        System.out.printf(Locale.ROOT, "model %s (%d inputs, %d tasks), %d rounds; arch %s%n", which.name().toLowerCase(Locale.ROOT),
                inputs, model.tasks().size(), rounds, System.getProperty("os.arch"));
        System.out.printf(Locale.ROOT, "%6s %16s %16s %14s %14s %12s %14s%n", "rows", "predict us/call", "ORT us/call",
                "predict rows/s", "ORT rows/s", "predict/ORT", "max rel. diff");
        try (OrtSession session = env.createSession(onnx, options)) {
            for (int rows : new int[] {1, 256}) {
                float[][] x = new float[rows][inputs];
                Random random = new Random(rows);
                for (float[] row : x) {
                    for (int c = 0; c < inputs; c++) {
                        row[c] = (float) random.nextGaussian();
                    }
                }
                INDArray features = Nd4j.createFromArray(x).castTo(DataType.FLOAT);
                double diff = maxRelativeDifference(model.predict(features), session, env, x);
                int calls = rows == 1 ? 2_000 : 100;
                double[] library = new double[rounds];
                double[] runtime = new double[rounds];
                for (int r = -2; r < rounds; r++) {                  // two warm-up rounds
                    double a = timePredict(model, features, calls);
                    double b = timeRuntime(session, env, x, calls);
                    if (r >= 0) {
                        library[r] = a;
                        runtime[r] = b;
                    }
                }
                Arrays.sort(library);
                Arrays.sort(runtime);
                double p = library[rounds / 2];
                double o = runtime[rounds / 2];
                System.out.printf(Locale.ROOT, "%6d %16.1f %16.1f %14.0f %14.0f %12.2f %14.2e%n", rows, p, o, rows * 1e6 / p,
                        rows * 1e6 / o, p / o, diff);
            }
        }
    }

    private static double timePredict(MultiTaskModel model, INDArray features, int calls) {
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            model.predict(features);
        }
        return (System.nanoTime() - start) / 1e3 / calls;
    }

    private static double timeRuntime(OrtSession session, OrtEnvironment env, float[][] x, int calls) throws OrtException {
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            try (OnnxTensor tensor = OnnxTensor.createTensor(env, x); OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, tensor))) {
                result.get(0);
            }
        }
        return (System.nanoTime() - start) / 1e3 / calls;
    }

    /** The largest |ORT - predict| / max(1, |predict|) over every output: the two compute the same function. */
    private static double maxRelativeDifference(Map<String, INDArray> predicted, OrtSession session, OrtEnvironment env, float[][] x)
            throws OrtException {
        double worst = 0;
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, x); OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, tensor))) {
            for (Map.Entry<String, INDArray> task : predicted.entrySet()) {
                float[][] ort = (float[][]) result.get(task.getKey()).orElseThrow().getValue();
                double[][] ours = task.getValue().toDoubleMatrix();
                for (int r = 0; r < ours.length; r++) {
                    for (int c = 0; c < ours[r].length; c++) {
                        worst = Math.max(worst, Math.abs(ort[r][c] - ours[r][c]) / Math.max(1, Math.abs(ours[r][c])));
                    }
                }
            }
        }
        return worst;
    }
}
