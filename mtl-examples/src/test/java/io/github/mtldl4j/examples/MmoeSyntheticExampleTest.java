package io.github.mtldl4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    // Runs through the command line: mtl-cli, MmoeSyntheticCommandTest.
}
