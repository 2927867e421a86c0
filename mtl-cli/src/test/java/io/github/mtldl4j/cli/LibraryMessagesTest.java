package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.setting.TrainingSetting;
import io.github.mtldl4j.tabular.TabularSetting;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule that library messages name API calls and the command line its flags: no string literal of the library's
 * main code (mtl-dl4j, mtl-tabular, mtl-spark) holds a command-line flag, and the command line has a flag for every setting the
 * library's messages name.
 */
class LibraryMessagesTest {
    /** A flag: two dashes and a letter, not inside a word ({@code rw-r--r--} is a permission, not a flag). */
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z]");

    @Test
    void libraryStringLiteralsNameNoCommandLineFlag() throws IOException {
        List<String> found = new ArrayList<>();
        int files = 0;
        for (String module : List.of("mtl-dl4j", "mtl-tabular", "mtl-spark")) {
            Path sources = Path.of("..", module, "src", "main", "java");
            assertTrue(Files.isDirectory(sources), sources.toAbsolutePath() + " (the test runs from mtl-cli)");
            try (Stream<Path> walk = Files.walk(sources)) {
                for (Path file : walk.filter(f -> f.toString().endsWith(".java")).toList()) {
                    files++;
                    for (String literal : stringLiterals(Files.readString(file))) {
                        if (FLAG.matcher(literal).find()) {
                            found.add(sources.relativize(file) + ": \"" + literal + "\"");
                        }
                    }
                }
            }
        }
        assertTrue(files > 100, "scanned only " + files + " files");
        assertEquals(List.of(), found, "library messages must name the API (io.github.mtldl4j.setting.Setting), not the "
                + "command line's flags; CommandLineFlags maps settings to flags");
    }

    @Test
    void theScannerSeesLiteralsAndSkipsComments() {
        String source = "// \"--in-line-comment\"\n/* \"--block\" */ String a = \"x --lr y\" + '\"' + \"\\\"--escaped\";\n"
                + "String b = \"\"\"\n  text --block\n  \"\"\"; char c = '\\'';";
        List<String> literals = stringLiterals(source);
        assertEquals(List.of("x --lr y", "\\\"--escaped", "\n  text --block\n  "), literals);
        assertEquals(List.of("x --lr y", "\\\"--escaped", "\n  text --block\n  "),
                literals.stream().filter(l -> FLAG.matcher(l).find()).toList());
        assertTrue(!FLAG.matcher("rw-r--r--").find());
    }

    @Test
    void everySettingHasAFlag() {
        List<Setting> missing = Stream.of(TrainingSetting.values(), TabularSetting.values()).flatMap(Arrays::stream)
                .filter(s -> !CommandLineFlags.hasFlag(s)).map(Setting.class::cast).toList();
        assertEquals(List.of(), missing, "add their flags to CommandLineFlags");
    }

    @Test
    void theCommandLinePrintsALibraryMessageWithItsFlags() {
        InvalidSettingException e = new InvalidSettingException(TabularSetting.LEARNING_RATE, SettingMessage.of(
                TabularSetting.LEARNING_RATE, " must be > 0 with ", TabularSetting.ARCHITECTURE.is("hard", "mmoe"), "."));
        assertEquals("TabularTraining.Settings.learningRate must be > 0 with TabularTraining.Settings.architecture \"hard\" or \"mmoe\".",
                e.getMessage());
        assertEquals("--lr must be > 0 with --arch hard or mmoe.", e.message(CommandLineFlags.FLAGS));
        // End to end: a check only the library makes (the tuner's --candidates), printed by the command line with its flag.
        StringWriter err = new StringWriter();
        Path out = Path.of("target", "library-messages-test-never-written");
        int code = MtlCommand.execute(new String[] {"tune", "--data", "never-read.csv", "--task", "a:binary:y", "--budget-minutes", "1",
                "--candidates", "0", "--out", out.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("mtl: --candidates must be >= 1, received 0."), err.toString());
        assertTrue(!Files.exists(out));
    }

    /** The string literals and text blocks of Java source, comments and character literals skipped (escapes kept as written). */
    static List<String> stringLiterals(String src) {
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < src.length()) {
            if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? src.length() : end;
            } else if (src.startsWith("/*", i)) {
                i = src.indexOf("*/", i + 2) + 2;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                literals.add(src.substring(i + 3, end));
                i = end + 3;
            } else if (src.charAt(i) == '"' || src.charAt(i) == '\'') {
                char quote = src.charAt(i);
                int j = i + 1;
                while (src.charAt(j) != quote) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                if (quote == '"') {
                    literals.add(src.substring(i + 1, j));
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return literals;
    }
}
