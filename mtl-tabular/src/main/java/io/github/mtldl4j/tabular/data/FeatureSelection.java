package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which columns a model learns from. Columns named by the caller are used as given. Otherwise every column that is
 * not a label is used, except a categorical one whose values name rows rather than describe them (an ID, a date, a
 * free-text field): one-hot encoding such a column gives every training row a feature of its own, which the model
 * memorizes and which no new row has. Found on the seattle-weather table: its {@code date} column took the model
 * from 4,807 to 79,686 parameters, training loss to 0.0001 and validation accuracy from 0.79 down to 0.53.
 *
 * <p>The rule, on the training rows: a column that is not all numbers (and not named categorical by the caller) is
 * left out when its distinct values are more than {@link #MAX_DISTINCT_SHARE} of its non-missing values and at least
 * {@link #MIN_DISTINCT}. Then most of its values occur once, so most validation rows would fall into the "unknown"
 * level; a real category (a country, a product type) repeats. The minimum spares small tables, where a short list of
 * levels costs little. A numeric column is kept even if it numbers the rows (an {@code id} 1..N): standardized, it is
 * one input with one weight, not a feature per row, and it may carry meaning (a year, a sequence); such a column is
 * reported in {@link #rowNumbers()} so a caller can say so.
 *
 * @param used the feature columns, in table order (or the caller's order)
 * @param oneHot those of {@code used} that will be one-hot encoded (not all numbers, or named categorical); the
 *     others are standardized
 * @param leftOut columns left out by the rule, in table order (empty when the caller named the features)
 * @param rowNumbers used numeric columns that look like row numbers or IDs (empty when the caller named the features)
 * @param named whether the caller named the features
 */
public record FeatureSelection(List<String> used, List<String> oneHot, List<LeftOut> leftOut, List<RowNumber> rowNumbers,
                               boolean named) {
    /** Share of a categorical column's non-missing values that may be distinct before the column is left out. */
    public static final double MAX_DISTINCT_SHARE = 0.5;

    /** Fewest distinct values a left-out column has: below, a column is kept whatever its share. */
    public static final int MIN_DISTINCT = 20;

    /** Copies the lists. */
    public FeatureSelection {
        used = List.copyOf(used);
        oneHot = List.copyOf(oneHot);
        leftOut = List.copyOf(leftOut);
        rowNumbers = List.copyOf(rowNumbers);
    }

    /**
     * A categorical column left out of the default features.
     *
     * @param column its name
     * @param distinct its distinct non-missing values in the training rows
     * @param rows its non-missing values in the training rows
     * @param firstText when the column holds numbers too: the first value that is not a number, with its line (e.g.
     *     {@code 'n/a' on line 1,003}), a hint that the column may be numeric with a stray value; else null
     */
    public record LeftOut(String column, int distinct, int rows, String firstText) {
        /** Why such a column cannot be used as it is: it names rows, or a stray value made a numeric column text. */
        public String why() {
            return firstText == null ? "an ID, a date or free text cannot generalize"
                    : "it holds numbers, but " + firstText + " is not one";
        }

        /** E.g. {@code 1,169 distinct values in 1,169 training rows}. */
        public String reason() {
            return String.format(Locale.ROOT, "%,d distinct values in %,d training rows", distinct, rows);
        }
    }

    /**
     * A numeric feature whose training values are distinct integers packed into a range at most twice the row count,
     * as row numbers and IDs are.
     *
     * @param column its name
     * @param min its smallest training value
     * @param max its largest training value
     * @param rows its training values
     */
    public record RowNumber(String column, long min, long max, int rows) {
        /** E.g. {@code 1,169 distinct integers from 1 to 1,461}. */
        public String reason() {
            return String.format(Locale.ROOT, "%,d distinct integers from %,d to %,d", rows, min, max);
        }
    }

    /**
     * The feature columns of a table.
     *
     * @param train the training rows (the rule is decided on them, as every other part of the preprocessing)
     * @param labelColumns the label columns, never features
     * @param named the caller's feature columns, used as given (checked to exist and not to be labels), or null for
     *     the default
     * @param categorical columns the caller wants one-hot encoded: never left out
     * @throws InvalidDataException for a named column that does not exist or is a label, or when no feature is left
     */
    public static FeatureSelection of(CsvTable train, Set<String> labelColumns, List<String> named, Set<String> categorical) {
        if (named != null) {
            Set<String> seen = new LinkedHashSet<>();
            for (String column : named) {
                train.column(column, "feature column");
                if (labelColumns.contains(column)) {
                    throw new InvalidDataException(SettingMessage.of(train.source() + ": column '" + column + "' is both a feature and a "
                            + "label; a model must not see its labels: remove it from ", TabularSetting.FEATURES, "."));
                }
                seen.add(column);
            }
            if (seen.isEmpty()) {
                throw new InvalidDataException(SettingMessage.of(train.source() + ": no feature columns given; name at least one in ",
                        TabularSetting.FEATURES, "."));
            }
            List<String> oneHot = seen.stream().filter(column -> categorical.contains(column)
                    || !train.numbers(train.column(column, "feature column")).complete()).toList();
            return new FeatureSelection(List.copyOf(seen), oneHot, List.of(), List.of(), true);
        }
        List<String> used = new ArrayList<>();
        List<String> oneHot = new ArrayList<>();
        List<LeftOut> leftOut = new ArrayList<>();
        List<RowNumber> rowNumbers = new ArrayList<>();
        for (int c = 0; c < train.header().size(); c++) {
            String column = train.header().get(c);
            if (labelColumns.contains(column)) {
                continue;
            }
            NumberColumn numbers = categorical.contains(column) ? null : train.numbers(c);
            if (numbers != null && numbers.complete()) {
                RowNumber rowNumber = rowNumber(column, numbers);
                if (rowNumber != null) {
                    rowNumbers.add(rowNumber);
                }
                used.add(column);
                continue;
            }
            LeftOut tooMany = numbers == null ? null : tooManyLevels(train, c, numbers);
            if (tooMany != null) {
                leftOut.add(tooMany);
            } else {
                used.add(column);
                oneHot.add(column);
            }
        }
        if (used.isEmpty()) {
            String allLabels = train.source() + ": no feature columns left; the columns " + train.header() + " are all labels";
            throw new InvalidDataException(leftOut.isEmpty() ? SettingMessage.of(allLabels + ". Add columns to learn from.")
                    : SettingMessage.of(allLabels + " or left out (" + leftOut.stream().map(l -> l.column() + ": " + l.reason()).toList()
                    + "; name them in ", TabularSetting.FEATURES, " to use them). Add columns to learn from."));
        }
        return new FeatureSelection(used, oneHot, leftOut, rowNumbers, false);
    }

    /** The column as left out, or null when its distinct values are few enough. */
    private static LeftOut tooManyLevels(CsvTable train, int c, NumberColumn numbers) {
        Set<String> distinct = new HashSet<>();
        int rows = 0;
        for (int r = 0; r < train.rowCount(); r++) {
            String value = train.value(r, c);
            if (!CsvTable.isMissing(value)) {
                distinct.add(value.trim());
                rows++;
            }
        }
        if (distinct.size() < MIN_DISTINCT || distinct.size() <= MAX_DISTINCT_SHARE * rows) {
            return null;
        }
        int text = numbers.firstNotANumber();
        boolean numbersFirst = false;
        for (int r = 0; r < text && !numbersFirst; r++) {
            numbersFirst = !numbers.isMissing(r);
        }
        return new LeftOut(train.header().get(c), distinct.size(), rows, numbersFirst
                ? String.format(Locale.ROOT, "'%s' on line %,d", train.value(text, c).trim(), train.line(text)) : null);
    }

    /** The column as a row number, or null when some value is missing, not an integer, repeated, or the range is sparse. */
    private static RowNumber rowNumber(String column, NumberColumn numbers) {
        int rows = numbers.parsedRows();
        if (rows < MIN_DISTINCT) {
            return null;
        }
        long[] values = new long[rows];
        for (int r = 0; r < rows; r++) {
            double v = numbers.value(r);
            if (numbers.isMissing(r) || v != Math.rint(v) || Math.abs(v) > 1e15) {
                return null;
            }
            values[r] = (long) v;
        }
        java.util.Arrays.sort(values);
        for (int r = 1; r < rows; r++) {
            if (values[r] == values[r - 1]) {
                return null;
            }
        }
        long min = values[0];
        long max = values[rows - 1];
        return max - min + 1 <= 2L * rows ? new RowNumber(column, min, max, rows) : null;
    }
}
