package io.github.mtldl4j.data;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Writes {@code src/test/resources/data-path/golden.json} from the reference code ({@link ReferenceCsvTable},
 * {@link ReferenceDataSplit}, {@link ReferenceTabularPreprocessor}) on {@link DataPathEquivalenceTest}'s inputs.
 * Disabled unless {@code mtl.golden.write=true}.
 */
@EnabledIfSystemProperty(named = "mtl.golden.write", matches = "true")
class DataPathGoldenWriter {

    @Test
    void write() throws Exception {
        ObjectNode root = DataPathOutcomes.JSON.createObjectNode();
        root.put("computed_by", "ReferenceCsvTable, ReferenceDataSplit, ReferenceTabularPreprocessor (the data path as of commit "
                + "3ff3bb5) through DataPathGoldenWriter; see DataPathEquivalenceTest");
        ArrayNode tricky = root.putArray("tricky");
        DataPathEquivalenceTest.TRICKY.forEach(t -> tricky.add(outcome(t)));

        List<JsonNode> outcomes = new ArrayList<>();
        ArrayNode blocks = root.putObject("random").putArray("blocks");
        List<String> texts = DataPathEquivalenceTest.randomTexts();
        int valid = 0;
        for (int i = 0; i < texts.size(); i++) {
            JsonNode outcome = outcome(texts.get(i));
            valid += outcome.has("error") ? 0 : 1;
            outcomes.add(outcome);
            if (outcomes.size() == DataPathEquivalenceTest.RANDOM_BLOCK || i == texts.size() - 1) {
                blocks.add(DataPathOutcomes.digest(outcomes));
                outcomes.clear();
            }
        }
        ((ObjectNode) root.get("random")).put("valid", valid);

        ArrayNode files = root.putArray("files");
        Path dir = Files.createTempDirectory("golden");
        for (int i = 0; i < DataPathEquivalenceTest.FILES.length; i++) {
            Path file = Files.write(dir.resolve("f" + i + ".csv"), DataPathEquivalenceTest.FILES[i]);
            try {
                ReferenceCsvTable table = ReferenceCsvTable.read(file);
                files.addObject().put("header", table.header().toString()).put("value_0_1", table.value(0, 1));
            } catch (InvalidDataException e) {
                files.add(DataPathOutcomes.error(e.getMessage().replace(dir.toString(), "<dir>")));
            }
        }

        String text = DataPathEquivalenceTest.table(3000, 5);
        ArrayNode encode = root.putArray("encode");
        for (String stratify : DataPathEquivalenceTest.STRATIFY) {
            ObjectNode e = encode.addObject();
            e.put("stratify", stratify);
            ReferenceCsvTable reference = ReferenceCsvTable.parse(text, "g.csv");
            ReferenceDataSplit split = ReferenceDataSplit.of(reference, 0.2, 7, stratify);
            e.put("train", DataPathOutcomes.digest(split.train()));
            e.put("validation", DataPathOutcomes.digest(split.validation()));
            ReferenceCsvTable train = reference.rows(split.train());
            ReferenceCsvTable valid2 = reference.rows(split.validation());
            ReferenceTabularPreprocessor pre = ReferenceTabularPreprocessor.fit(train, DataPathEquivalenceTest.ENCODED_TASKS,
                    DataPathEquivalenceTest.ENCODED_FEATURES, Set.of("code"));
            e.put("features", pre.features().toString());
            ArrayNode tasks = e.putArray("tasks");
            for (ReferenceTabularPreprocessor.TaskLabels labels : pre.taskLabels()) {
                ObjectNode t = tasks.addObject();
                t.put("levels", labels.levels().toString());
                t.set("means", DataPathOutcomes.doubles(labels.means()));
                t.set("stds", DataPathOutcomes.doubles(labels.stds()));
            }
            String[] names = {"train", "validation"};
            for (int k = 0; k < 2; k++) {
                ReferenceTabularPreprocessor.Encoded encoded = pre.encode(k == 0 ? train : valid2, true);
                ObjectNode n = e.putObject("encoded_" + names[k]);
                n.set("data", DataPathOutcomes.data(encoded.data()));
                n.set("imputed", DataPathOutcomes.counts(encoded.imputedFeatures()));
                n.set("unknown", DataPathOutcomes.counts(encoded.unknownLevels()));
                n.set("missing", DataPathOutcomes.counts(encoded.missingLabels()));
            }
            e.set("encoded_all", DataPathOutcomes.data(pre.encode(reference, false).data()));
        }

        ArrayNode fits = root.putArray("refused_fits");
        for (String[] c : DataPathEquivalenceTest.BAD_FITS) {
            try {
                ReferenceTabularPreprocessor.fit(ReferenceCsvTable.parse(c[0], "b.csv"), List.of(TaskSpec.parse(c[1])),
                        List.of(c[2].split(",")), Set.of());
                throw new AssertionError("the reference accepts " + c[0]);
            } catch (InvalidDataException e) {
                fits.add(e.getMessage());
            }
        }
        ArrayNode encodes = root.putArray("refused_encodes");
        ReferenceTabularPreprocessor pre = ReferenceTabularPreprocessor.fit(ReferenceCsvTable.parse(DataPathEquivalenceTest.GOOD, "g.csv"),
                List.of(TaskSpec.parse("y:regression:y")), null, Set.of());
        for (String bad : DataPathEquivalenceTest.BAD_ENCODES) {
            try {
                pre.encode(ReferenceCsvTable.parse(bad, "e.csv"), true);
                throw new AssertionError("the reference accepts " + bad);
            } catch (InvalidDataException e) {
                encodes.add(e.getMessage());
            }
        }
        Path out = Path.of("src/test/resources/data-path/golden.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, DataPathOutcomes.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
    }

    private static JsonNode outcome(String text) {
        try {
            ReferenceCsvTable table = ReferenceCsvTable.parse(text, "t.csv");
            return DataPathOutcomes.table(new DataPathOutcomes.TableView() {
                public List<String> header() {
                    return table.header();
                }

                public int rowCount() {
                    return table.rowCount();
                }

                public long line(int row) {
                    return table.line(row);
                }

                public String value(int row, int column) {
                    return table.value(row, column);
                }
            });
        } catch (InvalidDataException e) {
            return DataPathOutcomes.error(e.getMessage());
        }
    }
}
