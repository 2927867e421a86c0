package io.github.mtldl4j.tabular.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.task.TaskType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.MultiDataSet;

/** CSV reading, task specs, fitted preprocessing and splits, with values worked out by hand. */
class TabularDataTest {
    @TempDir
    Path dir;

    private static final String PENGUINS = "\uFEFFspecies,island,bill,sex,mass\r\n"
            + "Adelie,Torgersen,39,male,3750\r\n"
            + "Adelie,\"Dream, north\",41,female,3800\r\n"
            + "Gentoo,Biscoe,,NA,5000\r\n"
            + "Chinstrap,Dream,49,male,\r\n";

    private static void refused(Executable action, String... fragments) {
        InvalidDataException e = assertThrows(InvalidDataException.class, action);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message lacks '" + fragment + "': " + e.getMessage());
        }
    }

    private Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    @Test
    void readsQuotesCommasCrlfBomAndMissingValues() throws Exception {
        CsvTable table = CsvTable.read(file("p.csv", PENGUINS));
        assertEquals(List.of("species", "island", "bill", "sex", "mass"), table.header());
        assertEquals(4, table.rowCount());
        assertEquals("Dream, north", table.value(1, 1));
        assertTrue(CsvTable.isMissing(table.value(2, 2)) && CsvTable.isMissing(table.value(2, 3)));
        assertEquals(3, table.line(1));
        CsvTable multiLine = CsvTable.parse("a,b\n\"x\ny\",1\nz,2\n", "m.csv");
        assertEquals("x\ny", multiLine.value(0, 0));
        assertEquals(4, multiLine.line(1), "a quoted newline moves the next row's line");
    }

    @Test
    void refusesBadFilesWithFileAndLine() throws Exception {
        refused(() -> CsvTable.read(dir.resolve("none.csv")), "none.csv", "no such file");
        refused(() -> CsvTable.read(dir), "is a directory");
        refused(() -> CsvTable.read(file("empty.csv", "")), "empty.csv", "empty file");
        refused(() -> CsvTable.read(file("header.csv", "a,b\n")), "header.csv", "no data rows");
        refused(() -> CsvTable.read(file("ragged.csv", "a,b\n1,2\n3,4,5\n")), "ragged.csv", "line 3", "3 fields", "header has 2");
        refused(() -> CsvTable.read(file("dup.csv", "a,a\n1,2\n")), "'a' appears twice");
        Path latin1 = Files.write(dir.resolve("latin1.csv"), new byte[] {'a', '\n', 'x', '\n', (byte) 0xE9, '\n'});
        refused(() -> CsvTable.read(latin1), "latin1.csv", "line 3", "not UTF-8");
    }

    @Test
    void parsesTaskSpecsAndExplainsMistakes() {
        assertEquals(new TaskSpec("tags", TaskType.MULTILABEL, List.of("a", "b")), TaskSpec.parse("tags:multilabel:a,b"));
        refused(() -> TaskSpec.parse("species:multiclass"), "expected NAME:TYPE:COLUMN");
        refused(() -> TaskSpec.parse("species:ordinal:species"), "unknown type 'ordinal'", "regression, binary");
        refused(() -> TaskSpec.parse("mass:regression:a,b"), "one label column");
        refused(() -> TaskSpec.parse("body mass:regression:mass"), "letters, digits");
    }

    private static List<TaskSpec> specs() {
        return List.of(TaskSpec.parse("species:multiclass:species"), TaskSpec.parse("sex:binary:sex"),
                TaskSpec.parse("mass:regression:mass"));
    }

    @Test
    void fitsEncodingsFromTrainingRowsAndEncodesByHand() {
        CsvTable table = CsvTable.parse(PENGUINS, "p.csv");
        TabularPreprocessor pre = TabularPreprocessor.fit(table, specs(), null, Set.of());
        // Features: island (categorical: 4 levels + unknown) and bill (numeric: mean 43, population std sqrt(56/3)).
        assertEquals(List.of("island", "bill"), pre.features().stream().map(TabularPreprocessor.Feature::column).toList());
        assertEquals(List.of("Biscoe", "Dream", "Dream, north", "Torgersen"), pre.features().get(0).levels());
        assertEquals(6, pre.inputWidth());
        assertEquals(43.0, pre.features().get(1).mean(), 1e-12);
        double std = Math.sqrt(((39 - 43) * (39 - 43) + (41 - 43) * (41 - 43) + (49 - 43) * (49 - 43)) / 3.0);
        assertEquals(std, pre.features().get(1).std(), 1e-12);
        assertEquals(List.of("Adelie", "Chinstrap", "Gentoo"), pre.taskLabels().get(0).classes());
        assertEquals(List.of("female", "male"), pre.taskLabels().get(1).classes());

        TabularPreprocessor.Encoded encoded = pre.encode(table);
        MultiDataSet data = encoded.data();
        assertArrayEquals(new float[] {0, 0, 0, 1, 0, (float) ((39 - 43) / std)}, data.getFeatures(0).getRow(0).toFloatVector(), 1e-6f);
        assertEquals(0.0, data.getFeatures(0).getDouble(2, 5), 1e-9, "missing bill imputed with the mean: 0 standardized");
        assertEquals(Map.of("island", 0L, "bill", 1L), encoded.imputedFeatures());
        assertArrayEquals(new float[] {0, 0, 1}, data.getLabels(0).getRow(2).toFloatVector());
        assertEquals(1.0, data.getLabels(1).getDouble(0, 0), "male is the positive (second) class");
        assertEquals(0.0, data.getLabelsMaskArray(1).getDouble(2, 0), "NA sex is masked");
        assertEquals(0.0, data.getLabels(1).getDouble(2, 0), "masked labels are 0, not NaN");
        assertEquals(0.0, data.getLabelsMaskArray(2).getDouble(3, 0), "empty mass is masked");
        double massMean = (3750 + 3800 + 5000) / 3.0;
        assertEquals(5000.0, pre.toLabelUnits("mass", data.getLabels(2)).getDouble(2, 0), 1e-2, "labels are FLOAT");
        assertEquals(massMean, pre.taskLabels().get(2).means()[0], 1e-9);
        assertEquals(Map.of("species", 0L, "sex", 1L, "mass", 1L), encoded.missingLabels());

        CsvTable unseen = CsvTable.parse("species,island,bill,sex,mass\nAdelie,Atlantis,40,male,3000\n", "new.csv");
        TabularPreprocessor.Encoded other = pre.encode(unseen);
        assertEquals(1.0, other.data().getFeatures(0).getDouble(0, 4), "unseen island goes to the unknown slot");
        assertEquals(1L, other.unknownLevels().get("island"));
    }

    @Test
    void numericFeaturesAreClippedToTheTrainingRangeAndOldModelsAreNot() {
        CsvTable table = CsvTable.parse(PENGUINS, "p.csv");
        TabularPreprocessor pre = TabularPreprocessor.fit(table, specs(), null, Set.of());
        // bill's training values are 39, 41 and 49 (one missing): the range is [39, 49], mean 43; widened by half its
        // width (5) on each side, values are kept within [34, 54].
        assertEquals(39.0, pre.features().get(1).min());
        assertEquals(49.0, pre.features().get(1).max());
        assertEquals(0.5, TabularPreprocessor.CLIP_MARGIN);
        double std = pre.features().get(1).std();
        CsvTable outside = CsvTable.parse("species,island,bill,sex,mass\nAdelie,Dream,400,male,3000\nAdelie,Dream,-5,male,3000\n"
                + "Adelie,Dream,45,male,3000\nAdelie,Dream,53,male,3000\n", "new.csv");
        TabularPreprocessor.Encoded encoded = pre.encode(outside);
        assertEquals((float) ((54 - 43) / std), encoded.data().getFeatures(0).getFloat(0, 5), 1e-6f, "400 is clipped to 54");
        assertEquals((float) ((34 - 43) / std), encoded.data().getFeatures(0).getFloat(1, 5), 1e-6f, "-5 is raised to 34");
        assertEquals((float) ((45 - 43) / std), encoded.data().getFeatures(0).getFloat(2, 5), 1e-6f, "45 is inside");
        assertEquals((float) ((53 - 43) / std), encoded.data().getFeatures(0).getFloat(3, 5), 1e-6f, "53 is beyond 49, within the margin");
        assertEquals(Map.of("bill", 2L), encoded.clippedFeatures());
        assertEquals(Map.of("bill", 0L), pre.encode(table).clippedFeatures(), "training rows are never clipped");

        TabularPreprocessor back = TabularPreprocessor.fromJson(pre.toJson());
        assertEquals(pre.encode(outside).data().getFeatures(0), back.encode(outside).data().getFeatures(0), "the range is saved");
        // A model saved before the range existed: its JSON has no min/max, and nothing is clipped.
        String old = pre.toJson().replaceAll("\"min\" : -?[0-9.E]+,\\s*", "").replaceAll("\"max\" : -?[0-9.E]+,?\\s*", "");
        assertTrue(!old.contains("\"min\"") && !old.contains("\"max\""), old);
        TabularPreprocessor unclipped = TabularPreprocessor.fromJson(old);
        assertEquals((float) ((400 - 43) / std), unclipped.encode(outside).data().getFeatures(0).getFloat(0, 5), 1e-4f);
    }

    @Test
    void aColumnThatTurnsOutNotNumericKeepsTheNumbersBeforeAsLevels() {
        CsvTable table = CsvTable.parse("size,y\n2,1\n10,2\n,3\n2,4\nlarge,5\n10,6\n", "s.csv");
        TabularPreprocessor pre = TabularPreprocessor.fit(table, List.of(TaskSpec.parse("y:regression:y")), null, Set.of());
        TabularPreprocessor.Feature size = pre.features().get(0);
        assertEquals(false, size.numeric());
        assertEquals(List.of("10", "2", "large"), size.levels(), "every distinct value, also those before 'large', alphabetical");
    }

    @Test
    void jsonRoundTripEncodesIdentically() {
        CsvTable table = CsvTable.parse(PENGUINS, "p.csv");
        TabularPreprocessor pre = TabularPreprocessor.fit(table, specs(), List.of("bill", "island"), Set.of());
        TabularPreprocessor back = TabularPreprocessor.fromJson(pre.toJson());
        assertEquals(pre.toJson(), back.toJson());
        assertEquals(pre.encode(table).data().getFeatures(0), back.encode(table).data().getFeatures(0));
        CsvTable featuresOnly = CsvTable.parse("island,bill\nDream,40\n", "f.csv");
        assertEquals(1L, back.encodeWithoutLabels(featuresOnly).missingLabels().get("species"), "predict needs no labels");
    }

    @Test
    void refusesUnusableTasksAndColumns() {
        CsvTable table = CsvTable.parse(PENGUINS, "p.csv");
        refused(() -> TabularPreprocessor.fit(table, List.of(TaskSpec.parse("x:binary:nope")), null, Set.of()), "no column 'nope'",
                "task 'x'", "[species, island, bill, sex, mass]");
        refused(() -> TabularPreprocessor.fit(table, specs(), List.of("bill", "sex"), Set.of()), "'sex' is both a feature and a label");
        refused(() -> TabularPreprocessor.fit(table, List.of(TaskSpec.parse("isl:binary:island")), null, Set.of()), "4 classes",
                "multiclass");
        refused(() -> TabularPreprocessor.fit(table, List.of(TaskSpec.parse("r:regression:island")), null, Set.of()), "line 2",
                "column 'island'", "finite number", "'Torgersen'");
        refused(() -> TabularPreprocessor.fit(table, List.of(specs().get(0), TaskSpec.parse("species:binary:sex")), null, Set.of()),
                "given twice");
        CsvTable oneClass = CsvTable.parse("y,x\na,1\na,2\n", "one.csv");
        refused(() -> TabularPreprocessor.fit(oneClass, List.of(TaskSpec.parse("y:binary:y")), null, Set.of()), "only one class [a]");
        CsvTable noLabels = CsvTable.parse("y,x\n,1\nNA,2\n", "nolabel.csv");
        refused(() -> TabularPreprocessor.fit(noLabels, List.of(TaskSpec.parse("y:regression:y")), null, Set.of()), "every training row lacks");
        CsvTable infinite = CsvTable.parse("y,x\n1,Infinity\n2,3\n", "inf.csv");
        refused(() -> TabularPreprocessor.fit(infinite, List.of(TaskSpec.parse("y:regression:y")), null, Set.of()), "line 2",
                "'Infinity' is not a finite number");
        TabularPreprocessor pre = TabularPreprocessor.fit(table, specs(), null, Set.of());
        refused(() -> pre.encode(CsvTable.parse("species,island,sex,mass\nAdelie,Dream,male,1\n", "nobill.csv")),
                "no column 'bill'", "feature column the model was trained with");
        refused(() -> pre.encode(CsvTable.parse("species,island,bill,sex,mass\nEmperor,Dream,1,male,1\n", "e.csv")),
                "class 'Emperor'", "training classes");
    }

    @Test
    void stratifiedSplitKeepsProportionsAndIsSeeded() {
        StringBuilder csv = new StringBuilder("y,x\n");
        for (int i = 0; i < 100; i++) {
            csv.append(i < 80 ? "a" : "b").append(',').append(i).append('\n');
        }
        CsvTable table = CsvTable.parse(csv.toString(), "s.csv");
        DataSplit split = DataSplit.of(table, 0.25, 3, "y");
        assertEquals(75, split.train().length);
        assertEquals(25, split.validation().length);
        long bInValidation = java.util.Arrays.stream(split.validation()).filter(r -> r >= 80).count();
        assertEquals(5, bInValidation, "20 b rows x 0.25");
        assertArrayEquals(split.validation(), DataSplit.of(table, 0.25, 3, "y").validation());
        refused(() -> DataSplit.of(table, 1.0, 3, null), "(0, 1)", "1.0");
        refused(() -> DataSplit.of(table, 0.0, 3, null), "(0, 1)");
    }
}
