package io.github.mtldl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** delta-m against hand computation, and its refusals. */
class RelativeImprovementTest {
    private static final double EXACT = 1e-12;

    private static <V> Map<String, V> ordered(String k1, V v1, String k2, V v2, String k3, V v3) {
        Map<String, V> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        map.put(k3, v3);
        return map;
    }

    @Test
    void oneMetricPerTaskByHand() {
        // mass rmse 300 -> 270 (lower is better): +30/300 = +0.10. sex accuracy 0.90 -> 0.927: +0.027/0.9 = +0.03.
        // species macro_f1 0.96 -> 0.912: -0.048/0.96 = -0.05. delta-m = (0.10 + 0.03 - 0.05) / 3.
        Map<String, Double> model = ordered("mass", 270.0, "sex", 0.927, "species", 0.912);
        Map<String, Double> baseline = ordered("mass", 300.0, "sex", 0.90, "species", 0.96);
        Map<String, Boolean> lower = ordered("mass", true, "sex", false, "species", false);

        assertEquals(0.08 / 3, RelativeImprovement.deltaM(model, baseline, lower), EXACT);
        Map<String, Double> perTask = RelativeImprovement.perTask(model, baseline, lower);
        assertEquals(List.of("mass", "sex", "species"), List.copyOf(perTask.keySet()));
        assertEquals(0.10, perTask.get("mass"), EXACT);
        assertEquals(0.03, perTask.get("sex"), EXACT);
        assertEquals(-0.05, perTask.get("species"), EXACT);

        // Swapping model and baseline of one task flips its sign only up to the changed denominator.
        assertEquals(-30.0 / 270, RelativeImprovement.perTask(baseline, model, lower).get("mass"), EXACT);
    }

    @Test
    void severalMetricsAreAveragedWithinEachTaskFirst() {
        // mass: rmse 300 -> 270 (+0.10), mae 240 -> 252 (-0.05): task mean +0.025.
        // sex: accuracy 0.90 -> 0.927 (+0.03), auc 0.95 -> 0.95 (0): +0.015. species: macro_f1 -0.05.
        Map<String, Map<String, Double>> model = ordered("mass", Map.of("rmse", 270.0, "mae", 252.0, "r2", -0.5),
                "sex", Map.of("accuracy", 0.927, "auc", 0.95, "f1", 0.5), "species", Map.of("accuracy", 0.5, "macro_f1", 0.912));
        Map<String, Map<String, Double>> baseline = ordered("mass", Map.of("rmse", 300.0, "mae", 240.0, "r2", 0.8),
                "sex", Map.of("accuracy", 0.90, "auc", 0.95, "f1", 0.9), "species", Map.of("accuracy", 0.9, "macro_f1", 0.96));
        Map<String, List<String>> metrics = ordered("mass", List.of("rmse", "mae"), "sex", List.of("accuracy", "auc"),
                "species", List.of("macro_f1"));

        assertEquals((0.025 + 0.015 - 0.05) / 3, RelativeImprovement.deltaMOverMetrics(model, baseline, metrics), EXACT);
        assertEquals(0.025, RelativeImprovement.perTaskOverMetrics(model, baseline, metrics).get("mass"), EXACT);

        // One metric per task is the plain formula.
        Map<String, List<String>> main = ordered("mass", List.of("rmse"), "sex", List.of("accuracy"), "species", List.of("macro_f1"));
        assertEquals(0.08 / 3, RelativeImprovement.deltaMOverMetrics(model, baseline, main), EXACT);
    }

    @Test
    void refusesMismatchedTasksNamingThem() {
        Map<String, Double> model = Map.of("a", 1.0, "b", 2.0);
        Map<String, Double> baseline = Map.of("a", 1.0, "c", 2.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RelativeImprovement.deltaM(model, baseline, Map.of("a", true, "b", true)));
        assertTrue(e.getMessage().contains("missing from model: [c]") && e.getMessage().contains("missing from baseline: [b]"),
                e.getMessage());
        assertRefused("lowerIsBetter: [b]", () -> RelativeImprovement.deltaM(model, Map.of("a", 1.0, "b", 2.0), Map.of("a", true)));
        assertRefused("No tasks", () -> RelativeImprovement.deltaM(Map.of(), Map.of(), Map.of()));
    }

    @Test
    void refusesZeroNegativeAndNonFiniteValuesNamingTheTask() {
        Map<String, Boolean> lower = Map.of("a", false, "b", true);
        assertRefused("Task 'b'", () -> RelativeImprovement.deltaM(Map.of("a", 1.0, "b", 2.0), Map.of("a", 1.0, "b", 0.0), lower));
        assertRefused("Task 'a'", () -> RelativeImprovement.deltaM(Map.of("a", 1.0, "b", 2.0), Map.of("a", -0.3, "b", 1.0), lower));
        assertRefused("model value is NaN", () -> RelativeImprovement.deltaM(Map.of("a", Double.NaN, "b", 2.0), Map.of("a", 1.0, "b", 1.0), lower));
        assertRefused("baseline value is Infinity",
                () -> RelativeImprovement.deltaM(Map.of("a", 1.0, "b", 2.0), Map.of("a", 1.0, "b", Double.POSITIVE_INFINITY), lower));
    }

    @Test
    void refusesUnknownOrMissingMetrics() {
        Map<String, Map<String, Double>> model = Map.of("t", Map.of("rmse", 1.0));
        Map<String, Map<String, Double>> baseline = Map.of("t", Map.of("rmse", 2.0));
        assertRefused("'mae'", () -> RelativeImprovement.deltaMOverMetrics(model, baseline, Map.of("t", List.of("mae"))));
        assertRefused("'rsme'", () -> RelativeImprovement.deltaMOverMetrics(model, baseline, Map.of("t", List.of("rsme"))));
        assertRefused("Task 't'", () -> RelativeImprovement.deltaMOverMetrics(model, baseline, Map.of("t", List.of())));
        assertEquals(0.5, RelativeImprovement.deltaMOverMetrics(model, baseline, Map.of("t", List.of("rmse"))), EXACT);
    }

    private static void assertRefused(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
