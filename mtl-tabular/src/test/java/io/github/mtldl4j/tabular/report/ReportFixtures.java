package io.github.mtldl4j.tabular.report;

import io.github.mtldl4j.model.ParameterCounts;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.TaskEpochStats;
import io.github.mtldl4j.train.TrainingHistory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A hand-made three-task run: losses over three decades, a NaN validation loss, an awkward task name, gates, a comparison. */
final class ReportFixtures {
    static final int EPOCHS = 12;
    static final String AWKWARD = "a<b&\"c";
    static final List<String> TASKS = List.of("mass", "species", AWKWARD);
    /** The epoch whose validation loss of "species" is NaN. */
    static final int NAN_EPOCH = 5;

    private ReportFixtures() {
    }

    static TrainingHistory history() {
        List<EpochReport> epochs = new ArrayList<>();
        for (int e = 1; e <= EPOCHS; e++) {
            Map<String, TaskEpochStats> tasks = new LinkedHashMap<>();
            double mass = 10 * Math.pow(0.5, e); // 5 down to 0.0024: over three decades, so a log axis
            tasks.put("mass", new TaskEpochStats(mass, mass * 1.3, 1.0, Map.of("rmse", 400.0 - 8 * e)));
            double species = 1.1 - 0.06 * e;
            tasks.put("species", new TaskEpochStats(species, e == NAN_EPOCH ? Double.NaN : species + 0.05,
                    0.8 + 0.02 * e, Map.of("accuracy", 0.5 + 0.04 * e)));
            tasks.put(AWKWARD, new TaskEpochStats(0.7 - 0.01 * e, 0.72 - 0.008 * e, 1.2 - 0.02 * e, Map.of("auc", 0.6 + 0.02 * e)));
            epochs.add(new EpochReport(e, tasks, 1.0 / e, 0.25, e == 10));
        }
        return TrainingHistory.of(epochs, task -> null);
    }

    static Map<String, Map<String, Double>> metrics() {
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        metrics.put("mass", ordered("rmse", 301.2, "mae", 240.3, "r2", 0.86));
        metrics.put("species", ordered("accuracy", 0.97, "macro_f1", Double.NaN));
        metrics.put(AWKWARD, ordered("accuracy", 0.91, "auc", 0.95, "f1", 0.9));
        return metrics;
    }

    static RunSummary.Builder builder() {
        return RunSummary.builder("penguins: <mmoe> & uncertainty", history())
                .metrics(metrics())
                .parameters(new ParameterCounts(1200, Map.of("mass", 65L, "species", 99L, AWKWARD, 33L)))
                .setting("architecture", "mmoe")
                .setting("weighting", "uncertainty")
                .setting("epochs", EPOCHS)
                .setting("seed", 42)
                .setting("data file", "data/<penguins>&co.csv");
    }

    static RunSummary full() {
        Map<String, Map<String, Double>> gates = new LinkedHashMap<>();
        gates.put("mass", ordered("expert_0", 0.7, "expert_1", 0.2, "expert_2", 0.1));
        gates.put("species", ordered("expert_0", 0.1, "expert_1", 0.6, "expert_2", 0.3));
        gates.put(AWKWARD, ordered("expert_0", 0.34, "expert_1", 0.33, "expert_2", 0.33));
        Map<String, Map<String, Map<String, Double>>> runs = new LinkedHashMap<>();
        runs.put("single-task", Map.of("mass", Map.of("rmse", 320.0), "species", Map.of("accuracy", 0.95), AWKWARD, Map.of("auc", 0.93)));
        runs.put("hard", Map.of("mass", Map.of("rmse", 310.0), "species", Map.of("accuracy", 0.96), AWKWARD, Map.of("auc", 0.94)));
        runs.put("mmoe", Map.of("mass", Map.of("rmse", 301.2), "species", Map.of("accuracy", 0.97), AWKWARD, Map.of("auc", Double.NaN)));
        Map<String, Double> deltaM = new LinkedHashMap<>();
        deltaM.put("single-task", 0.0);
        deltaM.put("hard", 0.0148);
        deltaM.put("mmoe", -0.0052);
        return builder().gateUtilization(gates).comparison(runs).deltaM(deltaM).build();
    }

    private static Map<String, Double> ordered(Object... pairs) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (Double) pairs[i + 1]);
        }
        return map;
    }
}
