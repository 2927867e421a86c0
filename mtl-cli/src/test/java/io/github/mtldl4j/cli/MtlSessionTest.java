package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@link MtlSession}: commands joined by --then run in order; the first failure ends the session with its code. */
class MtlSessionTest {

    @Test
    void runsTheCommandsInOrderAndStopsAtTheFirstFailure() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MtlSession.run(new String[] {"--version", "--then", "train", "--no-such-option", "--then", "--version"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(2, code, err.toString());
        assertEquals(1, out.toString().lines().filter(line -> line.contains("mtl-dl4j")).count(), "the third command did not run: " + out);
        assertTrue(err.toString().contains("command 2 of 3 failed (exit 2); the session ends here"), err.toString());
    }

    @Test
    void anEmptyCommandIsRefused() throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(2, MtlSession.run(new String[] {"--version", "--then"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)));
        assertTrue(err.toString().contains("received an empty command"), err.toString());
    }
}
