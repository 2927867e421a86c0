package io.github.mtldl4j.tabular.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.TaskEpochStats;
import io.github.mtldl4j.train.TrainingHistory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
    /** Anything that could make a browser fetch something: attributes, CSS, protocols, scripts, fonts. */
    static final Pattern EXTERNAL = Pattern.compile(
            "(?i)(\\bsrc\\s*=|\\bhref\\s*=|url\\s*\\(|@import|https?:|ftp:|//[a-z0-9]|<script|<link|<iframe|<object|<embed|@font-face|xlink:)");
    private static final Pattern POLYLINE = Pattern.compile("<polyline class=\"([a-z]+)\" points=\"([^\"]*)\"");

    /** The {@code <svg>...</svg>} of the loss chart of {@code task}. */
    static String lossChart(String html, String task) {
        String start = "<svg class=\"chart loss";
        int from = 0;
        String attribute = "data-task=\"" + Html.escape(task) + "\"";
        while ((from = html.indexOf(start, from)) >= 0) {
            int end = html.indexOf("</svg>", from);
            String svg = html.substring(from, end + "</svg>".length());
            if (svg.substring(0, svg.indexOf('>')).contains(attribute)) {
                return svg;
            }
            from = end;
        }
        throw new AssertionError("No loss chart for task " + task);
    }

    /** Point count of each polyline of class {@code cssClass}, in order. */
    static List<Integer> polylinePoints(String svg, String cssClass) {
        List<Integer> counts = new ArrayList<>();
        Matcher m = POLYLINE.matcher(svg);
        while (m.find()) {
            if (m.group(1).equals(cssClass)) {
                counts.add(m.group(2).isBlank() ? 0 : m.group(2).trim().split("\\s+").length);
            }
        }
        return counts;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    @Test
    void oneLossChartPerTaskWithAPointPerEpoch() {
        String html = HtmlReport.render(ReportFixtures.full());
        assertEquals(ReportFixtures.TASKS.size(), count(html, "<svg class=\"chart loss"), "one loss chart per task");
        for (String task : ReportFixtures.TASKS) {
            String svg = lossChart(html, task);
            assertEquals(List.of(ReportFixtures.EPOCHS), polylinePoints(svg, "train"), "training line of " + task);
            if (!task.equals("species")) {
                assertEquals(List.of(ReportFixtures.EPOCHS), polylinePoints(svg, "valid"), "validation line of " + task);
            }
            assertTrue(svg.contains("stroke-dasharray=\"6 4\""), "validation is dashed for " + task);
        }
        String weights = html.substring(html.indexOf("<svg class=\"chart weights"));
        weights = weights.substring(0, weights.indexOf("</svg>"));
        assertEquals(List.of(12, 12, 12), polylinePoints(weights, "weight"), "a weight line per task, a point per epoch");
    }

    @Test
    void eachTaskKeepsItsColourAcrossCharts() {
        String html = HtmlReport.render(ReportFixtures.full());
        for (int t = 0; t < ReportFixtures.TASKS.size(); t++) {
            String color = HtmlReport.taskColor(t);
            String svg = lossChart(html, ReportFixtures.TASKS.get(t));
            assertTrue(svg.contains("<polyline class=\"train\" points=\"") && svg.contains("stroke=\"" + color + "\""),
                    "loss chart of task " + t + " drawn in " + color);
            String weights = html.substring(html.indexOf("<svg class=\"chart weights"));
            assertTrue(weights.substring(0, weights.indexOf("</svg>")).contains("stroke=\"" + color + "\""));
        }
        assertFalse(HtmlReport.taskColor(0).equals(HtmlReport.taskColor(1)));
    }

    @Test
    void logScaleOnlyWhenLossesSpanMoreThanTwoDecades() {
        String html = HtmlReport.render(ReportFixtures.full());
        assertTrue(lossChart(html, "mass").startsWith("<svg class=\"chart loss log\""), "mass spans three decades");
        assertTrue(lossChart(html, "mass").contains("(log scale)"));
        assertTrue(lossChart(html, "species").startsWith("<svg class=\"chart loss\""), "species spans less than one");
        assertTrue(LineChart.logScale(List.of(new double[] {1, 101})));
        assertFalse(LineChart.logScale(List.of(new double[] {1, 99, Double.NaN})));
        assertFalse(LineChart.logScale(List.of(new double[] {0, 1000})), "no log axis with a zero");
    }

    @Test
    void noExternalReferenceOfAnyKind() {
        String html = HtmlReport.render(ReportFixtures.full());
        Matcher m = EXTERNAL.matcher(html);
        assertFalse(m.find(), () -> "external reference '" + m.group() + "' near: "
                + html.substring(Math.max(0, m.start() - 80), Math.min(html.length(), m.end() + 80)));
        assertFalse(html.contains("<script"), "no script");
        // The pattern does catch what it is meant to catch.
        assertTrue(EXTERNAL.matcher("<img src=\"x.png\">").find());
        assertTrue(EXTERNAL.matcher("<svg xmlns=\"http://www.w3.org/2000/svg\">").find());
        assertTrue(EXTERNAL.matcher("body { background: url(x.png) }").find());
    }

    @Test
    void escapesTaskNamesSettingsAndTitle() {
        String html = HtmlReport.render(ReportFixtures.full());
        assertFalse(html.contains(ReportFixtures.AWKWARD), "the raw name a<b&\"c must not appear");
        assertTrue(html.contains("data-task=\"a&lt;b&amp;&quot;c\""), "escaped in the attribute");
        assertTrue(html.contains("</span>a&lt;b&amp;&quot;c</figcaption>"), "escaped in the chart caption");
        assertTrue(html.contains("data/&lt;penguins&gt;&amp;co.csv"), "file name escaped");
        assertTrue(html.contains("<title>penguins: &lt;mmoe&gt; &amp; uncertainty</title>"));
        assertFalse(html.contains("<mmoe>"));
        assertEquals("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", Html.escape("<script>alert('x')</script>"));
    }

    @Test
    void nanPrintsAsDashAndIsLeftOutOfCharts() {
        String html = HtmlReport.render(ReportFixtures.full());
        assertFalse(html.contains("NaN"), "no NaN anywhere, neither in tables nor in SVG coordinates");
        assertTrue(html.contains("<td class=\"num\">\u2013</td>"), "undefined macro_f1 of species prints as a dash");
        // species' validation loss is NaN at one epoch: the line breaks there and keeps every other point.
        List<Integer> valid = polylinePoints(lossChart(html, "species"), "valid");
        assertEquals(List.of(ReportFixtures.NAN_EPOCH - 1, ReportFixtures.EPOCHS - ReportFixtures.NAN_EPOCH), valid);
        assertEquals("\u2013", Html.number(Double.NaN));
        assertEquals("301.2", Html.number(301.2));
        assertEquals("0.86", Html.number(0.86));
        assertEquals("1.235e-05", Html.number(1.2345e-5));
        assertEquals("+1.48\u00a0%", Html.signedPercent(0.0148));
    }

    @Test
    void aTaskWithoutValidationHasOnlyItsTrainingLine() {
        List<EpochReport> epochs = new ArrayList<>();
        for (int e = 1; e <= 3; e++) {
            epochs.add(new EpochReport(e, Map.of("only", new TaskEpochStats(1.0 / e, Double.NaN, 1.0, Map.of())), 0, 0, false));
        }
        String html = HtmlReport.render(RunSummary.builder("one", TrainingHistory.of(epochs, null)).build());
        String svg = lossChart(html, "only");
        assertEquals(List.of(3), polylinePoints(svg, "train"));
        assertEquals(List.of(), polylinePoints(svg, "valid"));
        assertTrue(html.contains("(no validation data)"));
        assertFalse(html.contains("NaN"));
        assertFalse(html.contains("id=\"gates\""), "no gate section without gates");
        assertFalse(html.contains("id=\"comparison\""), "no comparison section without one");
    }

    @Test
    void oneEpochAndNoEpochStillRender() {
        EpochReport only = new EpochReport(1, Map.of("t", new TaskEpochStats(0.5, 0.6, 1.0, Map.of())), 0.5, 0.1, true);
        String one = HtmlReport.render(RunSummary.builder("one epoch", TrainingHistory.of(List.of(only), null)).build());
        assertEquals(List.of(1), polylinePoints(lossChart(one, "t"), "train"));
        assertTrue(lossChart(one, "t").contains("<circle"), "a single point is drawn as a dot");
        String none = HtmlReport.render(RunSummary.builder("no epoch", TrainingHistory.of(List.of(), null)).tasks(List.of("t")).build());
        assertTrue(lossChart(none, "t").contains("no finite values"));
        assertTrue(none.contains("no epochs recorded"));
        for (String html : List.of(one, none)) {
            assertFalse(html.contains("NaN") || html.contains("Infinity"), html);
        }
    }

    @Test
    void tablesHoldMetricsParametersGatesAndComparison() {
        String html = HtmlReport.render(ReportFixtures.full());
        assertTrue(html.contains("<td class=\"name\">rmse</td><td class=\"num main\">301.2</td>"), "main metric of mass");
        assertTrue(html.contains("<td class=\"name\">auc</td><td class=\"num main\">0.95</td>"), "main metric of the binary task");
        assertTrue(html.contains("<td class=\"name\">accuracy</td><td class=\"num main\">0.97</td>"), "main metric of species");
        assertTrue(html.contains("<tfoot><tr><th scope=\"row\">total</th><td class=\"num\">1,397</td>"), "total parameters");
        assertTrue(html.contains("id=\"gates\"") && html.contains(">expert_2</th>"));
        assertTrue(html.contains("<td class=\"num delta up\">+1.48\u00a0%</td>"));
        assertTrue(html.contains("<td class=\"num delta down\">-0.52\u00a0%</td>"));
        assertTrue(html.contains("<td class=\"num best\">301.2</td>"), "lowest rmse in bold");
        int mass = html.indexOf("</span>task mass</th>");
        int species = html.indexOf("</span>task species</th>");
        int awkward = html.indexOf("</span>task a&lt;b&amp;&quot;c</th>");
        assertTrue(0 < mass && mass < species && species < awkward, "parameter rows in task order, not the map's");
    }

    @Test
    void epochTicksStartAtTheFirstEpochAndStayApart() {
        assertEquals(List.of(1.0, 4.0, 6.0, 8.0, 10.0, 12.0), LineChart.xTicks(1, 12));
        assertEquals(List.of(1.0, 2.0, 3.0), LineChart.xTicks(1, 3));
        assertEquals(List.of(1.0, 20.0, 40.0, 60.0, 80.0, 100.0), LineChart.xTicks(1, 100));
        assertEquals(List.of(1.0), LineChart.xTicks(1, 1));
    }

    @Test
    void sameInputGivesTheSameBytes(@TempDir Path dir) throws IOException {
        String first = HtmlReport.render(ReportFixtures.full());
        String second = HtmlReport.render(ReportFixtures.full());
        assertEquals(first, second);
        Path file = dir.resolve("out/report.html");
        HtmlReport.write(file, ReportFixtures.full());
        assertEquals(first, Files.readString(file, StandardCharsets.UTF_8));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void summaryRefusesInconsistentInput() {
        TrainingHistory history = ReportFixtures.history();
        IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
                () -> RunSummary.builder("t", history).tasks(List.of("mass", "mass")).build());
        assertTrue(duplicate.getMessage().contains("'mass' appears twice"), duplicate.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RunSummary.builder("t", history).tasks(List.of("mass", "height")).build());
        assertTrue(missing.getMessage().contains("[height]"), missing.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> RunSummary.builder("t", history).metrics(Map.of("height", Map.of("rmse", 1.0))).build());
        assertTrue(unknown.getMessage().contains("'height'"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunSummary.builder(" ", history).build());
        assertThrows(IllegalArgumentException.class, () -> RunSummary.builder("t", TrainingHistory.of(List.of(), null)).build());
        assertEquals(ReportFixtures.TASKS, RunSummary.builder("t", history).build().tasks(), "tasks default to the history's");
        assertEquals("rmse", ReportFixtures.full().mainMetrics().get("mass"), "main metric recognized from the metric names");
    }
}
