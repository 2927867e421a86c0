package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl export} then {@code mtl predict --model model.onnx}: the same columns and, within docs/export.md's
 * tolerances, the same values as {@code mtl predict --model model.zip}, on penguins with missing values, an unseen
 * island and an MMoE model; bad input is refused in one line with nothing written.
 */
class OnnxCommandLineTest {
    @TempDir
    Path dir;

    @Test
    void exportedModelPredictsWhatTheZipPredicts() throws Exception {
        Path penguins = dir.resolve("penguins.csv");
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        Path newRows = Files.writeString(dir.resolve("new.csv"), Files.readString(penguins)
                + "\"Adelie\",\"Atlantis\",40.1,18.0,190,3700,\"male\"\n\"Gentoo\",\"\",47.0,,215,5000,\"female\"\n");
        Path run = dir.resolve("run");
        CliRun trained = CliRun.of("train", "--data", penguins.toString(), "--task", "species:multiclass:species", "--task",
                "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--arch", "mmoe", "--experts", "2", "--epochs", "2",
                "--out", run.toString());
        assertEquals(0, trained.code(), trained.err());
        Path onnx = dir.resolve("model.onnx");
        CliRun exported = CliRun.of("export", "--model", run.resolve("model.zip").toString(), "--onnx", onnx.toString());
        assertEquals(0, exported.code(), exported.err());
        assertTrue(exported.out().startsWith("wrote " + onnx + " (ONNX opset 13; inputs: 4 feature columns; outputs: species, sex, mass)"),
                exported.out());

        Path fromZip = dir.resolve("zip.csv");
        Path fromOnnx = dir.resolve("onnx.csv");
        for (Path[] modelAndOut : new Path[][] {{run.resolve("model.zip"), fromZip}, {onnx, fromOnnx}}) {
            CliRun predicted = CliRun.of("predict", "--model", modelAndOut[0].toString(), "--data", newRows.toString(),
                    "--out", modelAndOut[1].toString(), "--id-column", "island");
            assertEquals(0, predicted.code(), predicted.err());
        }
        List<CSVRecord> expected = CSVFormat.RFC4180.parse(Files.newBufferedReader(fromZip)).getRecords();
        List<CSVRecord> actual = CSVFormat.RFC4180.parse(Files.newBufferedReader(fromOnnx)).getRecords();
        assertEquals(347, actual.size());
        assertEquals(expected.get(0).toList(), actual.get(0).toList(), "same columns");
        assertEquals("Atlantis", actual.get(345).get(0));
        for (int r = 1; r < expected.size(); r++) {
            for (int c = 0; c < expected.get(r).size(); c++) {
                String want = expected.get(r).get(c);
                String got = actual.get(r).get(c);
                String where = "row " + r + " column " + expected.get(0).get(c);
                if (want.matches("-?[0-9.]+(E-?[0-9]+)?")) {
                    double y = Double.parseDouble(want);
                    assertEquals(y, Double.parseDouble(got), 1e-5 * Math.max(1, Math.abs(y)), where);
                } else if (!want.equals(got)) {
                    // A class label may differ only where its top two probabilities are within 1e-5 (issue 18's rule):
                    // on another CPU's kernels a near tie can fall either way.
                    assertTrue(topTwoWithin(expected.get(0).toList(), expected.get(r).toList(), expected.get(0).get(c), 1e-5),
                            where + ": " + want + " vs " + got);
                }
            }
        }
    }

    /** Whether the two largest of {@code task}'s class probabilities ({@code task_p_*} columns) in a row are within {@code eps}. */
    private static boolean topTwoWithin(List<String> header, List<String> row, String task, double eps) {
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < header.size(); c++) {
            if (header.get(c).startsWith(task + "_p_")) {
                double p = Double.parseDouble(row.get(c));
                if (p > first) {
                    second = first;
                    first = p;
                } else if (p > second) {
                    second = p;
                }
            }
        }
        return second > Double.NEGATIVE_INFINITY && first - second <= eps;
    }

    @Test
    void aFileThatIsNotAnOnnxModelIsRefusedInOneLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.onnx"), "not a model");
        Path data = Files.writeString(dir.resolve("d.csv"), "x\n1\n");
        Path out = dir.resolve("p.csv");
        CliRun run = CliRun.of("predict", "--model", bad.toString(), "--data", data.toString(), "--out", out.toString());
        assertEquals(2, run.code(), run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        assertTrue(lines.get(0).startsWith("mtl: " + bad + ": not a usable ONNX model ("), lines.get(0));
        assertFalse(Files.exists(out));

        CliRun toDirectory = CliRun.of("export", "--model", dir.resolve("none.zip").toString(), "--onnx", dir.toString());
        assertEquals(2, toDirectory.code(), toDirectory.err());
        assertEquals("mtl: --onnx " + dir + ": is a directory; expected the file to write, e.g. " + dir.resolve("model.onnx") + ".",
                toDirectory.err().strip());
    }
}
