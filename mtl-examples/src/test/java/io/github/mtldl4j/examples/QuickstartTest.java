package io.github.mtldl4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README quickstart runs and prints losses by task name, the changed weight and predictions. */
class QuickstartTest {

    @Test
    void quickstartRuns() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Quickstart.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("per-task losses: {price="), out);
        assertTrue(out.contains("weights: {price=2.0, churn=0.5, segment=1.0}"), out);
        assertTrue(out.contains("churn probability of rows 0 and 1"), out);
    }
}
