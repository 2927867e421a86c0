package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.examples.data.ConversionFunnel;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl predict} on an ESMM model writes pCVR ({@code conversion_given_click_p}) beside pCTR and pCTCVR, from
 * model.zip and from its ONNX export alike, and {@code mtl serve} answers it too; other models get no such column.
 * An AITM model's ONNX export predicts what its zip predicts.
 */
class FunnelPredictTest {
    private static final double FLOAT_RELATIVE = 1e-5;

    @TempDir
    Path dir;

    private static void mtl(String... args) {
        StringWriter err = new StringWriter();
        int code = MtlCommand.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, String.join(" ", args) + "\n" + err);
    }

    private static List<String[]> rows(Path csv) throws Exception {
        return Files.readAllLines(csv).stream().map(l -> l.split(",")).toList();
    }

    @Test
    void esmmPredictionsCarryPcvrWhosProductWithPctrIsPctcvr() throws Exception {
        Path data = dir.resolve("funnel.csv");
        ConversionFunnel.write(data, 600, 5);
        Path run = dir.resolve("esmm");
        mtl("train", "--data", data.toString(), "--task", "click:binary:click", "--task", "conversion:binary:conversion",
                "--arch", "esmm", "--epochs", "1", "--shared", "8", "--head", "4", "--out", run.toString());
        Path zipped = dir.resolve("zip.csv");
        mtl("predict", "--model", run.resolve("model.zip").toString(), "--data", data.toString(), "--out", zipped.toString());
        Path onnx = dir.resolve("model.onnx");
        mtl("export", "--model", run.resolve("model.zip").toString(), "--onnx", onnx.toString());
        Path viaOnnx = dir.resolve("onnx.csv");
        mtl("predict", "--model", onnx.toString(), "--data", data.toString(), "--out", viaOnnx.toString());

        List<String[]> zip = rows(zipped);
        List<String[]> ort = rows(viaOnnx);
        List<String> header = List.of(zip.get(0));
        assertEquals(List.of("click", "click_p_0", "click_p_1", "conversion", "conversion_p_0", "conversion_p_1",
                "conversion_given_click_p"), header);
        assertEquals(header, List.of(ort.get(0)), "the same columns through ONNX");
        for (int r = 1; r < zip.size(); r++) {
            double pctr = Double.parseDouble(zip.get(r)[2]);
            double pctcvr = Double.parseDouble(zip.get(r)[5]);
            double pcvr = Double.parseDouble(zip.get(r)[6]);
            assertTrue(pcvr > 0 && pcvr < 1, "pCVR is a probability: " + pcvr);
            assertEquals(pctcvr, pctr * pcvr, FLOAT_RELATIVE * pctcvr, "pCTCVR = pCTR x pCVR, row " + r);
            assertEquals(pcvr, Double.parseDouble(ort.get(r)[6]), FLOAT_RELATIVE * pcvr, "ONNX pCVR row " + r);
        }

        // mtl serve answers the same columns: pCVR as a tensor of its own, and its CSV answer equals the predict file.
        MultiTaskModel model = MultiTaskModel.load(run.resolve("model.zip"));
        ServedModel served = new ServedModel("funnel", model, TabularTraining.preprocessorOf(model, "model.zip"));
        assertEquals(header, served.header());
        assertTrue(served.outputs().stream().anyMatch(o -> o.name().equals("conversion_given_click_p") && o.columns().equals(List.of(6))),
                served.outputs().toString());
        List<String> answer = served.predictCsv(CsvTable.read(data)).lines().toList();
        List<String> file = Files.readAllLines(zipped);
        assertEquals(file.get(0), answer.get(0));
        assertEquals(file.get(1), answer.get(1), "the first row as mtl predict wrote it");
        assertEquals(file.get(file.size() - 1), answer.get(answer.size() - 1), "the last row");
    }

    /**
     * An AITM model exports and its .onnx predicts what its zip predicts: the same columns (no pCVR column, as AITM has
     * no conditional tower), probabilities within 1e-5, the same classes except where the probability is within 1e-5
     * of one half.
     */
    @Test
    void aitmExportPredictsWhatTheZipPredicts() throws Exception {
        Path data = dir.resolve("funnel.csv");
        ConversionFunnel.write(data, 400, 7);
        Path run = dir.resolve("aitm");
        mtl("train", "--data", data.toString(), "--task", "click:binary:click", "--task", "conversion:binary:conversion",
                "--arch", "aitm", "--epochs", "1", "--shared", "8", "--head", "4", "--out", run.toString());
        Path zipped = dir.resolve("zip.csv");
        mtl("predict", "--model", run.resolve("model.zip").toString(), "--data", data.toString(), "--out", zipped.toString());
        Path onnx = dir.resolve("model.onnx");
        mtl("export", "--model", run.resolve("model.zip").toString(), "--onnx", onnx.toString());
        Path viaOnnx = dir.resolve("onnx.csv");
        mtl("predict", "--model", onnx.toString(), "--data", data.toString(), "--out", viaOnnx.toString());

        List<String[]> zip = rows(zipped);
        List<String[]> ort = rows(viaOnnx);
        assertEquals(List.of("click", "click_p_0", "click_p_1", "conversion", "conversion_p_0", "conversion_p_1"), List.of(zip.get(0)));
        assertEquals(List.of(zip.get(0)), List.of(ort.get(0)), "the same columns through ONNX");
        assertEquals(zip.size(), ort.size());
        double spread = 0;
        for (int r = 1; r < zip.size(); r++) {
            for (int c : new int[] {0, 3}) {
                double expected = Double.parseDouble(zip.get(r)[c + 2]);
                double actual = Double.parseDouble(ort.get(r)[c + 2]);
                assertEquals(expected, actual, 1e-5, zip.get(0)[c + 2] + " row " + r);
                assertEquals(1 - expected, Double.parseDouble(ort.get(r)[c + 1]), 1e-5, zip.get(0)[c + 1] + " row " + r);
                if (Math.abs(expected - 0.5) > 1e-5) {
                    assertEquals(zip.get(r)[c], ort.get(r)[c], zip.get(0)[c] + " row " + r);
                }
                spread = Math.max(spread, Math.abs(expected - Double.parseDouble(zip.get(1)[c + 2])));
            }
        }
        assertTrue(spread > 1e-3, "the predictions vary across rows, so the comparison tests the network: " + spread);
    }

    @Test
    void otherModelsHaveNoStageColumn() throws Exception {
        Path data = dir.resolve("funnel.csv");
        ConversionFunnel.write(data, 300, 6);
        Path run = dir.resolve("hard");
        mtl("train", "--data", data.toString(), "--task", "click:binary:click", "--task", "conversion:binary:conversion",
                "--epochs", "1", "--shared", "8", "--out", run.toString());
        Path predicted = dir.resolve("p.csv");
        mtl("predict", "--model", run.resolve("model.zip").toString(), "--data", data.toString(), "--out", predicted.toString());
        assertFalse(Files.readAllLines(predicted).get(0).contains("_given_"));
    }
}
