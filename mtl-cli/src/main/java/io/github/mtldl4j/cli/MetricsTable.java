package io.github.mtldl4j.cli;

import io.github.mtldl4j.eval.TaskMetrics;
import java.util.Locale;
import java.util.Map;

/** Plain-text table of per-task metrics for the terminal. */
final class MetricsTable {
    private MetricsTable() {
    }

    static String render(Map<String, TaskMetrics> metrics) {
        StringBuilder out = new StringBuilder();
        metrics.forEach((task, m) -> {
            out.append(String.format(Locale.ROOT, "%-14s %-11s n=%-5d", task, m.type().name().toLowerCase(Locale.ROOT), m.count()));
            m.metrics().forEach((name, value) -> out.append(String.format(Locale.ROOT, "  %s %s", name, format(value))));
            out.append('\n');
        });
        return out.toString().stripTrailing();
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "–";
        }
        return Math.abs(value) >= 1000 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.4f", value);
    }
}
