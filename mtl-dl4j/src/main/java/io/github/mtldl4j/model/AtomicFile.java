package io.github.mtldl4j.model;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a partial
 * file: the content goes to a temporary file in the same directory, is flushed to disk, and is renamed over
 * the target; the directory entry is flushed too where the file system allows. A failure leaves the target
 * untouched and no temporary file behind.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Writes the content of a file given its path. */
    @FunctionalInterface
    public interface Content {
        /** Writes the complete content into {@code file} (which exists and is empty). */
        void writeTo(Path file) throws IOException;
    }

    /** Replaces {@code target} with what {@code content} writes. */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
        try {
            content.writeTo(tmp);
            readableLikeANewFile(tmp, absolute);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            } catch (IOException ignored) {
                // Some file systems cannot sync a directory; the rename itself is still atomic.
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Temporary files are created owner-only; the result gets the permissions of the file it replaces, or
     * rw-r--r-- for a new one (where the file system has POSIX permissions).
     */
    private static void readableLikeANewFile(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            return;
        }
        Files.setPosixFilePermissions(tmp, Files.exists(target) ? Files.getPosixFilePermissions(target)
                : java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** Replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, file -> Files.writeString(file, text, java.nio.charset.StandardCharsets.UTF_8));
    }
}
