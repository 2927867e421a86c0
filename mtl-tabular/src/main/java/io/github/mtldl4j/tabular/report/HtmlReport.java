package io.github.mtldl4j.tabular.report;

import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.model.ParameterCounts;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.TrainingHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link RunSummary} as {@code report.html}: one self-contained HTML5 file that works offline. Styles are
 * inline, charts are inline SVG drawn here, there is no script and no external reference of any kind (no
 * {@code src}, {@code href}, {@code url(...)}, {@code @import} or web font), so the file can be mailed, archived or
 * opened from a machine without network.
 *
 * <p>Sections, in order: settings; loss curves, one small chart per task (training solid, validation dashed, the
 * best epoch dotted, the legend saying whose parameters the model kept; logarithmic y axis when the losses span more than two decades); task weights over epochs (one
 * chart, a line per task); final validation metrics (the main metric of each task in a column of its own);
 * parameter counts (shared, per task, total); gate utilization as a heat map, when the architecture has gates; the
 * comparison of runs with delta-m, when given. Each task keeps one colour in every chart. Every piece of text
 * (task names, settings, file names, metric names) is HTML-escaped. NaN prints as "–" in tables and is left out
 * of charts (the line breaks there).
 *
 * <p>The output is a function of the summary alone: the same summary gives the same bytes (no time stamp).
 */
public final class HtmlReport {
    /** Tableau 10: distinct hues that stay apart in print and for most colour-vision deficiencies. */
    private static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");
    private static final int SMALL_WIDTH = 360;
    private static final int SMALL_HEIGHT = 230;
    private static final int WIDE_WIDTH = 780;
    private static final int WIDE_HEIGHT = 280;

    private HtmlReport() {
    }

    /**
     * The colour of the task at {@code index} in task order (the palette repeats after ten tasks).
     *
     * @param index the task's position in {@link RunSummary#tasks()}
     * @return a CSS colour {@code #rrggbb}
     */
    public static String taskColor(int index) {
        return PALETTE.get(Math.floorMod(index, PALETTE.size()));
    }

