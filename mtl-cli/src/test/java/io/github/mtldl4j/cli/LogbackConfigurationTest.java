package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.xml.sax.SAXParseException;

/**
 * Every {@code logback*.xml} in the repository is well-formed XML and configures Logback without a warning or error.
 * A broken configuration (an XML comment containing two hyphens, say) is otherwise invisible to the in-process tests,
 * which use {@code logback-test.xml}, while every {@code ./mtl} command prints Logback's stack trace and status lines.
 */
class LogbackConfigurationTest {

    /** The repository root: the nearest folder above this module's that holds the launcher and the parent POM. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mtl")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new AssertionError("no repository root (a folder with ./mtl and pom.xml) above " + Path.of("").toAbsolutePath());
    }

    private static List<Path> logbackFiles() throws IOException {
        Path root = repositoryRoot();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.getFileName().toString().matches("logback.*\\.xml"))
                    .filter(p -> !root.relativize(p).toString().matches("(.*/)?(target|\\.git)/.*"))
                    .sorted().toList();
        }
    }

    @Test
    void everyLogbackConfigurationParsesWithoutWarnings() throws Exception {
        List<Path> files = logbackFiles();
        // The application's and one per module for tests: finding none means the walk is broken.
        assertTrue(files.size() >= 4, "found only " + files);
        for (Path file : files) {
            try {
                DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
            } catch (SAXParseException e) {
                throw new AssertionError(file + " line " + e.getLineNumber() + ": " + e.getMessage());
            }
            LoggerContext context = new LoggerContext();
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(file.toFile());
            List<Status> problems = context.getStatusManager().getCopyOfStatusList().stream()
                    .filter(s -> s.getEffectiveLevel() >= Status.WARN).toList();
            assertEquals(List.of(), problems.stream().map(Status::getMessage).toList(), file.toString());
            context.stop();
        }
    }

    @Test
    void aCommentWithTwoHyphensIsCaught() throws Exception {
        Path broken = Files.createTempFile("logback-broken", ".xml");
        try {
            Files.writeString(broken, "<configuration>\n  <!-- mtl train --spark -->\n</configuration>\n");
            LoggerContext context = new LoggerContext();
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            try {
                configurator.doConfigure(broken.toFile());
            } catch (ch.qos.logback.core.joran.spi.JoranException expected) {
                // Logback reports it through the exception and its status list.
            }
            assertFalse(context.getStatusManager().getCopyOfStatusList().stream().noneMatch(s -> s.getEffectiveLevel() >= Status.WARN),
                    "Logback accepted a comment with two hyphens");
        } finally {
            Files.delete(broken);
        }
    }
}
