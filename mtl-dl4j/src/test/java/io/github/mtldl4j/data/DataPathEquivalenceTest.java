package io.github.mtldl4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * The faster data path (CSV split without Commons CSV when there are no quotes, numbers parsed once per table,
 * splits without boxing) against the code it replaced, kept as {@link ReferenceCsvTable},
 * {@link ReferenceTabularPreprocessor} and {@link ReferenceDataSplit}: the same records, line numbers, fitted
 * encodings, encoded arrays (bit for bit) and error messages.
 */
class DataPathEquivalenceTest {

    /** Inputs where a hand-written CSV splitter typically goes wrong. */
    private static final List<String> TRICKY = List.of(
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
        for (String text : TRICKY) {
            assertSameTable(text);
        }
    }

    @Test
    void splitsRandomQuoteFreeCsvAsCommonsCsvDoes() {
        // Characters that matter to a splitter: delimiters, line breaks, whitespace that is (tab, vertical tab, unit
        // separator, em space) and is not (no-break space, DEL, NEL) stripped, plus a quote now and then so that the
        // Commons CSV path is compared too.
        char[] alphabet = {'a', '1', '.', '-', ',', ',', ',', ' ', ' ', '\t', '\n', '\n', '\r', '\u2003', '\u00a0', 'N', 'A',
            '\u000B', '\u001F', '\u007F', '\u0085'};
        Random random = new Random(11);
        int read = 0;
        for (int i = 0; i < 4000; i++) {
            StringBuilder text = new StringBuilder(random.nextBoolean() ? "x,y,z\n" : "");
            int length = random.nextInt(40);
            for (int k = 0; k < length; k++) {
                text.append(alphabet[random.nextInt(alphabet.length)]);
            }
            if (random.nextInt(50) == 0) {
                text.insert(random.nextInt(text.length() + 1), '"');
            }
            read += assertSameTable(text.toString()) ? 1 : 0;
        }
        assertNotEquals(0, read, "some random inputs must be valid tables, not only errors");
    }

    @Test
    void readsFilesAsBefore(@TempDir Path dir) throws Exception {
        byte[][] files = {
            "a,b\n1,2\n".getBytes(StandardCharsets.US_ASCII),
            "\uFEFFa,b\nZ\u00fcrich,\u2003 2\n".getBytes(StandardCharsets.UTF_8),
            {'a', '\n', 'x', '\n', (byte) 0xE9, '\n'},
            {'a', ',', 'b', '\n', '1', ',', (byte) 0xC3},
            {}};
        for (int i = 0; i < files.length; i++) {
            Path file = Files.write(dir.resolve("f" + i + ".csv"), files[i]);
            Object expected = outcome(() -> ReferenceCsvTable.read(file));
            Object actual = outcome(() -> CsvTable.read(file));
            if (expected instanceof String message) {
                assertEquals(message, actual);
            } else {
                ReferenceCsvTable reference = (ReferenceCsvTable) expected;
                CsvTable table = (CsvTable) actual;
                assertEquals(reference.header(), table.header());
                assertEquals(reference.value(0, 1), table.value(0, 1));
            }
        }
    }

    /** Returns whether the text was a valid table. */
    private static boolean assertSameTable(String text) {
        String shown = text.replace("\r", "\\r").replace("\n", "\\n");
        Object expected = outcome(() -> ReferenceCsvTable.parse(text, "t.csv"));
        Object actual = outcome(() -> CsvTable.parse(text, "t.csv"));
        if (expected instanceof String message) {
            assertEquals(message, actual, "error for " + shown);
            return false;
        }
        ReferenceCsvTable reference = (ReferenceCsvTable) expected;
        CsvTable table = (CsvTable) actual;
        assertEquals(reference.header(), table.header(), shown);
        assertEquals(reference.rowCount(), table.rowCount(), shown);
        for (int r = 0; r < table.rowCount(); r++) {
            assertEquals(reference.line(r), table.line(r), "line of row " + r + " of " + shown);
            for (int c = 0; c < table.header().size(); c++) {
                assertEquals(reference.value(r, c), table.value(r, c), "row " + r + ", column " + c + " of " + shown);
            }
        }
        return true;
    }

    /** The value, or the message of the InvalidDataException it threw. */
    private static Object outcome(Supplier<?> action) {
        try {
            return action.get();
        } catch (InvalidDataException e) {
            return e.getMessage();
        }
    }

