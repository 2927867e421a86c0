package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MtlCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void seedPrintsTheArticlesEpochLinesThenParameterCounts() {
        CliRun run = run("seed", "--epochs", "5");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().startsWith("ND4J backend: CPU") || run.err().startsWith("ND4J backend: CUDA"), run.err());
        List<String> epochLines = run.out().lines().filter(l -> l.startsWith("Epoch ")).toList();
        assertEquals(5, epochLines.size());
        Pattern line = Pattern.compile("Epoch \\d+/5, Loss: \\d+\\.\\d{4}");
        epochLines.forEach(l -> assertTrue(line.matcher(l).matches(), l));
        double first = Double.parseDouble(epochLines.get(0).replaceAll(".*Loss: ", ""));
        double last = Double.parseDouble(epochLines.get(4).replaceAll(".*Loss: ", ""));
        assertTrue(last < first, "Adam lowers the loss: " + first + " -> " + last);
        // Shared: 10x2 trunk + two 2x2 heads = 28; independent: two 10x2 towers + two heads = 48 (no biases).
        assertTrue(run.out().contains("total                            28             48"), run.out());
    }

    @Test
    void seededRunsAreIdentical() {
        assertEquals(run("seed", "--epochs", "3", "--seed", "7").out(), run("seed", "--epochs", "3", "--seed", "7").out());
    }

    @Test
    void cascadeVariantCountsTheWiderHead() {
        CliRun run = run("seed", "--epochs", "2", "--cascade");
        assertEquals(0, run.code(), run.err());
        // task2's head reads trunk (2) + task1's prediction (2): 4x2 = 8 parameters.
        assertTrue(run.out().contains("task task2                        8"), run.out());
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        for (String[] args : List.of(new String[] {}, new String[] {"bogus"}, new String[] {"seed", "--epochs", "x"},
                new String[] {"seed", "--epochs", "0"})) {
            CliRun run = run(args);
            assertEquals(2, run.code(), String.join(" ", args));
            List<String> lines = run.err().lines().toList();
            assertEquals(1, lines.size(), run.err());
            assertTrue(lines.get(0).startsWith("mtl: "), run.err());
        }
    }
}
