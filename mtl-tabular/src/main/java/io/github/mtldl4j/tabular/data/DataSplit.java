package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded split of table rows into training and validation rows, optionally stratified on a column (each value,
 * missing included, is split in the same proportion), so a rare class appears on both sides.
 *
 * @param train training row indexes, ascending
 * @param validation validation row indexes, ascending
 */
public record DataSplit(int[] train, int[] validation) {

    /**
     * Splits {@code table}'s rows.
     *
     * @param validationFraction in (0, 1)
     * @param stratifyColumn the column whose values are split proportionally, or null
     * @throws InvalidDataException for a fraction outside (0, 1) or a split that leaves a side empty
     */
    public static DataSplit of(CsvTable table, double validationFraction, long seed, String stratifyColumn) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new InvalidDataException("validation fraction must be in (0, 1), e.g. 0.2; received " + validationFraction + ".");
        }
        int column = stratifyColumn == null ? -1 : table.column(stratifyColumn, "column to stratify the split on");
        Map<String, RowList> groups = new LinkedHashMap<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String key = column < 0 ? "" : CsvTable.isMissing(table.value(r, column)) ? "\u0000missing" : table.value(r, column).trim();
            groups.computeIfAbsent(key, k -> new RowList(table.rowCount())).add(r);
        }
        Random random = new Random(seed);
        boolean[] validates = new boolean[table.rowCount()];
        int validationRows = 0;
        for (RowList rows : groups.values()) {
            rows.shuffle(random);
            int take = (int) Math.round(rows.size * validationFraction);
            for (int i = 0; i < take; i++) {
                validates[rows.rows[i]] = true;
            }
            validationRows += take;
        }
        if (validationRows == 0 || validationRows == table.rowCount()) {
            throw new InvalidDataException(SettingMessage.of(table.source() + ": " + table.rowCount() + " rows cannot be split "
                    + (1 - validationFraction) + "/" + validationFraction + " with both sides non-empty; use more rows or another ",
                    TabularSetting.VALID_FRACTION, "."));
        }
        // Both sides in ascending order, without sorting.
        int[] train = new int[table.rowCount() - validationRows];
        int[] validation = new int[validationRows];
        for (int r = 0, t = 0, v = 0; r < validates.length; r++) {
            if (validates[r]) {
                validation[v++] = r;
            } else {
                train[t++] = r;
            }
        }
        return new DataSplit(train, validation);
    }

    /** Row indexes without boxing them. */
    private static final class RowList {
        private int[] rows;
        private int size;

        RowList(int capacity) {
            rows = new int[Math.min(capacity, 1024)];
        }

        void add(int row) {
            if (size == rows.length) {
                rows = Arrays.copyOf(rows, 2 * size);
            }
            rows[size++] = row;
        }

        /** The permutation {@link Collections#shuffle(List, Random)} makes of a list, so seeded splits stay as they were. */
        void shuffle(Random random) {
            for (int i = size; i > 1; i--) {
                int j = random.nextInt(i);
                int swapped = rows[i - 1];
                rows[i - 1] = rows[j];
                rows[j] = swapped;
            }
        }
    }
}
