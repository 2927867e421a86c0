package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code mtl mmoe-synthetic}: the example of mtl-examples run through the command line. */
class MmoeSyntheticCommandTest {

    @Test
    void smallRunPrintsOneRowPerModelAndTheGateTable() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MtlCommand.execute(new String[] {"mmoe-synthetic", "--p", "0.5", "--seeds", "2", "--epochs", "1",
            "--rows", "300", "--experts", "2", "--expert-width", "4", "--bottom", "8"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        List<String> rows = out.toString().lines().filter(l -> l.startsWith("0.50 ")).toList();
        assertEquals(3, rows.size(), out.toString());
        assertTrue(rows.get(2).contains("mmoe") && rows.get(2).contains("±"), out.toString());
        assertTrue(out.toString().contains("task expert_0 expert_1"), out.toString());
    }

    @Test
    void refusesACorrelationOutsideMinusOneToOne() {
        StringWriter err = new StringWriter();
        int code = MtlCommand.execute(new String[] {"mmoe-synthetic", "--p", "1.5"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(2, code);
        assertTrue(err.toString().contains("[-1, 1], received 1.5"), err.toString());
    }

    @Test
    void refusesAnUnknownGeneratorSetting() {
        StringWriter err = new StringWriter();
        int code = MtlCommand.execute(new String[] {"mmoe-synthetic", "--setting", "paper"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(2, code);
        assertTrue(err.toString().contains("unknown setting 'paper': expected google or third-party"), err.toString());
    }
}