    /**
     * The report as one HTML5 document.
     *
     * @param summary the run to report
     * @return the complete document, UTF-8 text starting with {@code <!DOCTYPE html>}
     */
    public static String render(RunSummary summary) {
        Objects.requireNonNull(summary, "summary is null; expected the RunSummary to report.");
        StringBuilder out = new StringBuilder(32_768);
        String title = Html.escape(summary.title());
        out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"mtl-dl4j\">\n")
                .append("<title>").append(title).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        out.append("<header>\n<h1>").append(title).append("</h1>\n<p class=\"lede\">").append(lede(summary)).append("</p>\n</header>\n");
        settings(out, summary);
        losses(out, summary);
        weights(out, summary);
        metrics(out, summary);
        parameters(out, summary);
        gates(out, summary);
        affinity(out, summary);
        comparison(out, summary);
        baselines(out, summary);
        heldOut(out, summary);
        out.append("<footer>Written by mtl-dl4j. Self-contained: no scripts, no external resources.</footer>\n</body>\n</html>\n");
        return out.toString();
    }

    /**
     * Writes {@link #render(RunSummary)} to {@code path} in UTF-8, atomically (see {@link AtomicFile}): readers see
     * the old file or the complete new one. Parent directories are created.
     *
     * @param path where to write, usually {@code DIR/report.html}
     * @param summary the run to report
     * @throws IOException if the file cannot be written; the previous file, if any, is then left as it was
     */
    public static void write(Path path, RunSummary summary) throws IOException {
        Objects.requireNonNull(path, "path is null; expected where to write report.html.");
        AtomicFile.writeString(path, render(summary));
    }

    private static String lede(RunSummary summary) {
        List<String> parts = new ArrayList<>();
        int tasks = summary.tasks().size();
        parts.add(tasks + (tasks == 1 ? " task" : " tasks"));
        List<EpochReport> epochs = summary.history().epochs();
        if (epochs.isEmpty()) {
            parts.add("no epochs recorded");
        } else {
            parts.add(epochs.size() + (epochs.size() == 1 ? " epoch" : " epochs"));
            EpochReport best = summary.history().bestEpoch();
            parts.add("best epoch " + best.epoch() + " (criterion " + Html.number(best.criterion()) + ")");
            summary.history().keptEpoch().ifPresent(kept -> parts.add("model: parameters of epoch " + kept.epoch()
                    + (summary.history().kept() == KeptParameters.BEST ? " (the best)" : " (the last)")));
            double seconds = epochs.stream().mapToDouble(EpochReport::seconds).sum();
            parts.add(String.format(Locale.ROOT, "%.1f s of training", seconds));
        }
        if (summary.parameters() != null) {
            parts.add(String.format(Locale.ROOT, "%,d parameters", summary.parameters().total()));
        }
        return String.join(" \u00b7 ", parts);
    }

    private static void settings(StringBuilder out, RunSummary summary) {
        out.append("<section id=\"settings\">\n<h2>Settings</h2>\n");
        if (summary.settings().isEmpty()) {
            out.append("<p class=\"note\">No settings recorded.</p>\n");
        } else {
            out.append("<table class=\"kv\">\n<tbody>\n");
            summary.settings().forEach((name, value) -> out.append("<tr><th scope=\"row\">").append(Html.escape(name))
                    .append("</th><td>").append(Html.escape(value)).append("</td></tr>\n"));
            out.append("</tbody>\n</table>\n");
        }
        out.append("</section>\n");
    }

    private static double[] epochNumbers(TrainingHistory history) {
        return history.epochs().stream().mapToDouble(EpochReport::epoch).toArray();
    }

    private static double[] column(TrainingHistory history, String task, ToDoubleFunction<io.github.mtldl4j.train.TaskEpochStats> value) {
        return history.epochs().stream().mapToDouble(e -> value.applyAsDouble(e.task(task))).toArray();
    }

    private static boolean anyFinite(double[] values) {
        for (double v : values) {
            if (Double.isFinite(v)) {
                return true;
            }
        }
        return false;
    }

    private static void losses(StringBuilder out, RunSummary summary) {
        TrainingHistory history = summary.history();
        out.append("<section id=\"losses\">\n<h2>Loss per task</h2>\n");
        out.append("<p class=\"legend\">").append(legendLine("#555", false)).append("training")
                .append(legendLine("#555", true)).append("validation")
                .append("<svg class=\"key\" width=\"28\" height=\"12\" aria-hidden=\"true\"><line x1=\"14\" x2=\"14\" y1=\"0\" y2=\"12\" class=\"best-key\"/></svg>")
                .append(Html.escape(bestEpochLegend(history))).append("</p>\n");
        out.append("<div class=\"charts\">\n");
        double[] xs = epochNumbers(history);
        double best = history.epochs().isEmpty() ? Double.NaN : history.bestEpoch().epoch();
        for (int t = 0; t < summary.tasks().size(); t++) {
            String task = summary.tasks().get(t);
            String color = taskColor(t);
            double[] train = column(history, task, s -> s.trainLoss());
            double[] valid = column(history, task, s -> s.validLoss());
            LineChart chart = new LineChart("chart loss", task, "Loss of task " + task + " by epoch", SMALL_WIDTH, SMALL_HEIGHT,
                    xs, "loss");
            chart.add(new LineChart.Series("train", color, false, train));
            if (anyFinite(valid)) {
                chart.add(new LineChart.Series("valid", color, true, valid));
            }
            if (Double.isFinite(best)) {
                chart.marker(best, "best epoch " + (long) best);
            }
            out.append("<figure class=\"card\">\n<figcaption>").append(swatch(color)).append(Html.escape(task));
            if (!anyFinite(valid)) {
                out.append(" <span class=\"note\">(no validation data)</span>");
            }
            out.append("</figcaption>\n").append(chart.svg()).append("\n</figure>\n");
        }
        out.append("</div>\n</section>\n");
    }

    /** The legend of the best-epoch marker: true whichever epoch's parameters the model kept. */
    static String bestEpochLegend(TrainingHistory history) {
        if (history.kept() == null || history.epochs().isEmpty()) {
            return "best epoch";
        }
        int best = history.bestEpoch().epoch();
        int last = history.epochs().get(history.epochs().size() - 1).epoch();
        if (history.kept() == KeptParameters.BEST || best == last) {
            return "best epoch (the saved model holds its parameters)";
        }
        return "best epoch (the saved model holds the parameters of the last epoch, " + last + ")";
    }

    private static void weights(StringBuilder out, RunSummary summary) {
        TrainingHistory history = summary.history();
        out.append("<section id=\"weights\">\n<h2>Task weights over epochs</h2>\n");
        out.append("<p class=\"legend\">");
        for (int t = 0; t < summary.tasks().size(); t++) {
            out.append("<span class=\"item\">").append(legendLine(taskColor(t), false)).append(Html.escape(summary.tasks().get(t)))
                    .append("</span>");
        }
        out.append("</p>\n");
        LineChart chart = new LineChart("chart weights", null, "Weight of each task by epoch", WIDE_WIDTH, WIDE_HEIGHT,
                epochNumbers(history), "mean weight");
        List<double[]> lines = new ArrayList<>();
        for (int t = 0; t < summary.tasks().size(); t++) {
            double[] weights = column(history, summary.tasks().get(t), s -> s.weight());
            lines.add(weights);
            chart.add(new LineChart.Series("weight", taskColor(t), false, weights));
        }
        out.append("<figure class=\"card wide\">\n").append(chart.svg()).append("\n</figure>\n");
        if (lines.size() > 1 && !history.epochs().isEmpty() && lines.stream().allMatch(l -> java.util.Arrays.equals(l, lines.get(0)))) {
            out.append("<p class=\"note\">Every task used the same weights, so the lines lie on top of each other.</p>\n");
        }
        out.append("</section>\n");
    }

    private static void metrics(StringBuilder out, RunSummary summary) {
        out.append("<section id=\"metrics\">\n<h2>Final validation metrics</h2>\n");
        if (summary.metrics().isEmpty()) {
            out.append("<p class=\"note\">No metrics recorded.</p>\n</section>\n");
            return;
        }
        Set<String> names = new LinkedHashSet<>();
        summary.metrics().values().forEach(m -> names.addAll(m.keySet()));
        out.append("<table class=\"numbers metrics\">\n<thead><tr><th scope=\"col\">task</th><th scope=\"col\">main metric</th>")
                .append("<th scope=\"col\" class=\"main\">value</th>");
        names.forEach(n -> out.append("<th scope=\"col\">").append(Html.escape(n)).append(direction(n)).append("</th>"));
        out.append("</tr></thead>\n<tbody>\n");
        for (int t = 0; t < summary.tasks().size(); t++) {
            String task = summary.tasks().get(t);
            Map<String, Double> values = summary.metrics().get(task);
            if (values == null) {
                continue;
            }
            String main = summary.mainMetrics().get(task);
            out.append("<tr><th scope=\"row\">").append(swatch(taskColor(t))).append(Html.escape(task)).append("</th>");
            out.append("<td class=\"name\">").append(main == null ? "" : Html.escape(main)).append("</td>");
            out.append("<td class=\"num main\">").append(main == null ? "" : Html.number(values.getOrDefault(main, Double.NaN)))
                    .append("</td>");
            for (String name : names) {
                out.append(values.containsKey(name) ? "<td class=\"num\">" + Html.number(values.get(name)) : "<td class=\"absent\">")
                        .append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n<p class=\"note\">\u2193 lower is better, \u2191 higher is better; \u2013 = undefined "
                + "(e.g. AUC on a split holding one class).");
        summary.history().keptEpoch().ifPresent(kept -> out.append(" Measured on the saved model: the parameters of epoch ")
                .append(kept.epoch()).append(summary.history().kept() == KeptParameters.BEST ? ", the best epoch." : ", the last epoch."));
        out.append("</p>\n</section>\n");
    }

    private static String direction(String metric) {
        try {
            return TaskEvaluator.lowerIsBetter(metric) ? " \u2193" : " \u2191";
        } catch (IllegalArgumentException unknown) {
            return "";
        }
    }

    private static void parameters(StringBuilder out, RunSummary summary) {
        ParameterCounts counts = summary.parameters();
        if (counts == null) {
            return;
        }
        out.append("<section id=\"parameters\">\n<h2>Parameters</h2>\n<table class=\"numbers params\">\n")
                .append("<thead><tr><th scope=\"col\">part</th><th scope=\"col\">parameters</th><th scope=\"col\">share</th></tr></thead>\n<tbody>\n");
        long total = counts.total();
        parameterRow(out, "shared", "#555", counts.shared(), total);
        for (int t = 0; t < summary.tasks().size(); t++) {
            Long count = counts.perTask().get(summary.tasks().get(t));
            if (count != null) {
                parameterRow(out, "task " + summary.tasks().get(t), taskColor(t), count, total);
            }
        }
        out.append("</tbody>\n<tfoot><tr><th scope=\"row\">total</th><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%,d", total)).append("</td><td></td></tr></tfoot>\n</table>\n</section>\n");
    }

    private static void parameterRow(StringBuilder out, String part, String color, long count, long total) {
        double share = total == 0 ? 0 : 100.0 * count / total;
        out.append("<tr><th scope=\"row\">").append(swatch(color)).append(Html.escape(part)).append("</th><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%,d", count)).append("</td><td class=\"share\"><span class=\"bar\" style=\"width:")
                .append(String.format(Locale.ROOT, "%.1f", share)).append("%;background:").append(color).append("\"></span> ")
                .append(String.format(Locale.ROOT, "%.1f\u00a0%%", share)).append("</td></tr>\n");
    }

    private static void gates(StringBuilder out, RunSummary summary) {
        Map<String, Map<String, Double>> gates = summary.gateUtilization();
        if (gates.isEmpty()) {
            return;
        }
        Set<String> experts = new LinkedHashSet<>();
        gates.values().forEach(g -> experts.addAll(g.keySet()));
        out.append("<section id=\"gates\">\n<h2>Gate utilization</h2>\n<p class=\"note\">Mean gate weight each task gives each "
                + "expert; darker = more weight.</p>\n<table class=\"numbers heatmap\">\n<thead><tr><th scope=\"col\">task</th>");
        experts.forEach(e -> out.append("<th scope=\"col\">").append(Html.escape(e)).append("</th>"));
        out.append("</tr></thead>\n<tbody>\n");
        for (int t = 0; t < summary.tasks().size(); t++) {
            String task = summary.tasks().get(t);
            Map<String, Double> row = gates.get(task);
            if (row == null) {
                continue;
            }
            out.append("<tr><th scope=\"row\">").append(swatch(taskColor(t))).append(Html.escape(task)).append("</th>");
            for (String expert : experts) {
                Double value = row.get(expert);
                if (value == null || !Double.isFinite(value)) {
                    out.append("<td class=\"num\">").append(value == null ? "" : Html.number(value)).append("</td>");
                    continue;
                }
                double level = Math.max(0, Math.min(1, value));
                // White to a dark blue (#1f4e79) as the weight goes from 0 to 1.
                int r = (int) Math.round(255 + (31 - 255) * level);
                int g = (int) Math.round(255 + (78 - 255) * level);
                int b = (int) Math.round(255 + (121 - 255) * level);
                out.append("<td class=\"num cell\" style=\"background:")
                        .append(String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b))
                        .append(level > 0.5 ? ";color:#fff" : "").append("\">").append(Html.number(value)).append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n</section>\n");
    }

    private static void affinity(StringBuilder out, RunSummary summary) {
        io.github.mtldl4j.affinity.TaskAffinity affinity = summary.history().affinity();
        if (affinity == null) {
            return;
        }
        double training = summary.history().epochs().stream().mapToDouble(EpochReport::seconds).sum();
        out.append("<section id=\"affinity\">\n<h2>Task affinity</h2>\n<p class=\"note\">Row i, column j: the effect of task i "
                + "on task j, averaged over ").append(affinity.measurements()).append(" measured steps. Gradient cosine: cosine of the "
                + "two tasks' gradients on the shared parameters. Lookahead: 1 \u2212 L<sub>j</sub> after a step on task i alone "
                + "/ L<sub>j</sub> before, same batch (Fifty et al., NeurIPS 2021); positive = task i helps task j. Blue positive, "
                + "red negative. Measuring took ").append(String.format(Locale.ROOT, "%.1f s", affinity.overheadSeconds()));
        if (training > 0) {
            out.append(String.format(Locale.ROOT, " (%.0f %% of the training time, measuring included)", 100 * affinity.overheadSeconds() / training));
        }
        out.append(".</p>\n<div class=\"charts\">\n<figure class=\"card\"><figcaption>Gradient cosine</figcaption>\n")
                .append(Heatmap.render("Gradient cosine between tasks", affinity.tasks(), affinity.gradientCosine()))
                .append("\n</figure>\n<figure class=\"card\"><figcaption>Lookahead affinity Z<sub>i\u2192j</sub></figcaption>\n")
                .append(Heatmap.render("Lookahead affinity from row task to column task", affinity.tasks(), affinity.lookahead()))
                .append("\n</figure>\n</div>\n</section>\n");
    }

    /** This run beside its baselines: the same table as the comparison of runs, delta-m being this run's against each row. */
    private static void baselines(StringBuilder out, RunSummary summary) {
        if (summary.baselines().isEmpty()) {
            return;
        }
        StringBuilder table = new StringBuilder();
        comparison(table, summary.baselines(), summary.baselineDeltaM(), summary);
        out.append(table.toString().replace("<section id=\"comparison\">\n<h2>Comparison of runs</h2>",
                        "<section id=\"baselines\">\n<h2>Baselines</h2>\n<p class=\"note\">Per task a linear model (ridge or logistic "
                        + "regression, penalty chosen on the validation rows) and a single-task network, on the same split and "
                        + "preprocessing (docs/baselines.md).</p>")
                .replace("\u0394m vs baseline \u2191", "\u0394m of this run vs the row \u2191")
                .replace("relative change against the baseline, positive = better", "relative change of this run against the row's "
                        + "model, positive = this run is better"));
    }

    /** This run (and its baselines) on the held-out test rows ({@code --test-data}): the table of {@link #baselines}. */
    private static void heldOut(StringBuilder out, RunSummary summary) {
        if (summary.heldOut().isEmpty()) {
            return;
        }
        StringBuilder table = new StringBuilder();
        comparison(table, summary.heldOut(), summary.heldOutDeltaM(), summary);
        out.append(table.toString().replace("<section id=\"comparison\">\n<h2>Comparison of runs</h2>",
                        "<section id=\"held-out\">\n<h2>Held-out test rows</h2>\n<p class=\"note\">Measured once on held-out test "
                        + "rows, which no training, kept epoch or linear penalty was chosen on: the comparison free of selection on "
                        + "the validation rows.</p>")
                .replace("\u0394m vs baseline \u2191", "\u0394m of this run vs the row \u2191")
                .replace("relative change against the baseline, positive = better", "relative change of this run against the row's "
                        + "model, positive = this run is better"));
    }

    private static void comparison(StringBuilder out, RunSummary summary) {
        comparison(out, summary.comparison(), summary.deltaM(), summary);
    }

    private static void comparison(StringBuilder out, Map<String, Map<String, Map<String, Double>>> runs, Map<String, Double> deltaM,
                                   RunSummary summary) {
        if (runs.isEmpty() && deltaM.isEmpty()) {
            return;
        }
        Set<String> runNames = new LinkedHashSet<>(runs.keySet());
        runNames.addAll(deltaM.keySet());
        Set<String> taskNames = new LinkedHashSet<>();
        summary.tasks().forEach(task -> {
            if (runs.values().stream().anyMatch(r -> r.containsKey(task))) {
                taskNames.add(task);
            }
        });
        runs.values().forEach(r -> taskNames.addAll(r.keySet()));
        Map<String, List<String>> metricsOfTask = new LinkedHashMap<>();
        for (String task : taskNames) {
            Set<String> names = new LinkedHashSet<>();
            runs.values().forEach(r -> names.addAll(r.getOrDefault(task, Map.of()).keySet()));
            metricsOfTask.put(task, List.copyOf(names));
        }
        out.append("<section id=\"comparison\">\n<h2>Comparison of runs</h2>\n<table class=\"numbers comparison\">\n<thead>\n<tr><th scope=\"col\" rowspan=\"2\">run</th>");
        metricsOfTask.forEach((task, names) -> {
            int index = summary.tasks().indexOf(task);
            out.append("<th scope=\"colgroup\" colspan=\"").append(Math.max(1, names.size())).append("\" class=\"group\">")
                    .append(index >= 0 ? swatch(taskColor(index)) : "").append(Html.escape(task)).append("</th>");
        });
        if (!deltaM.isEmpty()) {
            out.append("<th scope=\"col\" rowspan=\"2\">\u0394m vs baseline \u2191</th>");
        }
        out.append("</tr>\n<tr>");
        metricsOfTask.forEach((task, names) -> {
            if (names.isEmpty()) {
                out.append("<th scope=\"col\"></th>");
            }
            names.forEach(n -> out.append("<th scope=\"col\">").append(Html.escape(n)).append(direction(n)).append("</th>"));
        });
        out.append("</tr>\n</thead>\n<tbody>\n");
        for (String run : runNames) {
            out.append("<tr><th scope=\"row\">").append(Html.escape(run)).append("</th>");
            Map<String, Map<String, Double>> byTask = runs.getOrDefault(run, Map.of());
            metricsOfTask.forEach((task, names) -> {
                if (names.isEmpty()) {
                    out.append("<td></td>");
                }
                for (String name : names) {
                    Double value = byTask.getOrDefault(task, Map.of()).get(name);
                    boolean best = value != null && isBest(runs, task, name, value);
                    out.append("<td class=\"num").append(best ? " best" : "").append("\">")
                            .append(value == null ? "" : Html.number(value)).append("</td>");
                }
            });
            if (!deltaM.isEmpty()) {
                Double delta = deltaM.get(run);
                String sign = delta == null || !Double.isFinite(delta) || delta == 0 ? "" : delta > 0 ? " up" : " down";
                out.append("<td class=\"num delta").append(sign).append("\">").append(delta == null ? "" : Html.signedPercent(delta))
                        .append("</td>");
            }
            out.append("</tr>\n");
        }
        out.append("</tbody>\n</table>\n<p class=\"note\">Bold: the best run for that metric. \u0394m: mean over tasks of the "
                + "relative change against the baseline, positive = better (Maninis et al. 2019).</p>\n</section>\n");
    }

    /** Whether {@code value} is the best finite value of the column, with more than one run to compare. */
    private static boolean isBest(Map<String, Map<String, Map<String, Double>>> runs, String task, String metric, double value) {
        if (!Double.isFinite(value) || runs.size() < 2) {
            return false;
        }
        boolean lower;
        try {
            lower = TaskEvaluator.lowerIsBetter(metric);
        } catch (IllegalArgumentException unknown) {
            return false;
        }
        for (Map<String, Map<String, Double>> run : runs.values()) {
            Double other = run.getOrDefault(task, Map.of()).get(metric);
            if (other != null && Double.isFinite(other) && (lower ? other < value : other > value)) {
                return false;
            }
        }
        return true;
    }

    private static String swatch(String color) {
        return "<span class=\"swatch\" style=\"background:" + color + "\"></span>";
    }

    private static String legendLine(String color, boolean dashed) {
        return "<svg class=\"key\" width=\"28\" height=\"12\" aria-hidden=\"true\"><line x1=\"2\" x2=\"26\" y1=\"6\" y2=\"6\" stroke=\""
                + color + "\" stroke-width=\"2\"" + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/></svg>";
    }

    private static final String CSS = """
            :root { color-scheme: light; }
            * { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
                   color: #222; background: #fff; margin: 0 auto; padding: 24px 32px 40px; max-width: 1280px; line-height: 1.4; font-size: 15px; }
            h1 { font-size: 1.6em; margin: 0 0 4px; }
            h2 { font-size: 1.2em; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
            .lede { color: #555; margin: 0; }
            .note { color: #666; font-size: 0.9em; margin: 6px 0; }
            .legend { margin: 4px 0 8px; color: #444; font-size: 0.92em; }
            .legend .item { margin-right: 14px; white-space: nowrap; }
            svg.key { vertical-align: middle; margin: 0 4px 0 10px; }
            .legend .item:first-child svg.key { margin-left: 0; }
            .best-key { stroke: #888; stroke-width: 1.5; stroke-dasharray: 2 3; }
            .charts { display: flex; flex-wrap: wrap; gap: 14px; }
            figure.card { margin: 0; padding: 8px 10px 4px; border: 1px solid #e3e3e3; border-radius: 6px; background: #fff;
                          break-inside: avoid; page-break-inside: avoid; }
            figure.card.wide { display: inline-block; }
            figcaption { font-weight: 600; margin-bottom: 2px; overflow-wrap: anywhere; max-width: 360px; }
            svg.chart { display: block; max-width: 100%; height: auto; font-size: 11px; fill: #444; }
            svg.chart .grid { stroke: #ececec; stroke-width: 1; }
            svg.chart .axis-line, svg.chart .tick { stroke: #888; stroke-width: 1; }
            svg.chart .label { fill: #555; font-size: 11.5px; }
            svg.chart .marker line { stroke: #888; stroke-width: 1.5; stroke-dasharray: 2 3; }
            svg.chart .empty { fill: #888; font-style: italic; }
            .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
            table { border-collapse: collapse; margin: 6px 0; font-size: 0.95em; }
            th, td { padding: 4px 10px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: middle; }
            thead th { border-bottom: 2px solid #bbb; font-weight: 600; white-space: nowrap; }
            tbody th { font-weight: 600; }
            table.kv th { color: #555; font-weight: 500; padding-right: 24px; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
            td.main { font-weight: 700; }
            td.name { color: #555; }
            td.absent { background: #fafafa; }
            td.best { font-weight: 700; }
            td.delta.up { color: #1a7f37; }
            td.delta.down { color: #b42318; }
            th.group { text-align: center; border-bottom: 1px solid #ccc; }
            tfoot th, tfoot td { border-top: 2px solid #bbb; font-weight: 700; }
            td.share { min-width: 180px; white-space: nowrap; font-variant-numeric: tabular-nums; }
            .bar { display: inline-block; height: 10px; border-radius: 2px; vertical-align: middle; opacity: 0.8; }
            table.heatmap td.cell { min-width: 64px; text-align: center; }
            footer { margin-top: 32px; color: #888; font-size: 0.85em; }
            @media print {
              body { padding: 0; max-width: none; font-size: 10pt; }
              h2 { break-after: avoid; page-break-after: avoid; }
              section, table { break-inside: avoid; page-break-inside: avoid; }
              figure.card { border-color: #ccc; }
            }
            """;
}
