package io.github.mtldl4j.tabular.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.mtldl4j.data.InvalidDataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * The faster data path (CSV split without Commons CSV when there are no quotes, numbers parsed once per table,
 * splits without boxing) gives the same records, line numbers, fitted encodings, encoded arrays (bit for bit) and error
 * messages as the code it replaced.
 *
 * <p>The expected results are {@code src/test/resources/data-path/golden.json}, computed by that replaced code
 * ({@code ReferenceCsvTable}, {@code ReferenceTabularPreprocessor}, {@code ReferenceDataSplit}: CsvTable, DataSplit and
 * TabularPreprocessor as of commit 3ff3bb5, parsing through Commons CSV) on the inputs below, and committed. Large
 * results are SHA-256 digests of their exact bits ({@link DataPathOutcomes}). What the reference code proved is kept
 * this way: the plain splitter gives Commons CSV's records, line numbers and errors on the tricky and 4,000 random
 * inputs, and the preprocessing fits and encodes (3,000 rows, with and without stratification) bit for bit as before.
 * The reference classes and their writer {@code DataPathGoldenWriter} were removed once the golden file was
 * committed; to regenerate it, check out the commit before
 * {@code git log --diff-filter=D -- mtl-dl4j/src/test/java/io/github/mtldl4j/data/ReferenceCsvTable.java} and run
 * {@code mvn -B -pl mtl-dl4j test -Dtest=DataPathGoldenWriter -Dmtl.golden.write=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * Never regenerate it from the current code: the test would then compare the code with itself.
 * Changing an input below changes the digests: keep the inputs as they are.
 */
class DataPathEquivalenceTest {
    private static JsonNode golden;

    @BeforeAll
    static void readGolden() throws IOException {
        try (var in = DataPathEquivalenceTest.class.getResourceAsStream("/data-path/golden.json")) {
            golden = DataPathOutcomes.JSON.readTree(in);
        }
    }

    /** Inputs where a hand-written CSV splitter typically goes wrong. */
    static final List<String> TRICKY = List.of(
            "a,b\n1,2\n",
            "a,b\r\n1,2\r\n3,4",
            "a,b\r1,2\r3,4\r",
            "\uFEFFa,b\n1,2\n",
            "a,b\n\n1,2\n\n\n3,4\n\n",
            "a,b\r\n\r\n\r\n1,2\r\n3,4",
            "a,b\n1,\n,\n",
            "a,b,c\n1,2,\n",
            "a,b\n1,2,\n",
            "a\n   \n1\n",
            "a\n1\n   ",
            "a\n \t1 \u2003\n\u00a02\u00a0\n",
            " a , b \n 1 , 2 \n",
            "a,b\n1,2\n\r\n\n\r3,4",
            "a,b\n\n\n1,2,3\n",
            "a,a\n1,2\n",
            "a,\n1,2\n",
            "a,b\nx\"y,2\n",
            "a,b\n\"1,5\",2\n",
            "a,b\n\"x\ny\",2\n3,4\n",
            "a,b\r\n\"x\r\ny\",2\r\n3,4\r\n",
            "a,b\n\"x\"\"y\",2\n",
            "a,b\n \"q\" ,2\n",
            "a,b\n\"open,2\n",
            "\"a\",\"b\"\n\"\",\"\"\n");

    @Test
    void splitsTrickyCsvAsCommonsCsvDoes() {
        for (int i = 0; i < TRICKY.size(); i++) {
            String shown = TRICKY.get(i).replace("\r", "\\r").replace("\n", "\\n");
            assertEquals(golden.get("tricky").get(i), roundTrip(outcome(TRICKY.get(i))), shown);
        }
    }

    @Test
    void splitsRandomQuoteFreeCsvAsCommonsCsvDoes() {
        List<String> texts = randomTexts();
        List<JsonNode> outcomes = new ArrayList<>();
        int valid = 0;
        for (int i = 0; i < texts.size(); i++) {
            JsonNode outcome = outcome(texts.get(i));
            valid += outcome.has("error") ? 0 : 1;
            outcomes.add(outcome);
            if (outcomes.size() == RANDOM_BLOCK || i == texts.size() - 1) {
                int block = i / RANDOM_BLOCK;
                assertEquals(golden.get("random").get("blocks").get(block).asText(), DataPathOutcomes.digest(outcomes),
                        "random tables " + block * RANDOM_BLOCK + " to " + i + " (print them with DataPathOutcomes.table)");
                outcomes.clear();
            }
        }
        assertEquals(golden.get("random").get("valid").asInt(), valid, "valid random tables");
        assertNotEquals(0, valid, "some random inputs must be valid tables, not only errors");
    }

    /** Random inputs are compared in blocks of this many, one digest each. */
    static final int RANDOM_BLOCK = 100;

    /**
     * Characters that matter to a splitter: delimiters, line breaks, whitespace that is (tab, vertical tab, unit
     * separator, em space) and is not (no-break space, DEL, NEL) stripped, plus a quote now and then so that the
     * Commons CSV path is compared too.
     */
    static List<String> randomTexts() {
        char[] alphabet = {'a', '1', '.', '-', ',', ',', ',', ' ', ' ', '\t', '\n', '\n', '\r', '\u2003', '\u00a0', 'N', 'A',
            '\u000B', '\u001F', '\u007F', '\u0085'};
        Random random = new Random(11);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            StringBuilder text = new StringBuilder(random.nextBoolean() ? "x,y,z\n" : "");
            int length = random.nextInt(40);
            for (int k = 0; k < length; k++) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            if (random.nextInt(50) == 0) {
                text.insert(random.nextInt(text.length() + 1), '"');
            }
            texts.add(text.toString());
        }
        return texts;
    }

    /** Files in several encodings, a truncated UTF-8 sequence and an empty file. */
    static final byte[][] FILES = {
        "a,b\n1,2\n".getBytes(StandardCharsets.US_ASCII),
        "\uFEFFa,b\nZ\u00fcrich,\u2003 2\n".getBytes(StandardCharsets.UTF_8),
        {'a', '\n', 'x', '\n', (byte) 0xE9, '\n'},
        {'a', ',', 'b', '\n', '1', ',', (byte) 0xC3},
        {}};

    @Test
    void readsFilesAsBefore(@TempDir Path dir) throws Exception {
        for (int i = 0; i < FILES.length; i++) {
            Path file = Files.write(dir.resolve("f" + i + ".csv"), FILES[i]);
            JsonNode actual;
            try {
                CsvTable table = CsvTable.read(file);
                actual = DataPathOutcomes.JSON.createObjectNode().put("header", table.header().toString()).put("value_0_1", table.value(0, 1));
            } catch (InvalidDataException e) {
                actual = DataPathOutcomes.error(e.getMessage().replace(dir.toString(), "<dir>"));
            }
            assertEquals(golden.get("files").get(i), roundTrip(actual), "file " + i);
        }
    }

    /** The outcome of parsing one text: its table, or the message of the InvalidDataException it threw. */
    private static JsonNode outcome(String text) {
        try {
            CsvTable table = CsvTable.parse(text, "t.csv");
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

    /** The node as it reads back from the golden file's text (number node types as parsed). */
    private static JsonNode roundTrip(JsonNode node) {
        try {
            return DataPathOutcomes.JSON.readTree(node.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The outcome of an action, or the message of the InvalidDataException it threw. */
    private static Object outcomeOf(Supplier<?> action) {
        try {
            return action.get();
        } catch (InvalidDataException e) {
            return e.getMessage();
        }
    }

    static final List<TaskSpec> ENCODED_TASKS = List.of(TaskSpec.parse("price:regression:price"), TaskSpec.parse("churn:binary:churn"),
            TaskSpec.parse("segment:multiclass:segment"), TaskSpec.parse("level:regression:x3"),
            TaskSpec.parse("tags:multilabel:t1,t2"));
    static final List<String> ENCODED_FEATURES = List.of("x1", "count", "colour", "mixed", "sparse", "code", "spaced");
    static final String[] STRATIFY = {null, "segment"};

    @Test
    void fitsAndEncodesBitForBitAsBefore() {
        String text = table(3000, 5);
        for (int s = 0; s < STRATIFY.length; s++) {
            JsonNode expected = golden.get("encode").get(s);
            String stratify = STRATIFY[s];
            CsvTable table = CsvTable.parse(text, "g.csv");
            DataSplit split = DataSplit.of(table, 0.2, 7, stratify);
            assertEquals(expected.get("train").asText(), DataPathOutcomes.digest(split.train()), "training rows, stratify " + stratify);
            assertEquals(expected.get("validation").asText(), DataPathOutcomes.digest(split.validation()), "validation rows");
            CsvTable train = table.rows(split.train());
            CsvTable valid = table.rows(split.validation());
            // The golden file predates clipping to the training range: compare the encodings without it (the range
            // itself is checked by hand in TabularDataTest).
            TabularPreprocessor pre = TabularPreprocessor.fit(train, ENCODED_TASKS, ENCODED_FEATURES, Set.of("code")).withoutClipping();
            assertEquals(expected.get("features").asText(), pre.features().stream().map(f -> "Feature[column=" + f.column()
                    + ", numeric=" + f.numeric() + ", mean=" + f.mean() + ", std=" + f.std() + ", levels=" + f.levels() + "]").toList().toString());
            for (int t = 0; t < ENCODED_TASKS.size(); t++) {
                JsonNode task = expected.get("tasks").get(t);
                assertEquals(task.get("levels").asText(), pre.taskLabels().get(t).levels().toString());
                assertEquals(task.get("means"), roundTrip(DataPathOutcomes.doubles(pre.taskLabels().get(t).means())), "means of task " + t);
                assertEquals(task.get("stds"), roundTrip(DataPathOutcomes.doubles(pre.taskLabels().get(t).stds())), "stds of task " + t);
            }
            String[] names = {"train", "validation"};
            for (int k = 0; k < 2; k++) {
                TabularPreprocessor.Encoded encoded = pre.encode(k == 0 ? train : valid);
                JsonNode e = expected.get("encoded_" + names[k]);
                assertEquals(e.get("data"), roundTrip(DataPathOutcomes.data(encoded.data())), names[k] + " arrays, stratify " + stratify);
                assertEquals(e.get("imputed"), roundTrip(DataPathOutcomes.counts(encoded.imputedFeatures())), "imputed");
                assertEquals(e.get("unknown"), roundTrip(DataPathOutcomes.counts(encoded.unknownLevels())), "unknown levels");
                assertEquals(e.get("missing"), roundTrip(DataPathOutcomes.counts(encoded.missingLabels())), "missing labels");
            }
            assertEquals(expected.get("encoded_all"), roundTrip(DataPathOutcomes.data(pre.encodeWithoutLabels(table).data())), "all rows");
        }
    }

    /**
     * Rows with numbers in several spellings, NA and empty values, a column whose text starts late (categorical
     * after all), a forced-categorical number column, padded values, and labels of every task type.
     */
    static String table(int rows, long seed) {
        Random random = new Random(seed);
        String[] colours = {"red", "green", " blue ", "NA", ""};
        StringBuilder out = new StringBuilder("x1,count,colour,mixed,sparse,code,spaced,price,churn,segment,x2,x3,t1,t2\n");
        for (int r = 0; r < rows; r++) {
            double x = random.nextGaussian();
            String x1 = switch (random.nextInt(6)) {
                case 0 -> String.format(Locale.ROOT, "%.5f", x);
                case 1 -> String.format(Locale.ROOT, "%.3e", x * 1e5);
                case 2 -> Double.toString(x);
                case 3 -> random.nextBoolean() ? "" : "na";
                case 4 -> String.format(Locale.ROOT, "%d", random.nextInt(1000) - 500);
                default -> String.format(Locale.ROOT, "%.17g", x);
            };
            out.append(x1).append(',')
                    .append(random.nextInt(5)).append(',')
                    .append(colours[random.nextInt(colours.length)]).append(',')
                    .append(r > rows / 2 && random.nextInt(10) == 0 ? "many" : Integer.toString(random.nextInt(3))).append(',')
                    .append(random.nextInt(20) == 0 ? "1.5" : "").append(',')
                    .append(random.nextInt(4)).append(',')
                    .append(random.nextBoolean() ? "  " : "\t").append(String.format(Locale.ROOT, "%.2f", x * 3)).append(" ,")
                    .append(random.nextInt(20) == 0 ? "NA" : String.format(Locale.ROOT, "%.4f", 3 * x + random.nextGaussian())).append(',')
                    .append(random.nextInt(20) == 0 ? "" : x > 0 ? "yes" : "no").append(',')
                    .append(random.nextInt(20) == 0 ? "" : "s" + random.nextInt(3)).append(',')
                    .append(String.format(Locale.ROOT, "%.3f", random.nextGaussian())).append(',')
                    .append(random.nextInt(30) == 0 ? "" : String.format(Locale.ROOT, "%.1f", 100 + random.nextGaussian())).append(',')
                    .append(random.nextInt(2)).append(',')
                    .append(random.nextInt(15) == 0 ? "NA" : Integer.toString(random.nextInt(2))).append('\n');
        }
        return out.toString();
    }

    @Test
    void parsesNumbersAsDoubleParseDoubleDoes() {
        List<String> texts = new ArrayList<>(List.of("0", "-0", "+0.0", "-0.0", "1", "-1.5", ".5", "5.", "1e5", "1E-5", "1e+5", "1e",
                "e5", ".", "-", "+", "", "1.2.3", "1,5", "0x1p3", "0X1.8P-1", "0x1", "1d", "1f", "1.5D", "1e5F", "NaN", "-NaN",
                "Infinity", "-Infinity", "+Infinity", "infinity", "nan", "1e400", "-1e400", "1e-400", "4.9e-324", "2.4703282292062327e-324",
                "2.4703282292062328e-324", "1.7976931348623157e308", "1.7976931348623159e308", "9007199254740993",
                "0.1000000000000000055511151231257827", "123456789012345678901234567890", "1_000", "١٢", "1 2", "0001.5000",
                "00000000000000000000000000000000000000000000001e-30", " 1", "1 ", "\t1.5\t", "1\u0001", "\u00001", "1\u00a0", "1 2"));
        Random random = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            double x = Double.longBitsToDouble(random.nextLong());
            texts.add(Double.toString(x));
            texts.add(String.format(Locale.ROOT, "%." + random.nextInt(20) + "f", random.nextGaussian() * Math.pow(10, random.nextInt(12))));
            texts.add(String.format(Locale.ROOT, "%." + random.nextInt(20) + "e", x));
            texts.add(Long.toString(random.nextLong()) + "." + Long.toString(random.nextLong() >>> 1));
            StringBuilder noise = new StringBuilder();
            for (int k = random.nextInt(8); k > 0; k--) {
                noise.append("0123456789.eE+-xpPdDfFNaIny ".charAt(random.nextInt(28)));
            }
            texts.add(noise.toString());
        }
        for (String text : texts) {
            Object expected;
            try {
                expected = Double.doubleToLongBits(Double.parseDouble(text));
            } catch (NumberFormatException e) {
                expected = "refused";
            }
            Object actual;
            try {
                actual = Double.doubleToLongBits(NumberColumn.parseNumber(text));
            } catch (NumberFormatException e) {
                actual = "refused";
            }
            assertEquals(expected, actual, "'" + text + "'");
        }
    }

    @Test
    void parsesColumnsInPlaceAsTrimmedParseDoubleAndIsMissing() {
        List<String> values = List.of("1.5", " 2 ", "-3\u0001", "4\t", "", " ", "NA", " na ", "\t-0", ".5e3", "-.5", "1e400", "NaN",
                "+7", "-", ".", "9 9", "5\u00a0", "0x10", "1f", "x");
        StringBuilder text = new StringBuilder("noise");
        int[] starts = new int[values.size()];
        int[] ends = new int[values.size()];
        for (int i = 0; i < values.size(); i++) {
            text.append(i % 2 == 0 ? "7" : ",");
            starts[i] = text.length();
            text.append(values.get(i));
            ends[i] = text.length();
        }
        text.append("8");
        int expectedStop = -1;
        for (int end = 1; end <= values.size(); end++) {
            // Each prefix of the list as a column of its own: parsed up to its first value that is not a number.
            NumberColumn column = NumberColumn.parse(text.toString(), java.util.Arrays.copyOf(starts, end), java.util.Arrays.copyOf(ends, end));
            expectedStop = -1;
            for (int r = 0; r < end; r++) {
                String value = values.get(r);
                if (CsvTable.isMissing(value)) {
                    assertEquals(true, column.isMissing(r), "'" + value + "' is missing");
                    continue;
                }
                try {
                    double expected = Double.parseDouble(value.trim());
                    assertEquals(false, column.isMissing(r), "'" + value + "'");
                    assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(column.value(r)), "'" + value + "'");
                } catch (NumberFormatException e) {
                    expectedStop = r;
                    break;
                }
            }
            assertEquals(expectedStop, column.firstNotANumber(), "the first value that is not a number among " + values.subList(0, end));
        }
        assertEquals(values.indexOf("-"), expectedStop, "'-' is the first value that is neither a number nor missing");
    }

    /** {csv, task spec, feature columns (comma separated)}: each refused when fitting. */
    static final List<String[]> BAD_FITS = List.of(
            new String[] {"x,y\n1,2\nNaN,3\n", "y:regression:y", "x"},
            new String[] {"x,y\n1,2\n1e16,3\n", "y:regression:y", "x"},
            new String[] {"x,y\n1e300,2\nabc,3\n", "y:regression:y", "x"},
            new String[] {"x,y\n1,2\n2,abc\n", "y:regression:y", "x"},
            new String[] {"x,y\n1,2\n2,-Infinity\n", "y:regression:y", "x"},
            new String[] {"x,y\n1,2\n2, 1e17 \n", "y:regression:y", "x"});
    /** Fitted on {@link #GOOD}, each of these is refused when encoding. */
    static final List<String> BAD_ENCODES = List.of("x,y\n1,2\nthree,3\n", "x,y\n1,2\n2,NaN\n", "x,y\nInfinity,2\n",
            "x,y\n1,2\n-2e15,1\n", "x,y\n1,two\n", "x,y\n1,2\n2,1e16\n");
    static final String GOOD = "x,y\n1,2\n2,3\n";

    @Test
    void refusesBadNumbersWithTheSameMessages() {
        for (int i = 0; i < BAD_FITS.size(); i++) {
            String[] c = BAD_FITS.get(i);
            Object actual = outcomeOf(() -> TabularPreprocessor.fit(CsvTable.parse(c[0], "b.csv"), List.of(TaskSpec.parse(c[1])),
                    List.of(c[2].split(",")), Set.of()));
            assertEquals(golden.get("refused_fits").get(i).asText(), actual, c[0]);
        }
        TabularPreprocessor pre = TabularPreprocessor.fit(CsvTable.parse(GOOD, "g.csv"), List.of(TaskSpec.parse("y:regression:y")),
                null, Set.of());
        for (int i = 0; i < BAD_ENCODES.size(); i++) {
            String bad = BAD_ENCODES.get(i);
            Object actual = outcomeOf(() -> pre.encode(CsvTable.parse(bad, "e.csv")));
            assertEquals(golden.get("refused_encodes").get(i).asText(), actual, bad);
        }
    }
}
