package io.github.mtldl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks an output directory before any work starts, so a bad --out fails fast, and creates it only when the
 * outputs are written: a run that fails on bad input leaves nothing behind.
 */
final class OutputDirectory {
    private OutputDirectory() {
    }

    /** Fails unless {@code dir} is a writable directory or could be created as one; creates nothing. */
    static void check(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("--out " + dir + ": is a file; expected a directory for the outputs.");
        }
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new IllegalArgumentException("--out " + dir + ": cannot be created (" + existing + " is not a directory).");
        }
        try {
            Path probe = Files.createTempFile(existing, ".mtl-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new IllegalArgumentException("--out " + dir + ": cannot write in " + existing + " (" + e.getMessage()
                    + "); choose a writable directory.", e);
        }
    }

    /** Creates the directory for writing the outputs. */
    static Path create(Path dir) throws IOException {
        return Files.createDirectories(dir);
    }
}