    @Test
    void fitsAndEncodesBitForBitAsBefore() {
        String text = table(3000, 5);
        List<TaskSpec> tasks = List.of(TaskSpec.parse("price:regression:price"), TaskSpec.parse("churn:binary:churn"),
                TaskSpec.parse("segment:multiclass:segment"), TaskSpec.parse("level:regression:x3"),
                TaskSpec.parse("tags:multilabel:t1,t2"));
        for (String stratify : new String[] {null, "segment"}) {
            CsvTable table = CsvTable.parse(text, "g.csv");
            ReferenceCsvTable reference = ReferenceCsvTable.parse(text, "g.csv");
            DataSplit split = DataSplit.of(table, 0.2, 7, stratify);
            ReferenceDataSplit referenceSplit = ReferenceDataSplit.of(reference, 0.2, 7, stratify);
            assertArrayEquals(referenceSplit.train(), split.train());
            assertArrayEquals(referenceSplit.validation(), split.validation());
            CsvTable train = table.rows(split.train());
            CsvTable valid = table.rows(split.validation());
            ReferenceCsvTable referenceTrain = reference.rows(referenceSplit.train());
            ReferenceCsvTable referenceValid = reference.rows(referenceSplit.validation());
            List<String> features = List.of("x1", "count", "colour", "mixed", "sparse", "code", "spaced");
            TabularPreprocessor pre = TabularPreprocessor.fit(train, tasks, features, Set.of("code"));
            ReferenceTabularPreprocessor referencePre = ReferenceTabularPreprocessor.fit(referenceTrain, tasks, features, Set.of("code"));
            assertEquals(referencePre.features().toString(), pre.features().toString());
            for (int t = 0; t < tasks.size(); t++) {
                assertEquals(referencePre.taskLabels().get(t).levels(), pre.taskLabels().get(t).levels());
                assertArrayEquals(referencePre.taskLabels().get(t).means(), pre.taskLabels().get(t).means());
                assertArrayEquals(referencePre.taskLabels().get(t).stds(), pre.taskLabels().get(t).stds());
            }
            for (boolean training : new boolean[] {true, false}) {
                TabularPreprocessor.Encoded encoded = pre.encode(training ? train : valid, true);
                ReferenceTabularPreprocessor.Encoded expected = referencePre.encode(training ? referenceTrain : referenceValid, true);
                assertSameData(expected.data(), encoded.data());
                assertEquals(expected.imputedFeatures(), encoded.imputedFeatures());
                assertEquals(expected.unknownLevels(), encoded.unknownLevels());
                assertEquals(expected.missingLabels(), encoded.missingLabels());
            }
            assertSameData(referencePre.encode(reference, false).data(), pre.encode(table, false).data());
        }
    }

    private static void assertSameData(MultiDataSet expected, MultiDataSet actual) {
        assertSameArray(expected.getFeatures(0), actual.getFeatures(0));
        assertEquals(expected.numLabelsArrays(), actual.numLabelsArrays());
        for (int t = 0; t < expected.numLabelsArrays(); t++) {
            assertSameArray(expected.getLabels(t), actual.getLabels(t));
            assertSameArray(expected.getLabelsMaskArray(t), actual.getLabelsMaskArray(t));
        }
    }

    private static void assertSameArray(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        float[] e = expected.data().asFloat();
        float[] a = actual.data().asFloat();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(a[i]), "value " + i);
        }
    }

    /**
     * Rows with numbers in several spellings, NA and empty values, a column whose text starts late (categorical
     * after all), a forced-categorical number column, padded values, and labels of every task type.
     */
    private static String table(int rows, long seed) {
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

    @Test
    void refusesBadNumbersWithTheSameMessages() {
        List<String[]> cases = new ArrayList<>();
        // {csv, task spec, feature columns (comma separated)}
        cases.add(new String[] {"x,y\n1,2\nNaN,3\n", "y:regression:y", "x"});
        cases.add(new String[] {"x,y\n1,2\n1e16,3\n", "y:regression:y", "x"});
        cases.add(new String[] {"x,y\n1e300,2\nabc,3\n", "y:regression:y", "x"});
        cases.add(new String[] {"x,y\n1,2\n2,abc\n", "y:regression:y", "x"});
        cases.add(new String[] {"x,y\n1,2\n2,-Infinity\n", "y:regression:y", "x"});
        cases.add(new String[] {"x,y\n1,2\n2, 1e17 \n", "y:regression:y", "x"});
        for (String[] c : cases) {
            Object expected = outcome(() -> ReferenceTabularPreprocessor.fit(ReferenceCsvTable.parse(c[0], "b.csv"),
                    List.of(TaskSpec.parse(c[1])), List.of(c[2].split(",")), Set.of()));
            Object actual = outcome(() -> TabularPreprocessor.fit(CsvTable.parse(c[0], "b.csv"), List.of(TaskSpec.parse(c[1])),
                    List.of(c[2].split(",")), Set.of()));
            assertEquals(String.class, expected.getClass(), "the reference refuses " + c[0]);
            assertEquals(expected, actual);
        }
        String good = "x,y\n1,2\n2,3\n";
        TabularPreprocessor pre = TabularPreprocessor.fit(CsvTable.parse(good, "g.csv"), List.of(TaskSpec.parse("y:regression:y")),
                null, Set.of());
        ReferenceTabularPreprocessor referencePre = ReferenceTabularPreprocessor.fit(ReferenceCsvTable.parse(good, "g.csv"),
                List.of(TaskSpec.parse("y:regression:y")), null, Set.of());
        for (String bad : new String[] {"x,y\n1,2\nthree,3\n", "x,y\n1,2\n2,NaN\n", "x,y\nInfinity,2\n", "x,y\n1,2\n-2e15,1\n",
            "x,y\n1,two\n", "x,y\n1,2\n2,1e16\n"}) {
            Object expected = outcome(() -> referencePre.encode(ReferenceCsvTable.parse(bad, "e.csv"), true));
            Object actual = outcome(() -> pre.encode(CsvTable.parse(bad, "e.csv"), true));
            assertEquals(String.class, expected.getClass(), "the reference refuses " + bad);
            assertEquals(expected, actual);
        }
    }
}
