package io.github.mtldl4j.examples.data;

import io.github.mtldl4j.data.InvalidDataException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes (the MNIST and Fashion-MNIST format), plain or gzipped: magic {@code 0x0000 0x08 D},
 * D big-endian dimension sizes, then the bytes. DL4J's own IDX readers live in its datasets module with its download
 * code; this reader is 60 lines and reads the Debian package's gzipped files directly.
 *
 * @param dimensions sizes, outermost first (e.g. [60000, 28, 28] for images, [60000] for labels)
 * @param data the values, row-major, each in 0..255
 */
public record IdxFile(int[] dimensions, byte[] data) {

    /** Reads a file; {@code .gz} files are decompressed. */
    public static IdxFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file + ": no such IDX file" + (file.toString().contains("fashion-mnist")
                    ? "; install Fashion-MNIST with: apt-get install -y dataset-fashion-mnist" : "") + ".");
        }
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != 0x08) {
                throw new InvalidDataException(file + ": not an IDX file of unsigned bytes (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x0000080D with D dimensions).");
            }
            int rank = magic & 0xFF;
            if (rank < 1 || rank > 4) {
                throw new InvalidDataException(file + ": IDX rank " + rank + " is not supported (1 to 4).");
            }
            int[] dimensions = new int[rank];
            long size = 1;
            for (int d = 0; d < rank; d++) {
                dimensions[d] = data.readInt();
                if (dimensions[d] < 0) {
                    throw new InvalidDataException(file + ": negative IDX dimension " + dimensions[d] + ".");
                }
                size *= dimensions[d];
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw new InvalidDataException(file + ": " + size + " values do not fit in memory as one array.");
            }
            byte[] values = new byte[(int) size];
            data.readFully(values);
            return new IdxFile(dimensions, values);
        } catch (EOFException e) {
            throw new InvalidDataException(file + ": truncated IDX file (fewer values than its header announces).", e);
        } catch (IOException e) {
            throw new InvalidDataException(file + ": cannot be read as IDX (" + e.getMessage() + ").", e);
        }
    }

    /** The value at a flat index, as 0..255. */
    public int unsigned(int index) {
        return data[index] & 0xFF;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxFile other && Arrays.equals(dimensions, other.dimensions) && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(dimensions) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "IdxFile" + Arrays.toString(dimensions);
    }
}
