package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtl funnel}: writes the generated funnel files and prints the commands of the ESMM, AITM and per-task-files
 * examples; each printed command, run for one epoch, trains to finite losses.
 */
class FunnelExampleCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MtlCommand.execute(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyPrintedExampleTrainsToFiniteLosses() throws Exception {
        Run written = run(List.of("funnel", "--out", dir.toString(), "--rows", "1200"));
        assertEquals(0, written.code(), written.err());
        List<String> commands = written.out().lines().filter(l -> l.startsWith("./mtl train ")).toList();
        assertEquals(3, commands.size(), written.out());
        assertTrue(commands.get(0).contains("--arch esmm") && commands.get(1).contains("--arch aitm")
                && commands.get(2).contains("--task-data click="), written.out());
        for (String command : commands) {
            List<String> args = new ArrayList<>(Arrays.asList(command.substring("./mtl ".length()).split(" ")));
            args.addAll(List.of("--epochs", "1", "--shared", "16", "--head", "8"));
            Run trained = run(args);
            assertEquals(0, trained.code(), command + "\n" + trained.err());
            Path out = Path.of(args.get(args.indexOf("--out") + 1));
            JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
            for (String task : List.of("click", "conversion")) {
                JsonNode loss = metrics.get("tasks").get(task).get("loss");
                assertTrue(loss.isNumber() && Double.isFinite(loss.asDouble()), command + ": " + task + " loss " + loss);
            }
            String history = Files.readString(out.resolve("history.csv"));
            assertFalse(history.contains("NaN") || history.contains("Infinity"), history);
        }
    }

    @Test
    void refusesTooFewRows() {
        Run run = run(List.of("funnel", "--out", dir.resolve("never").toString(), "--rows", "10"));
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--rows must be >= 100"), run.err());
        assertFalse(Files.exists(dir.resolve("never")));
    }
}
