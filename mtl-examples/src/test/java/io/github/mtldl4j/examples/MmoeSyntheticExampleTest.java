package io.github.mtldl4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.cli.MtlCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class MmoeSyntheticExampleTest {

    @Test
    void defaultModelsHaveParameterCountsWithinFivePercentOfEachOther() {
        MmoeSyntheticExample example = new MmoeSyntheticExample();
        example.lr = 0.002;
        example.experts = 8;
        example.expertWidth = 16;
        example.bottom = 126;
        example.tower = 8;
        List<Long> totals = MmoeSyntheticExample.ARCHITECTURES.stream()
                .map(a -> example.model(a, 1).parameterCounts().total()).toList();
        // hard (the paper's shared-bottom) 100*126+126 + 2*(126*8+8 + 8+1) = 14776; MMoE 8*(100*16+16) + 2*(100*8+8 + 16*8+8 + 9) = 14834.
        assertEquals(List.of(14776L, 14026L, 14834L), totals);
    }

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
}
