package io.github.mtldl4j.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The console tables of {@link TaskAffinity#toText()}: values apart, columns under their task names. */
class TaskAffinityTextTest {

    @Test
    void valuesStandApartUnderTheirTaskNames() {
        // The values seen running together on the command line: +1.000e+00+2.179e-02+6.057e-05.
        List<String> tasks = List.of("weather", "temp_max", "a_much_longer_task_name");
        double[][] z = {{1.0, 0.02179, 6.057e-05}, {-0.5, Double.NaN, 1e-3}, {0, 2.5e-4, -1.25}};
        double[][] cosine = {{1, 0.25, -0.125}, {0.25, 1, 0}, {-0.125, 0, 1}};
        String text = new TaskAffinity(tasks, cosine, z, 4, 0.1).toText();
        List<String> lines = text.lines().toList();
        assertEquals("gradient cosine (symmetric)", lines.get(0));
        assertEquals(List.of("weather", "temp_max", "a_much_longer_task_name"), List.of(lines.get(1).trim().split("\\s+")));
        assertEquals(List.of("weather", "+1.000", "+0.250", "-0.125"), List.of(lines.get(2).split("\\s+")));
        int lookahead = lines.indexOf("lookahead affinity Z[row -> column] (Fifty et al. 2021)");
        assertEquals(List.of("weather", "+1.000e+00", "+2.179e-02", "+6.057e-05"), List.of(lines.get(lookahead + 2).split("\\s+")));
        assertEquals(List.of("temp_max", "-5.000e-01", "-", "+1.000e-03"), List.of(lines.get(lookahead + 3).split("\\s+")));
        // Right-aligned: every cell of a column ends where its task name ends in the header, a space follows.
        for (int table : new int[] {1, lookahead + 1}) {
            String header = lines.get(table);
            for (int row = table + 1; row <= table + 3; row++) {
                String line = lines.get(row);
                assertEquals(header.length(), line.length(), "row " + row + " ends with the header:\n" + text);
                assertEquals(4, line.split("\\s+").length, text);
                for (String task : tasks) {
                    int end = header.indexOf(task) + task.length();
                    assertEquals(false, line.charAt(end - 1) == ' ', "a cell ends under '" + task + "':\n" + text);
                    assertEquals(true, end == line.length() || line.charAt(end) == ' ', text);
                }
            }
        }
    }
}
