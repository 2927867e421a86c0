package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
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
 * Reads CSV text into a {@link CsvTable}. Quoted fields, commas and newlines inside quotes, CRLF line ends and a UTF-8
 * byte-order mark are handled as RFC 4180 has them: by Apache Commons CSV, or, for text without a quote character, by
 * a plain split that gives the same records faster. The file must be UTF-8. Every problem is reported with the file
 * and the line.
 */
final class CsvReader {

    private CsvReader() {
    }

    /**
     * Reads a CSV file with a header line.
     *
     * @throws InvalidDataException if the file is missing, a directory, not UTF-8, empty, header-only, or ragged
     */
    static CsvTable read(Path file) {
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
        if (isAscii(bytes)) {
            // ASCII is valid UTF-8: copied straight into a string, without the checking decoder's buffer of chars.
            return new String(bytes, StandardCharsets.US_ASCII);
        }
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

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static int firstMalformedOffset(byte[] bytes) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        var result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : bytes.length;
    }

    /** Parses CSV text; {@code source} names it in messages. */
    static CsvTable parse(String text, String source) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        if (body.isBlank()) {
            throw new InvalidDataException(source + ": empty file; expected a header line naming the columns, then data rows.");
        }
        Rows rows = new Rows(source);
        String values;
        if (body.indexOf('"') < 0) {
            splitWithoutQuotes(body, rows);
            values = body;
        } else {
            values = splitWithCommonsCsv(body, rows);
        }
        if (rows.count == 0) {
            throw new InvalidDataException(source + ": a header line but no data rows; expected at least one row.");
        }
        return new CsvTable(source, rows.header, values, rows.trimmed(rows.starts), rows.trimmed(rows.ends),
                rows.lines.length == rows.count ? rows.lines : Arrays.copyOf(rows.lines, rows.count), null, null);
    }

    /** Records as they are split off the text: the first is the header, the others are checked against it. */
    private static final class Rows {
        private final String source;
        private List<String> header;
        private int[][] starts;
        private int[][] ends;
        private long[] lines = new long[1024];
        private int count;

        Rows(String source) {
            this.source = source;
        }

        void header(String[] names) {
            header = CsvReader.header(names, source);
            starts = new int[names.length][lines.length];
            ends = new int[names.length][lines.length];
        }

        /** Adds a row: where its first {@code fields} values start and end in the text. */
        void add(int[] valueStarts, int[] valueEnds, int fields, long line) {
            if (fields != header.size()) {
                throw new InvalidDataException(source + ": line " + line + " has " + fields + " fields, the header has "
                        + header.size() + "; quote fields that contain commas, e.g. \"Smith, J\".");
            }
            if (count == lines.length) {
                lines = Arrays.copyOf(lines, 2 * count);
                for (int c = 0; c < fields; c++) {
                    starts[c] = Arrays.copyOf(starts[c], lines.length);
                    ends[c] = Arrays.copyOf(ends[c], lines.length);
                }
            }
            for (int c = 0; c < fields; c++) {
                starts[c][count] = valueStarts[c];
                ends[c][count] = valueEnds[c];
            }
            lines[count++] = line;
        }

        int[][] trimmed(int[][] columns) {
            int[][] out = new int[columns.length][];
            for (int c = 0; c < columns.length; c++) {
                out[c] = columns[c].length == count ? columns[c] : Arrays.copyOf(columns[c], count);
            }
            return out;
        }
    }

    /** Returns the text of the values, back to back. */
    private static String splitWithCommonsCsv(String body, Rows rows) {
        StringBuilder values = new StringBuilder(body.length());
        CSVFormat format = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).setIgnoreSurroundingSpaces(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            long nextLine = 1;
            int[] valueStarts = new int[16];
            int[] valueEnds = new int[16];
            for (CSVRecord record : parser) {
                long line = nextLine;
                nextLine = parser.getCurrentLineNumber() + 1;
                String[] fields = record.values();
                if (rows.header == null) {
                    rows.header(fields);
                    continue;
                }
                if (fields.length > valueStarts.length) {
                    valueStarts = new int[fields.length];
                    valueEnds = new int[fields.length];
                }
                for (int f = 0; f < fields.length; f++) {
                    valueStarts[f] = values.length();
                    values.append(fields[f]);
                    valueEnds[f] = values.length();
                }
                rows.add(valueStarts, valueEnds, fields.length, line);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new InvalidDataException(rows.source + ": not valid CSV (" + e.getMessage() + ").", e);
        }
        return values.toString();
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
        int[] valueStarts = new int[16];
        int[] valueEnds = new int[16];
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
                    if (fields == valueStarts.length) {
                        valueStarts = Arrays.copyOf(valueStarts, 2 * fields);
                        valueEnds = Arrays.copyOf(valueEnds, 2 * fields);
                    }
                    // Surrounding whitespace is left out of the value.
                    int from = start;
                    int to = stop;
                    while (from < to && isWhitespace(body.charAt(from))) {
                        from++;
                    }
                    while (to > from && isWhitespace(body.charAt(to - 1))) {
                        to--;
                    }
                    valueStarts[fields] = from;
                    valueEnds[fields++] = to;
                    if (stop == end) {
                        break;
                    }
                    start = stop + 1;
                }
                if (rows.header == null) {
                    String[] names = new String[fields];
                    for (int f = 0; f < fields; f++) {
                        names[f] = body.substring(valueStarts[f], valueEnds[f]);
                    }
                    rows.header(names);
                } else {
                    rows.add(valueStarts, valueEnds, fields, nextLine);
                }
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

    /** {@link Character#isWhitespace}, deciding printable ASCII (most characters here) with one comparison. */
    private static boolean isWhitespace(char c) {
        return (c <= ' ' || c >= 0x7F) && Character.isWhitespace(c);
    }

    private static int indexOrLength(int index, int length) {
        return index < 0 ? length : index;
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
}
