package io.github.mtldl4j.tabular.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart over epochs drawn as inline SVG markup: axes with ticks and labels, horizontal grid lines, one
 * polyline per run of finite values of each series (a NaN breaks the line and is left out), circle markers when
 * there are few points, an optional vertical marker (the best epoch). The y axis is logarithmic when every value is
 * positive and they span more than two decades. No script, no external reference; output depends only on the input.
 */
final class LineChart {
    /** One line: its values by x position (NaN = no value), drawn in {@code color}, dashed or solid. */
    record Series(String cssClass, String color, boolean dashed, double[] values) {
    }

    private static final double LEFT = 58;
    private static final double RIGHT = 14;
    private static final double TOP = 12;
    private static final double BOTTOM = 40;
    private static final int MARKER_LIMIT = 30;
    /** The y axis turns logarithmic when max / min exceeds this (two decades). */
    static final double LOG_SPAN = 100;

    private final String cssClass;
    private final String dataTask;
    private final String description;
    private final int width;
    private final int height;
    private final double[] xs;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private double marker = Double.NaN;
    private String markerLabel = "";

    /**
     * @param cssClass classes of the {@code svg} element, e.g. "chart loss"
     * @param dataTask value of its {@code data-task} attribute, or null for none
     * @param description the accessible title of the chart
     * @param xs the x positions (epoch numbers), increasing
     */
    LineChart(String cssClass, String dataTask, String description, int width, int height, double[] xs, String yLabel) {
        this.cssClass = cssClass;
        this.dataTask = dataTask;
        this.description = description;
        this.width = width;
        this.height = height;
        this.xs = xs.clone();
        this.yLabel = yLabel;
    }

    LineChart add(Series line) {
        if (line.values().length != xs.length) {
            throw new IllegalArgumentException("A series has " + line.values().length + " values for " + xs.length + " x positions.");
        }
        series.add(line);
        return this;
    }

    /** A dotted vertical line at {@code x}, labelled. */
    LineChart marker(double x, String label) {
        this.marker = x;
        this.markerLabel = label;
        return this;
    }

