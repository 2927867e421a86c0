package io.github.mtldl4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@link DataSplit} as it was before it shuffled int arrays (commit 3ff3bb5): the reference a split must match.
 */
record ReferenceDataSplit(int[] train, int[] validation) {

    /**
     * Splits {@code table}'s rows.
     *
     * @param validationFraction in (0, 1)
     * @param stratifyColumn the column whose values are split proportionally, or null
     * @throws InvalidDataException for a fraction outside (0, 1) or a split that leaves a side empty
     */
    public static ReferenceDataSplit of(ReferenceCsvTable table, double validationFraction, long seed, String stratifyColumn) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new InvalidDataException("validation fraction must be in (0, 1), e.g. 0.2; received " + validationFraction + ".");
        }
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        int column = stratifyColumn == null ? -1 : table.column(stratifyColumn, "column to stratify the split on");
        for (int r = 0; r < table.rowCount(); r++) {
            String key = column < 0 ? "" : ReferenceCsvTable.isMissing(table.value(r, column)) ? "\u0000missing" : table.value(r, column).trim();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        Random random = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> validation = new ArrayList<>();
        for (List<Integer> rows : groups.values()) {
            Collections.shuffle(rows, random);
            int take = (int) Math.round(rows.size() * validationFraction);
            validation.addAll(rows.subList(0, take));
            train.addAll(rows.subList(take, rows.size()));
        }
        if (train.isEmpty() || validation.isEmpty()) {
            throw new InvalidDataException(table.source() + ": " + table.rowCount() + " rows cannot be split " + (1 - validationFraction)
                    + "/" + validationFraction + " with both sides non-empty; use more rows or another --valid fraction.");
        }
        return new ReferenceDataSplit(sorted(train), sorted(validation));
    }

    private static int[] sorted(List<Integer> rows) {
        int[] out = rows.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(out);
        return out;
    }
}
