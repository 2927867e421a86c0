/**
 * The run report: {@link io.github.mtldl4j.tabular.report.RunSummary} gathers what a training run produced (history,
 * final metrics, parameter counts, gate utilization, settings, an optional comparison of runs with delta-m) and
 * {@link io.github.mtldl4j.tabular.report.HtmlReport} renders it as {@code report.html}, one self-contained file with
 * inline CSS and charts drawn as inline SVG: no script, no external reference, readable offline and in print.
 */
package io.github.mtldl4j.tabular.report;
