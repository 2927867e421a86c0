package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A CSV file read whole: a header naming the columns, then rows of text values, each row with the line of the file it
 * starts on, for messages. {@link #read} reads one ({@code CsvReader}: RFC 4180 via Apache Commons CSV, UTF-8, every
 * problem reported with the file and the line). The values are kept as places in one text (the file's own, when it
 * has no quotes) and become strings only when asked for, so a numeric column is parsed straight from the file's text
 * ({@link #numbers}) and never held as a million small strings.
 *
 * <p>An empty field or {@code NA} is a missing value ({@link #isMissing}).
 */
public final class CsvTable {
    private final String source;
    private final List<String> header;
    /** Every value of the table, back to back or with separators between them. */
    private final String text;
    /** Per column, per row: where its value starts and ends in {@link #text} (the preprocessing reads a column at a time). */
    private final int[][] starts;
    private final int[][] ends;
    private final long[] lines;
    /** The table read from the file whose rows these are (null when this is it), and which of its rows. */
    private final CsvTable origin;
    private final int[] originRows;
    /** Per column, its values parsed as numbers once ({@link #numbers}), null until asked for. */
    private final NumberColumn[] numbers;
    /** Per row the file it came from, when the rows were stacked from several files ({@link #stack}); else null. */
    private String[] rowSources;
    /** Per column, its values as strings, made when a value of the column is first asked for ({@link #value}). */
    private final AtomicReferenceArray<String[]> strings;

    /** A table over {@code text}; {@link CsvReader} makes the first of a file, the others are picked from it. */
    CsvTable(String source, List<String> header, String text, int[][] starts, int[][] ends, long[] lines, CsvTable origin,
             int[] originRows) {
        this.source = source;
        this.header = List.copyOf(header);
        this.text = text;
        this.starts = starts;
        this.ends = ends;
        this.lines = lines;
        this.origin = origin;
        this.originRows = originRows;
        this.numbers = new NumberColumn[this.header.size()];
        this.strings = new AtomicReferenceArray<>(this.header.size());
    }

    /**
     * Reads a CSV file with a header line.
     *
     * @throws InvalidDataException if the file is missing, a directory, not UTF-8, empty, header-only, or ragged
     */
    public static CsvTable read(Path file) {
        return CsvReader.read(file);
    }

    /** Parses CSV text; {@code source} names it in messages. */
    public static CsvTable parse(String text, String source) {
        return CsvReader.parse(text, source);
    }

    /** Where the data came from (the file name). */
    public String source() {
        return source;
    }

    /** Column names in file order. */
    public List<String> header() {
        return header;
    }

    /** Number of data rows. */
    public int rowCount() {
        return lines.length;
    }

    /** The text of row {@code row} (0-based) in column {@code column} (0-based). */
    public String value(int row, int column) {
        String[] values = strings.get(column);
        return (values != null ? values : strings(column))[row];
    }

    /** A column's values as strings, made once for the table the rows were picked from and shared with its subsets. */
    private String[] strings(int column) {
        String[] values = strings.get(column);
        if (values == null) {
            int rows = rowCount();
            values = new String[rows];
            if (origin != null) {
                String[] whole = origin.strings(column);
                for (int r = 0; r < rows; r++) {
                    values[r] = whole[originRows[r]];
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    values[r] = text.substring(starts[column][r], ends[column][r]);
                }
            }
            strings.compareAndSet(column, null, values);
            values = strings.get(column);
        }
        return values;
    }

    /**
     * Where a data row is, for messages: e.g. {@code penguins.csv: line 12}; in a table stacked from several files,
     * the row's own file.
     */
    public String where(int row) {
        return sourceOf(row) + ": line " + lines[row];
    }

    private String sourceOf(int row) {
        return origin != null ? origin.sourceOf(originRows[row]) : rowSources == null ? source : rowSources[row];
    }

    /**
     * These rows as lines {@code lines} of the files {@code sources} (per row), for rows parsed out of bigger files
     * (e.g. a Spark partition of them), so that messages name the file and line a row came from.
     *
     * @throws IllegalArgumentException if this table was picked from another, or the arrays have not one entry per row
     */
    public CsvTable at(String[] sources, long[] lines) {
        if (origin != null || rowSources != null || lines.length != rowCount() || sources.length != rowCount()) {
            throw new IllegalArgumentException("at(sources, lines) needs a parsed table and one file and line per row; received "
                    + sources.length + " files and " + lines.length + " lines for " + rowCount() + " rows.");
        }
        CsvTable placed = new CsvTable(source, header, text, starts, ends, lines.clone(), null, null);
        placed.rowSources = sources.clone();
        return placed;
    }

    /** The line of the file a data row starts on (the header is line 1). */
    public long line(int row) {
        return lines[row];
    }

    /**
     * A column's values as numbers, each parsed once however often it is asked for (the preprocessing reads every
     * numeric column when fitting and again when encoding); the rows of {@link #rows(int[])} share the parse of the
     * table they were picked from.
     */
    synchronized NumberColumn numbers(int column) {
        NumberColumn parsed = numbers[column];
        if (parsed == null) {
            NumberColumn whole = origin == null ? null : origin.numbers(column);
            parsed = whole != null && whole.complete() ? whole.pick(originRows) : NumberColumn.parse(text, starts[column], ends[column]);
            numbers[column] = parsed;
        }
        return parsed;
    }

    /**
     * The index of a column.
     *
     * @param role what the column is for, in the error message (e.g. "label column of task 'sex'")
     * @throws InvalidDataException naming the file, the missing column and the columns there are
     */
    public int column(String name, String role) {
        int index = header.indexOf(name);
        if (index < 0) {
            throw new InvalidDataException(source + ": no column '" + name + "' (" + role + "); the columns are " + header + ".");
        }
        return index;
    }

    /** The rows at the given indexes, in that order, as a table of its own. */
    public CsvTable rows(int[] picked) {
        long[] subsetLines = new long[picked.length];
        int[] fromOrigin = new int[picked.length];
        for (int i = 0; i < picked.length; i++) {
            int r = picked[i];
            subsetLines[i] = lines[r];
            fromOrigin[i] = origin == null ? r : originRows[r];
        }
        return new CsvTable(source, header, text, pick(starts, picked), pick(ends, picked), subsetLines, origin == null ? this : origin,
                fromOrigin);
    }

    private static int[][] pick(int[][] columns, int[] rows) {
        int[][] picked = new int[columns.length][rows.length];
        for (int c = 0; c < columns.length; c++) {
            int[] from = columns[c];
            int[] to = picked[c];
            for (int i = 0; i < rows.length; i++) {
                to[i] = from[rows[i]];
            }
        }
        return picked;
    }

    /**
     * This table with one more column at the end, e.g. a feature derived from another column.
     *
     * @param values one per row
     */
    public CsvTable withColumn(String name, List<String> values) {
        if (header.contains(name)) {
            throw new InvalidDataException(source + ": column '" + name + "' exists already.");
        }
        if (values.size() != rowCount()) {
            throw new IllegalArgumentException("expected " + rowCount() + " values for column '" + name + "', received " + values.size() + ".");
        }
        List<String> newHeader = new ArrayList<>(header);
        newHeader.add(name);
        StringBuilder newText = new StringBuilder(text);
        int[] valueStarts = new int[values.size()];
        int[] valueEnds = new int[values.size()];
        for (int r = 0; r < values.size(); r++) {
            valueStarts[r] = newText.length();
            newText.append(values.get(r));
            valueEnds[r] = newText.length();
        }
        int[][] newStarts = Arrays.copyOf(starts, starts.length + 1);
        int[][] newEnds = Arrays.copyOf(ends, ends.length + 1);
        newStarts[starts.length] = valueStarts;
        newEnds[ends.length] = valueEnds;
        CsvTable widened = new CsvTable(source, newHeader, newText.toString(), newStarts, newEnds, lines, null, null);
        if (origin == null) {
            widened.rowSources = rowSources;
        } else if (origin.rowSources != null) {
            widened.rowSources = new String[rowCount()];
            for (int r = 0; r < rowCount(); r++) {
                widened.rowSources[r] = sourceOf(r);
            }
        }
        return widened;
    }

    /**
     * The rows of several tables one after another, as one table with {@code header}: column c of a row of table i is
     * that table's column {@code columns.get(i)[c]}, or empty (missing) where that is -1. Rows keep their lines.
     */
    static CsvTable stack(String source, List<String> header, List<CsvTable> tables, List<int[]> columns) {
        int rows = tables.stream().mapToInt(CsvTable::rowCount).sum();
        StringBuilder text = new StringBuilder();
        int[][] starts = new int[header.size()][rows];
        int[][] ends = new int[header.size()][rows];
        long[] lines = new long[rows];
        String[] sources = new String[rows];
        int row = 0;
        for (int t = 0; t < tables.size(); t++) {
            CsvTable table = tables.get(t);
            int[] from = columns.get(t);
            for (int r = 0; r < table.rowCount(); r++, row++) {
                lines[row] = table.line(r);
                sources[row] = table.sourceOf(r);
                for (int c = 0; c < header.size(); c++) {
                    starts[c][row] = text.length();
                    if (from[c] >= 0) {
                        text.append(table.value(r, from[c]));
                    }
                    ends[c][row] = text.length();
                }
            }
        }
        CsvTable stacked = new CsvTable(source, header, text.toString(), starts, ends, lines, null, null);
        stacked.rowSources = sources;
        return stacked;
    }

    /** An empty field or {@code NA} (any case) is a missing value. */
    public static boolean isMissing(String value) {
        if (value != null && !value.isEmpty()) {
            char first = value.charAt(0);
            if (first >= '0' && first <= '9' || first == '-' || first == '.') {
                return false; // the common case of a number, decided without scanning the value
            }
        }
        return value == null || value.isBlank() || value.trim().equalsIgnoreCase("NA");
    }
}
