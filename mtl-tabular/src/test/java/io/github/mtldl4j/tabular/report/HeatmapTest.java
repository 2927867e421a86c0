package io.github.mtldl4j.tabular.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.affinity.TaskAffinity;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.TaskEpochStats;
import io.github.mtldl4j.train.TrainingHistory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The affinity heatmaps: colour scale by hand, escaping, and the report section appearing only with affinity. */
class HeatmapTest {

    @Test
    void divergingScaleByHand() {
        assertEquals("#ffffff", Heatmap.color(0, 2));
        assertEquals("#2166ac", Heatmap.color(2, 2));
        assertEquals("#b2182b", Heatmap.color(-5, 2), "clipped at the scale");
        // half way to #2166ac: 255 + (0x21 - 255) / 2 = 144 (0x90), 255 + (0x66 - 255) / 2 = 178.5 -> 179 (0xb3), 0xd6
        assertEquals("#90b3d6", Heatmap.color(1, 2));
        assertEquals("#e0e0e0", Heatmap.color(Double.NaN, 2));
        assertEquals("2.5e-5", Heatmap.compact(2.497e-5));
        assertEquals("-0.0085", Heatmap.compact(-0.008468));
    }

    @Test
    void rendersOneCellPerPairWithEscapedLabels() {
        String svg = Heatmap.render("t", List.of("a<b", "c"), new double[][] {{1, -0.5}, {0.25, Double.NaN}});
        assertEquals(4, svg.split("<rect ", -1).length - 1);
        assertTrue(svg.contains("a&lt;b"));
        assertFalse(svg.contains("a<b"));
    }

    private static TrainingHistory history(TaskAffinity affinity) {
        Map<String, TaskEpochStats> tasks = new LinkedHashMap<>();
        tasks.put("a", new TaskEpochStats(1, 1, 1, Map.of()));
        tasks.put("b", new TaskEpochStats(1, 1, 1, Map.of()));
        return TrainingHistory.of(List.of(new EpochReport(1, tasks, 1, 2.0, true, null, affinity)), t -> null);
    }

    @Test
    void reportShowsAffinityOnlyWhenMeasured() {
        TaskAffinity affinity = new TaskAffinity(List.of("a", "b"), new double[][] {{1, 0.3}, {0.3, 1}},
                new double[][] {{0.01, -0.002}, {0.004, 0.02}}, 10, 0.5);
        String with = HtmlReport.render(RunSummary.builder("x", history(affinity)).build());
        assertTrue(with.contains("id=\"affinity\""));
        assertTrue(with.contains("10 measured steps"));
        assertTrue(with.contains("(25 % of the training time, measuring included)"), "0.5 s of 2.0 s");
        String without = HtmlReport.render(RunSummary.builder("x", history(null)).build());
        assertFalse(without.contains("id=\"affinity\""));
    }
}
