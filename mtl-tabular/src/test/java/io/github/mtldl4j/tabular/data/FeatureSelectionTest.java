package io.github.mtldl4j.tabular.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InvalidDataException;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The default feature columns: which are left out or flagged, on tables whose counts are worked out by hand. */
class FeatureSelectionTest {

    /** A table with a header and {@code rows} rows, column c of row r given by {@code columns[c].apply(r)}. */
    @SafeVarargs
    private static CsvTable table(String header, int rows, IntFunction<String>... columns) {
        StringBuilder text = new StringBuilder(header).append('\n');
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns.length; c++) {
                text.append(c == 0 ? "" : ",").append(columns[c].apply(r));
            }
            text.append('\n');
        }
        return CsvTable.parse(text.toString(), "t.csv");
    }

    @Test
    void leavesOutTextColumnsWithADistinctValuePerRowAndKeepsTheRest() {
        // 40 rows: date distinct per row (40 of 40), colour 3 levels, x numeric, id 1..40 (a row number), y the label.
        CsvTable table = table("date,colour,x,id,y", 40, r -> "2012-01-" + (r + 1), r -> List.of("red", "green", "blue").get(r % 3),
                r -> Double.toString(r * 0.5), r -> Integer.toString(r + 1), r -> r % 2 == 0 ? "a" : "b");
        FeatureSelection selection = FeatureSelection.of(table, Set.of("y"), null, Set.of());
        assertEquals(List.of("colour", "x", "id"), selection.used());
        assertEquals(List.of("colour"), selection.oneHot());
        assertEquals(List.of(new FeatureSelection.LeftOut("date", 40, 40, null)), selection.leftOut());
        assertEquals("40 distinct values in 40 training rows", selection.leftOut().get(0).reason());
        assertEquals(List.of(new FeatureSelection.RowNumber("id", 1, 40, 40)), selection.rowNumbers(), "id is kept but flagged");
        assertFalse(selection.named());
    }

    @Test
    void theShareIsOfNonMissingValuesAndNeedsTwentyDistinct() {
        // 20 distinct in 39 non-missing values: 20 > 19.5, left out (the 11 missing values do not count).
        CsvTable over = table("code,x,y", 50, r -> r < 39 ? "c" + (r % 20) : "", r -> "1", r -> "1");
        assertEquals(List.of(new FeatureSelection.LeftOut("code", 20, 39, null)),
                FeatureSelection.of(over, Set.of("y"), null, Set.of()).leftOut());
        // 20 distinct in 40 values: exactly half, kept.
        CsvTable half = table("code,x,y", 40, r -> "c" + (r % 20), r -> "1", r -> "1");
        assertEquals(List.of("code", "x"), FeatureSelection.of(half, Set.of("y"), null, Set.of()).used());
        // 19 distinct in 19 rows: every value distinct, but below the minimum of 20: kept.
        CsvTable small = table("name,y", 19, r -> "n" + r, r -> "1");
        assertEquals(List.of("name"), FeatureSelection.of(small, Set.of("y"), null, Set.of()).used());
    }

    @Test
    void namedFeaturesAndCategoricalColumnsAreAlwaysUsed() {
        CsvTable table = table("date,zip,x,y", 30, r -> "d" + r, r -> Integer.toString(10000 + 7 * r), r -> "1", r -> "1");
        FeatureSelection named = FeatureSelection.of(table, Set.of("y"), List.of("date", "x"), Set.of());
        assertEquals(List.of("date", "x"), named.used());
        assertEquals(List.of("date"), named.oneHot());
        assertTrue(named.named() && named.leftOut().isEmpty() && named.rowNumbers().isEmpty());
        // zip named categorical: one-hot and kept, although 30 of 30 values are distinct.
        FeatureSelection categorical = FeatureSelection.of(table, Set.of("y"), null, Set.of("zip"));
        assertEquals(List.of("zip", "x"), categorical.used());
        assertEquals(List.of("zip"), categorical.oneHot());
        assertEquals(List.of("date"), categorical.leftOut().stream().map(FeatureSelection.LeftOut::column).toList());
        // zip as a number: distinct integers 10000..10203 span 204 > 2 x 30: not a row number.
        assertTrue(FeatureSelection.of(table, Set.of("y"), null, Set.of()).rowNumbers().isEmpty());
    }

    @Test
    void aNumericColumnWithAStrayTextValueSaysWhich() {
        // 30 distinct numbers, then 'n/a' on row 26 (file line 28): the column is text, so left out, with the hint.
        CsvTable table = table("price,x,y", 30, r -> r == 26 ? "n/a" : Double.toString(1.5 * r), r -> "1", r -> "1");
        FeatureSelection.LeftOut price = FeatureSelection.of(table, Set.of("y"), null, Set.of()).leftOut().get(0);
        assertEquals(new FeatureSelection.LeftOut("price", 30, 30, "'n/a' on line 28"), price);
        assertEquals("it holds numbers, but 'n/a' on line 28 is not one", price.why());
    }

    @Test
    void saysSoWhenNothingIsLeftToLearnFrom() {
        CsvTable table = table("date,y", 30, r -> "d" + r, r -> "1");
        InvalidDataException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidDataException.class,
                () -> FeatureSelection.of(table, Set.of("y"), null, Set.of()));
        assertEquals("t.csv: no feature columns left; the columns [date, y] are all labels or left out ([date: 30 distinct values in "
                + "30 training rows]; name them in TabularTraining.Settings.features to use them). Add columns to learn from.", e.getMessage());
        assertEquals("t.csv: no feature columns left; the columns [date, y] are all labels or left out ([date: 30 distinct values in "
                + "30 training rows]; name them in <features> to use them). Add columns to learn from.", e.message(s -> "<features>"));
    }

    @Test
    void theDefaultPreprocessingLeavesTheColumnOut() {
        CsvTable table = table("date,colour,x,y", 40, r -> "2012-01-" + (r + 1), r -> List.of("red", "green").get(r % 2),
                r -> Integer.toString(r % 7), r -> r % 2 == 0 ? "a" : "b");
        TabularPreprocessor pre = TabularPreprocessor.fit(table, List.of(TaskSpec.parse("y:binary:y")), null, Set.of());
        assertEquals(List.of("colour", "x"), pre.features().stream().map(TabularPreprocessor.Feature::column).toList());
        assertEquals(2 + 1 + 1, pre.inputWidth(), "colour: 2 levels and unknown; x: 1");
        TabularPreprocessor withDate = TabularPreprocessor.fit(table, List.of(TaskSpec.parse("y:binary:y")), List.of("date", "x"), Set.of());
        assertEquals(40 + 1 + 1, withDate.inputWidth(), "named: date's 40 levels and unknown, x");
    }
}
