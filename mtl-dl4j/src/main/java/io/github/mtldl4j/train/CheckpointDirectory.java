package io.github.mtldl4j.train;

import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.setting.TrainingSetting;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of training checkpoints: {@code checkpoint-epoch-NNNNNN.zip} every few epochs (the newest
 * {@value #KEEP} kept) and {@code best.zip}, the checkpoint of the best epoch by the stopping criterion.
 *
 * <p>A checkpoint is one zip: the model as {@code MultiTaskModel.save} writes it (parameters, optimizer state, task
 * metadata), the trainer's state as JSON (epoch, random generators, loss-weighting state, history, early-stopping
 * state) and a manifest {@value #MANIFEST} with the SHA-256 of every other entry. It is written atomically
 * ({@link AtomicFile}: temporary file, flush to disk, rename). On resume the newest checkpoint whose manifest verifies
 * is used; a truncated or corrupt one is skipped with a warning and renamed to {@code *.corrupt}, so it is neither
 * used nor counted among the kept ones again.
 */
public final class CheckpointDirectory {
    /** Regular checkpoints kept. */
    public static final int KEEP = 2;
    /** File of the best epoch's checkpoint. */
    public static final String BEST = "best.zip";
    static final String MANIFEST = "SHA256SUMS";
    /**
     * System property, for kill tests only: the epoch whose regular checkpoint write pauses for a minute after the
     * content is written and before the rename, so that a test can kill the process in the middle of the write.
     */
    public static final String TEST_PAUSE_PROPERTY = "mtl.checkpoint.testPauseAtEpoch";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointDirectory.class);
    private static final Pattern REGULAR = Pattern.compile("checkpoint-epoch-(\\d+)\\.zip");

    private final Path dir;

    /** The checkpoints in {@code dir} (created when the first one is written). */
    public CheckpointDirectory(Path dir) {
        this.dir = dir;
    }

    /** The directory. */
    public Path dir() {
        return dir;
    }

    /** The regular checkpoint files present, newest epoch first (not verified). */
    public List<Path> checkpoints() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> REGULAR.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(CheckpointDirectory::epochOf).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not list checkpoints in " + dir, e);
        }
    }

    private static int epochOf(Path checkpoint) {
        Matcher m = REGULAR.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Writes the checkpoint of {@code epoch} and deletes regular checkpoints beyond the newest {@value #KEEP}. */
    void write(int epoch, Map<String, byte[]> entries) throws IOException {
        writeFile(dir.resolve(String.format(java.util.Locale.ROOT, "checkpoint-epoch-%06d.zip", epoch)), entries,
                Integer.getInteger(TEST_PAUSE_PROPERTY, -1) == epoch);
        List<Path> all = checkpoints();
        for (int i = KEEP; i < all.size(); i++) {
            Files.deleteIfExists(all.get(i));
        }
    }

    /** Writes the best epoch's checkpoint. */
    void writeBest(Map<String, byte[]> entries) throws IOException {
        writeFile(dir.resolve(BEST), entries, false);
    }

    private static void writeFile(Path file, Map<String, byte[]> entries, boolean pauseForKillTest) throws IOException {
        AtomicFile.write(file, tmp -> {
            StringBuilder manifest = new StringBuilder();
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
                for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                    zip.putNextEntry(new ZipEntry(entry.getKey()));
                    zip.write(entry.getValue());
                    zip.closeEntry();
                    manifest.append(sha256(entry.getValue())).append("  ").append(entry.getKey()).append('\n');
                }
                zip.putNextEntry(new ZipEntry(MANIFEST));
                zip.write(manifest.toString().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            if (pauseForKillTest) {
                pauseForKillTest();
            }
        });
    }

    private static void pauseForKillTest() {
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The entries of the newest regular checkpoint that verifies. Checkpoints that fail verification are renamed to
     * {@code *.corrupt}, each with a warning.
     *
     * @throws IllegalArgumentException if the directory holds no checkpoint, or none that verifies
     */
    Map<String, byte[]> newestValid() {
        List<Path> candidates = checkpoints();
        if (candidates.isEmpty()) {
            throw new InvalidSettingException(TrainingSetting.CHECKPOINTS, SettingMessage.of("No checkpoint to resume from in " + dir
                    + ": expected checkpoint-epoch-*.zip files written by a run with checkpoints on (", TrainingSetting.CHECKPOINTS, ")."));
        }
        List<String> failures = new ArrayList<>();
        for (Path candidate : candidates) {
            try {
                return read(candidate);
            } catch (IOException e) {
                LOG.warn("Skipping checkpoint {}: {}; falling back to the previous one", candidate, e.getMessage());
                failures.add(candidate.getFileName() + ": " + e.getMessage());
                try {
                    Files.move(candidate, candidate.resolveSibling(candidate.getFileName() + ".corrupt"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException moveFailure) {
                    LOG.warn("Could not rename the corrupt checkpoint {}: {}", candidate, moveFailure.getMessage());
                }
            }
        }
        throw new IllegalArgumentException("No usable checkpoint in " + dir + ": every one failed verification (" + failures + ").");
    }

    /**
     * Reads and verifies one checkpoint file.
     *
     * @throws IOException if it is not a complete zip, lacks the manifest or an entry, or a checksum differs
     */
    static Map<String, byte[]> read(Path file) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                entries.put(entry.getName(), readAll(zip));
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("not a complete checkpoint zip (" + e.getMessage() + ")", e);
        }
        byte[] manifest = entries.remove(MANIFEST);
        if (manifest == null) {
            throw new IOException("no " + MANIFEST + " manifest (truncated or not a checkpoint)");
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                int space = line.indexOf("  ");
                if (space < 0) {
                    throw new IOException("malformed manifest line '" + line + "'");
                }
                expected.put(line.substring(space + 2), line.substring(0, space));
            }
        }
        if (!expected.keySet().equals(entries.keySet())) {
            throw new IOException("entries " + entries.keySet() + " differ from the manifest's " + expected.keySet());
        }
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String actual = sha256(entries.get(e.getKey()));
            if (!actual.equals(e.getValue())) {
                throw new IOException("SHA-256 of " + e.getKey() + " is " + actual + ", the manifest says " + e.getValue());
            }
        }
        return entries;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /** Deletes temporary files left by a write that was interrupted (a killed process). */
    void removeInterruptedWrites() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(".") && p.getFileName().toString().endsWith(".tmp")
                    && (p.getFileName().toString().startsWith(".checkpoint-") || p.getFileName().toString().startsWith("." + BEST))).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("Could not remove interrupted checkpoint writes in {}: {}", dir, e.getMessage());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The epoch of a regular checkpoint file's name, or empty. */
    public static Optional<Integer> epochOfFile(Path file) {
        int epoch = epochOf(file);
        return epoch < 0 ? Optional.empty() : Optional.of(epoch);
    }
}
