package io.github.mtldl4j.data;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A CSV file read whole: a header naming the columns, then rows of text values. Quoted fields, commas and
 * newlines inside quotes, CRLF line ends and a UTF-8 byte-order mark are handled as RFC 4180 has them: by Apache
 * Commons CSV, or, for text without a quote character, by a plain split that gives the same records faster. The
 * file must be UTF-8. Every problem is reported with the file and the line.
 *
 * <p>An empty field or {@code NA} is a missing value ({@link #isMissing}).
 */
public final class CsvTable {
    private final String source;
    private final List<String> header;
    /** Per column, its values, row by row (the preprocessing reads a column at a time). */
    private final String[][] columns;
    private final long[] lines;
    /** The table read from the file whose rows these are (null when this is it), and which of its rows. */
    private final CsvTable origin;
    private final int[] originRows;
    /** Per column, its values parsed as numbers once ({@link #numbers}), null until asked for. */
    private final NumberColumn[] numbers;

    private CsvTable(String source, List<String> header, String[][] columns, long[] lines, CsvTable origin, int[] originRows) {
        this.source = source;
        this.header = List.copyOf(header);
        this.columns = columns;
        this.lines = lines;
        this.origin = origin;
        this.originRows = originRows;
        this.numbers = new NumberColumn[this.header.size()];
    }

    /**
     * Reads a CSV file with a header line.
     *
     * @throws InvalidDataException if the file is missing, a directory, not UTF-8, empty, header-only, or ragged
     */
    public static CsvTable read(Path file) {
        String source = file.toString();
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(source + ": is a directory; expected a CSV file.");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(source + ": no such file; expected a CSV file with a header line.");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidDataException(source + ": cannot be read (" + e.getMessage() + ").", e);
        }
        return parse(decode(bytes, source), source);
    }

    private static String decode(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (MalformedInputException e) {
            int offset = firstMalformedOffset(bytes);
            long line = 1;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new InvalidDataException(source + ": line " + line + ": bytes that are not UTF-8 (at byte " + offset
                    + "); save the file as UTF-8.", e);
        } catch (CharacterCodingException e) {
            throw new InvalidDataException(source + ": not UTF-8 text; save the file as UTF-8.", e);
        }
    }

    private static int firstMalformedOffset(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : bytes.length;
    }

    /** Parses CSV text; {@code source} names it in messages. */
    public static CsvTable parse(String text, String source) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isBlank()) {
            throw new InvalidDataException(source + ": empty file; expected a header line naming the columns, then data rows.");
        }
        Rows rows = new Rows(source);
        if (body.indexOf('"') < 0) {
            splitWithoutQuotes(body, rows);
        } else {
            splitWithCommonsCsv(body, rows);
        }
        if (rows.count == 0) {
            throw new InvalidDataException(source + ": a header line but no data rows; expected at least one row.");
        }
        return new CsvTable(source, rows.header, rows.columns(), Arrays.copyOf(rows.lines, rows.count), null, null);
    }

    /** Records as they are split off the text: the first is the header, the others are checked against it. */
    private static final class Rows {
        private final String source;
        private List<String> header;
        private String[][] columns;
        private long[] lines = new long[1024];
        private int count;

        Rows(String source) {
            this.source = source;
        }

        /** Adds the first {@code fields} values of {@code record}. */
        void add(String[] record, int fields, long line) {
            if (header == null) {
                header = header(Arrays.copyOf(record, fields), source);
                columns = new String[fields][lines.length];
                return;
            }
            if (fields != header.size()) {
                throw new InvalidDataException(source + ": line " + line + " has " + fields + " fields, the header has "
                        + header.size() + "; quote fields that contain commas, e.g. \"Smith, J\".");
            }
            if (count == lines.length) {
                lines = Arrays.copyOf(lines, 2 * count);
                for (int c = 0; c < fields; c++) {
                    columns[c] = Arrays.copyOf(columns[c], lines.length);
                }
            }
            for (int c = 0; c < fields; c++) {
                columns[c][count] = record[c];
            }
            lines[count++] = line;
        }

        String[][] columns() {
            String[][] trimmed = new String[columns.length][];
            for (int c = 0; c < columns.length; c++) {
                trimmed[c] = Arrays.copyOf(columns[c], count);
            }
            return trimmed;
        }
    }

    private static void splitWithCommonsCsv(String body, Rows rows) {
        CSVFormat format = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).setIgnoreSurroundingSpaces(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            long nextLine = 1;
            for (CSVRecord record : parser) {
                long line = nextLine;
                nextLine = parser.getCurrentLineNumber() + 1;
                String[] values = record.values();
                rows.add(values, values.length, line);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new InvalidDataException(rows.source + ": not valid CSV (" + e.getMessage() + ").", e);
        }
    }

    /**
     * Splits text without a quote character as Commons CSV does with the format of {@link #splitWithCommonsCsv}, in
     * a fraction of its time: a record per line (LF, CR or CRLF), empty lines skipped, fields split at every comma
     * and stripped of {@link Character#isWhitespace} characters at both ends. A record's line is one past the line
     * break that ended the previous record, as Commons CSV's line count gives it.
     */
    private static void splitWithoutQuotes(String body, Rows rows) {
        int length = body.length();
        boolean carriageReturns = body.indexOf('\r') >= 0;
        int nextLineFeed = -1;
        int nextCarriageReturn = carriageReturns ? -1 : length;
        String[] record = new String[16];
        int position = 0;
        long lineBreaks = 0;
        long nextLine = 1;
        while (position < length) {
            // The line ends at the first LF or CR; each is searched for again only once passed (String.indexOf is fast).
            if (nextLineFeed < position) {
                nextLineFeed = indexOrLength(body.indexOf('\n', position), length);
            }
            if (nextCarriageReturn < position) {
                nextCarriageReturn = indexOrLength(body.indexOf('\r', position), length);
            }
            int end = Math.min(nextLineFeed, nextCarriageReturn);
            if (end > position) {
                int fields = 0;
                int start = position;
                while (true) {
                    int comma = body.indexOf(',', start);
                    int stop = comma < 0 || comma > end ? end : comma;
                    if (fields == record.length) {
                        record = Arrays.copyOf(record, 2 * fields);
                    }
                    record[fields++] = stripped(body, start, stop);
                    if (stop == end) {
                        break;
                    }
                    start = stop + 1;
                }
                rows.add(record, fields, nextLine);
            }
            boolean emptyLine = end == position;
            if (end < length) {
                lineBreaks++;
                end += body.charAt(end) == '\r' && end + 1 < length && body.charAt(end + 1) == '\n' ? 2 : 1;
            }
            if (!emptyLine) {
                nextLine = lineBreaks + 1;
            }
            position = end;
        }
    }

    private static int indexOrLength(int index, int length) {
        return index < 0 ? length : index;
    }

    private static String stripped(String text, int start, int end) {
        while (start < end && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    private static List<String> header(String[] names, String source) {
        Set<String> seen = new HashSet<>();
        List<String> header = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            String name = names[i].trim();
            if (name.isEmpty()) {
                throw new InvalidDataException(source + ": line 1: column " + (i + 1) + " has no name; every column needs a header.");
            }
            if (!seen.add(name)) {
                throw new InvalidDataException(source + ": line 1: column name '" + name + "' appears twice; names must be unique.");
            }
            header.add(name);
        }
        return header;
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
        return columns[column][row];
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
            parsed = whole != null && whole.complete() ? whole.pick(originRows) : NumberColumn.parse(columns[column]);
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
        String[][] subset = new String[columns.length][picked.length];
        long[] subsetLines = new long[picked.length];
        int[] fromOrigin = new int[picked.length];
        for (int i = 0; i < picked.length; i++) {
            int r = picked[i];
            subsetLines[i] = lines[r];
            fromOrigin[i] = origin == null ? r : originRows[r];
        }
        for (int c = 0; c < columns.length; c++) {
            String[] from = columns[c];
            String[] to = subset[c];
            for (int i = 0; i < picked.length; i++) {
                to[i] = from[picked[i]];
            }
        }
        return new CsvTable(source, header, subset, subsetLines, origin == null ? this : origin, fromOrigin);
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
        String[][] newColumns = Arrays.copyOf(columns, columns.length + 1);
        newColumns[columns.length] = values.toArray(new String[0]);
        return new CsvTable(source, newHeader, newColumns, lines, null, null);
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
