package io.github.mtldl4j.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated funnel: conversions only after clicks, rates as documented, seeded, per-task files split the rows. */
class ConversionFunnelTest {
    @TempDir
    Path dir;

    @Test
    void conversionsOnlyAfterClicksAtTheDocumentedRates() throws Exception {
        Path file = dir.resolve("funnel.csv");
        ConversionFunnel.write(file, 4000, 17);
        List<String> lines = Files.readAllLines(file);
        assertEquals(ConversionFunnel.HEADER, lines.get(0));
        assertEquals(4001, lines.size());
        int clicks = 0;
        int conversions = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals(9, f.length, line);
            boolean click = f[7].equals("1");
            boolean conversion = f[8].equals("1");
            assertTrue(click || !conversion, "a conversion without a click: " + line);
            clicks += click ? 1 : 0;
            conversions += conversion ? 1 : 0;
        }
        // 23.5 % of impressions click and 28 % of clicks convert at seed 17 (940 and 262 of 4000)
        assertTrue(clicks > 0.18 * 4000 && clicks < 0.30 * 4000, "clicks " + clicks);
        assertTrue(conversions > 0.2 * clicks && conversions < 0.45 * clicks, "conversions " + conversions + " of " + clicks);
        Path again = dir.resolve("again.csv");
        ConversionFunnel.write(again, 4000, 17);
        assertEquals(lines, Files.readAllLines(again), "same seed, same rows");
    }

    @Test
    void perTaskFilesCarryOneLabelEachOnHalfTheRows() throws Exception {
        Path clicks = dir.resolve("click.csv");
        Path conversions = dir.resolve("conversion.csv");
        ConversionFunnel.writePerTask(clicks, conversions, 1001, 3);
        List<String> c = Files.readAllLines(clicks);
        List<String> v = Files.readAllLines(conversions);
        assertEquals("x1,x2,x3,x4,x5,x6,device,click", c.get(0));
        assertEquals("x1,x2,x3,x4,x5,x6,device,conversion", v.get(0));
        assertEquals(1 + 500, c.size());
        assertEquals(1 + 501, v.size());
        assertTrue(c.stream().skip(1).allMatch(l -> l.split(",").length == 8), "one label per row");
    }
}
