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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * {@link CsvTable} as it was before the quote-free fast path and the cached number columns (commit 3ff3bb5): every
 * file through Apache Commons CSV. The reference the fast path must match, and the "before" side of
 * {@link DataPathTiming}.
 */
final class ReferenceCsvTable {
    private final String source;
    private final List<String> header;
    private final List<String[]> rows;
    private final List<Long> lines;

    private ReferenceCsvTable(String source, List<String> header, List<String[]> rows, List<Long> lines) {
        this.source = source;
        this.header = List.copyOf(header);
        this.rows = rows;
        this.lines = lines;
    }

    /**
     * Reads a CSV file with a header line.
     *
     * @throws InvalidDataException if the file is missing, a directory, not UTF-8, empty, header-only, or ragged
     */
    public static ReferenceCsvTable read(Path file) {
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
    public static ReferenceCsvTable parse(String text, String source) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isBlank()) {
            throw new InvalidDataException(source + ": empty file; expected a header line naming the columns, then data rows.");
        }
        CSVFormat format = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).setIgnoreSurroundingSpaces(true).get();
        List<String> header = null;
        List<String[]> rows = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            long nextLine = 1;
            for (CSVRecord record : parser) {
                long line = nextLine;
                nextLine = parser.getCurrentLineNumber() + 1;
                String[] values = record.values();
                if (header == null) {
                    header = header(values, source);
                    continue;
                }
                if (values.length != header.size()) {
                    throw new InvalidDataException(source + ": line " + line + " has " + values.length + " fields, the header has "
                            + header.size() + "; quote fields that contain commas, e.g. \"Smith, J\".");
                }
                rows.add(values);
                lines.add(line);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new InvalidDataException(source + ": not valid CSV (" + e.getMessage() + ").", e);
        }
        if (rows.isEmpty()) {
            throw new InvalidDataException(source + ": a header line but no data rows; expected at least one row.");
        }
        return new ReferenceCsvTable(source, header, rows, lines);
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
        return rows.size();
    }

    /** The text of row {@code row} (0-based) in column {@code column} (0-based). */
    public String value(int row, int column) {
        return rows.get(row)[column];
    }

    /** The line of the file a data row starts on (the header is line 1). */
    public long line(int row) {
        return lines.get(row);
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
    public ReferenceCsvTable rows(int[] picked) {
        List<String[]> subset = new ArrayList<>(picked.length);
        List<Long> subsetLines = new ArrayList<>(picked.length);
        for (int r : picked) {
            subset.add(rows.get(r));
            subsetLines.add(lines.get(r));
        }
        return new ReferenceCsvTable(source, header, subset, subsetLines);
    }

    /**
     * This table with one more column at the end, e.g. a feature derived from another column.
     *
     * @param values one per row
     */
    public ReferenceCsvTable withColumn(String name, List<String> values) {
        if (header.contains(name)) {
            throw new InvalidDataException(source + ": column '" + name + "' exists already.");
        }
        if (values.size() != rows.size()) {
            throw new IllegalArgumentException("expected " + rows.size() + " values for column '" + name + "', received " + values.size() + ".");
        }
        List<String> newHeader = new ArrayList<>(header);
        newHeader.add(name);
        List<String[]> newRows = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            String[] row = java.util.Arrays.copyOf(rows.get(r), header.size() + 1);
            row[header.size()] = values.get(r);
            newRows.add(row);
        }
        return new ReferenceCsvTable(source, newHeader, newRows, lines);
    }

    /** An empty field or {@code NA} (any case) is a missing value. */
    public static boolean isMissing(String value) {
        return value == null || value.isBlank() || value.trim().equalsIgnoreCase("NA");
    }
}