    /** Whether the y axis is logarithmic for these values. */
    static boolean logScale(List<double[]> values) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (double[] line : values) {
            for (double v : line) {
                if (Double.isFinite(v)) {
                    if (v <= 0) {
                        return false;
                    }
                    any = true;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        return any && max / min > LOG_SPAN;
    }

    String svg() {
        List<double[]> all = new ArrayList<>();
        series.forEach(s -> all.add(s.values()));
        boolean log = logScale(all);
        StringBuilder out = new StringBuilder();
        out.append("<svg class=\"").append(cssClass).append(log ? " log" : "").append('"');
        if (dataTask != null) {
            out.append(" data-task=\"").append(Html.escape(dataTask)).append('"');
        }
        out.append(" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"").append(Html.escape(description))
                .append("\">");
        out.append("<title>").append(Html.escape(description)).append("</title>");
        double plotLeft = LEFT;
        double plotRight = width - RIGHT;
        double plotTop = TOP;
        double plotBottom = height - BOTTOM;

        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] line : all) {
            for (double v : line) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (xs.length == 0 || min > max) {
            out.append("<text class=\"empty\" x=\"").append(fmt(width / 2.0)).append("\" y=\"").append(fmt(height / 2.0))
                    .append("\" text-anchor=\"middle\">no finite values</text></svg>");
            return out.toString();
        }

        // y scale
        double lo;
        double hi;
        List<Double> yTicks = new ArrayList<>();
        List<String> yTickLabels = new ArrayList<>();
        if (log) {
            int first = (int) Math.floor(Math.log10(min));
            int last = (int) Math.ceil(Math.log10(max));
            if (first == last) {
                last++;
            }
            int step = Math.max(1, (int) Math.ceil((last - first) / 6.0));
            for (int k = first; k <= last; k += step) {
                yTicks.add((double) k);
                yTickLabels.add(powerOfTen(k));
            }
            lo = first;
            hi = last;
        } else {
            double a = min;
            double b = max;
            if (a == b) {
                double pad = a == 0 ? 1 : Math.abs(a) * 0.1;
                a -= pad;
                b += pad;
            }
            double step = niceStep((b - a) / 4);
            lo = Math.floor(a / step) * step;
            hi = Math.ceil(b / step) * step;
            int count = (int) Math.round((hi - lo) / step);
            for (int i = 0; i <= count; i++) {
                double tick = lo + i * step;
                yTicks.add(tick);
                yTickLabels.add(tickLabel(tick, step));
            }
        }
        // x scale
        double xLo = xs[0];
        double xHi = xs[xs.length - 1];
        if (xLo == xHi) {
            xLo -= 1;
            xHi += 1;
        }
        final double yLo = lo;
        final double yHi = hi;
        final double xMin = xLo;
        final double xMax = xHi;
        java.util.function.DoubleUnaryOperator px = x -> plotLeft + (x - xMin) / (xMax - xMin) * (plotRight - plotLeft);
        java.util.function.DoubleUnaryOperator py = y -> plotBottom - ((log ? Math.log10(y) : y) - yLo) / (yHi - yLo) * (plotBottom - plotTop);
        java.util.function.DoubleUnaryOperator pyTick = t -> plotBottom - (t - yLo) / (yHi - yLo) * (plotBottom - plotTop);

        // grid and y ticks
        out.append("<g class=\"axis y\">");
        for (int i = 0; i < yTicks.size(); i++) {
            String y = fmt(pyTick.applyAsDouble(yTicks.get(i)));
            out.append("<line class=\"grid\" x1=\"").append(fmt(plotLeft)).append("\" x2=\"").append(fmt(plotRight))
                    .append("\" y1=\"").append(y).append("\" y2=\"").append(y).append("\"/>");
            out.append("<text x=\"").append(fmt(plotLeft - 6)).append("\" y=\"").append(y)
                    .append("\" dy=\"0.32em\" text-anchor=\"end\">").append(yTickLabels.get(i)).append("</text>");
        }
        double labelX = 14;
        double labelY = (plotTop + plotBottom) / 2;
        out.append("<text class=\"label\" transform=\"translate(").append(fmt(labelX)).append(',').append(fmt(labelY))
                .append(") rotate(-90)\" text-anchor=\"middle\">").append(Html.escape(yLabel + (log ? " (log scale)" : "")))
                .append("</text></g>");
        // x ticks
        out.append("<g class=\"axis x\">");
        out.append("<line class=\"axis-line\" x1=\"").append(fmt(plotLeft)).append("\" x2=\"").append(fmt(plotRight))
                .append("\" y1=\"").append(fmt(plotBottom)).append("\" y2=\"").append(fmt(plotBottom)).append("\"/>");
        for (double tick : xTicks(xs[0], xs[xs.length - 1])) {
            String x = fmt(px.applyAsDouble(tick));
            out.append("<line class=\"tick\" x1=\"").append(x).append("\" x2=\"").append(x).append("\" y1=\"")
                    .append(fmt(plotBottom)).append("\" y2=\"").append(fmt(plotBottom + 4)).append("\"/>");
            out.append("<text x=\"").append(x).append("\" y=\"").append(fmt(plotBottom + 16))
                    .append("\" text-anchor=\"middle\">").append((long) tick).append("</text>");
        }
        out.append("<text class=\"label\" x=\"").append(fmt((plotLeft + plotRight) / 2)).append("\" y=\"")
                .append(fmt(height - 6.0)).append("\" text-anchor=\"middle\">epoch</text></g>");

        if (Double.isFinite(marker)) {
            String x = fmt(px.applyAsDouble(marker));
            out.append("<g class=\"marker\"><line x1=\"").append(x).append("\" x2=\"").append(x).append("\" y1=\"")
                    .append(fmt(plotTop)).append("\" y2=\"").append(fmt(plotBottom)).append("\"/><title>")
                    .append(Html.escape(markerLabel)).append("</title></g>");
        }

        boolean markAll = xs.length <= MARKER_LIMIT;
        for (Series line : series) {
            String stroke = " stroke=\"" + line.color() + "\"";
            String fill = line.dashed() ? " fill=\"#fff\"" + stroke : " fill=\"" + line.color() + "\"";
            List<String> segment = new ArrayList<>();
            StringBuilder markers = new StringBuilder();
            for (int i = 0; i <= xs.length; i++) {
                double v = i < xs.length ? line.values()[i] : Double.NaN;
                if (Double.isFinite(v) && (!log || v > 0)) {
                    segment.add(fmt(px.applyAsDouble(xs[i])) + "," + fmt(py.applyAsDouble(v)));
                } else if (!segment.isEmpty()) {
                    out.append("<polyline class=\"").append(line.cssClass()).append("\" points=\"")
                            .append(String.join(" ", segment)).append("\" fill=\"none\"").append(stroke)
                            .append(line.dashed() ? " stroke-dasharray=\"6 4\"" : "")
                            .append(" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>");
                    if (markAll || segment.size() == 1) {
                        for (String point : segment) {
                            int comma = point.indexOf(',');
                            markers.append("<circle cx=\"").append(point, 0, comma).append("\" cy=\"")
                                    .append(point.substring(comma + 1)).append("\" r=\"2.6\"").append(fill).append("/>");
                        }
                    }
                    segment.clear();
                }
            }
            if (markers.length() > 0) {
                out.append("<g class=\"points ").append(line.cssClass()).append("\">").append(markers).append("</g>");
            }
        }
        out.append("</svg>");
        return out.toString();
    }

    /** Integer ticks from {@code first} to {@code last}: the first epoch, then multiples of a nice step. */
    static List<Double> xTicks(double first, double last) {
        List<Double> ticks = new ArrayList<>();
        ticks.add(first);
        if (last <= first) {
            return ticks;
        }
        double step = Math.max(1, Math.round(niceStep((last - first) / 6)));
        for (double t = Math.ceil(first / step) * step; t <= last; t += step) {
            if (t > first + step * 0.75) {
                ticks.add(t);
            }
        }
        return ticks;
    }

    /** 1, 2 or 5 times a power of ten, near {@code raw}. */
    static double niceStep(double raw) {
        double exponent = Math.floor(Math.log10(raw));
        double base = Math.pow(10, exponent);
        double fraction = raw / base;
        double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * base;
    }

    private static String tickLabel(double tick, double step) {
        if (Math.abs(tick) < step * 1e-9) {
            return "0";
        }
        double magnitude = Math.max(Math.abs(tick), step);
        if (magnitude >= 1e6 || step < 1e-5) {
            return String.format(Locale.ROOT, "%.2g", tick);
        }
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", tick);
    }

    private static String powerOfTen(int k) {
        if (k >= 0 && k <= 4) {
            return String.format(Locale.ROOT, "%d", (long) Math.pow(10, k));
        }
        if (k < 0 && k >= -4) {
            return String.format(Locale.ROOT, "%." + (-k) + "f", Math.pow(10, k));
        }
        return "1e" + k;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
