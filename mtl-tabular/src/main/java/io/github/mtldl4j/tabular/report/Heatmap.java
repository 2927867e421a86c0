package io.github.mtldl4j.tabular.report;

import java.util.List;
import java.util.Locale;

/**
 * A square matrix of signed values as an inline SVG heatmap: rows and columns labelled with task names, each cell
 * coloured on a diverging scale (white at 0, blue for positive, red for negative; full colour at the largest
 * magnitude of the off-diagonal cells, or of all cells if there is one task) and labelled with its value. NaN cells
 * are grey with a dash. Self-contained (no scripts, no fonts loaded).
 */
public final class Heatmap {
    private static final int CELL = 64;
    private static final int CHAR_WIDTH = 7;

    private Heatmap() {
    }

    /**
     * @param title accessible title of the figure
     * @param labels row and column labels (rows: from, columns: to)
     * @param values K x K
     * @return an {@code <svg>} element
     */
    public static String render(String title, List<String> labels, double[][] values) {
        int k = labels.size();
        if (values.length != k) {
            throw new IllegalArgumentException("heatmap needs " + k + " rows (one per label), received " + values.length + ".");
        }
        int labelWidth = 12 + CHAR_WIDTH * labels.stream().mapToInt(String::length).max().orElse(1);
        int top = labelWidth;
        int width = labelWidth + k * CELL + 6;
        int height = top + k * CELL + 6;
        double scale = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if ((i != j || k == 1) && Double.isFinite(values[i][j])) {
                    scale = Math.max(scale, Math.abs(values[i][j]));
                }
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg class=\"chart heatmap\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "xmlns=\"http://www.w3.org/2000/svg\"><title>%s</title>\n", width, height, width, height, Html.escape(title)));
        for (int j = 0; j < k; j++) {
            int x = labelWidth + j * CELL + CELL / 2;
            svg.append(String.format(Locale.ROOT, "<text class=\"label\" transform=\"translate(%d,%d) rotate(-45)\">%s</text>\n",
                    x, top - 6, Html.escape(labels.get(j))));
        }
        for (int i = 0; i < k; i++) {
            int y = top + i * CELL;
            svg.append(String.format(Locale.ROOT, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
                    labelWidth - 6, y + CELL / 2 + 4, Html.escape(labels.get(i))));
            for (int j = 0; j < k; j++) {
                int x = labelWidth + j * CELL;
                double v = values[i][j];
                String fill = color(v, scale);
                boolean dark = Double.isFinite(v) && scale > 0 && Math.abs(v) / scale > 0.55;
                svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"/>"
                        + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" style=\"fill:%s\">%s</text>\n", x, y, CELL, CELL, fill,
                        x + CELL / 2, y + CELL / 2 + 4, dark ? "#fff" : "#222", Html.escape(compact(v))));
            }
        }
        return svg.append("</svg>").toString();
    }

    /** Two significant digits, short enough for a cell: 0.11, -0.0085, 2.5e-05; a dash for NaN. */
    static String compact(double v) {
        if (Double.isNaN(v)) {
            return "\u2013";
        }
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.2g", v).replace("e-0", "e-");
    }

    /** White at 0 to #2166ac (positive) or #b2182b (negative) at |v| = scale; grey for NaN. */
    static String color(double v, double scale) {
        if (!Double.isFinite(v)) {
            return "#e0e0e0";
        }
        double level = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
        int[] end = v >= 0 ? new int[] {0x21, 0x66, 0xac} : new int[] {0xb2, 0x18, 0x2b};
        return String.format(Locale.ROOT, "#%02x%02x%02x", mix(end[0], level), mix(end[1], level), mix(end[2], level));
    }

    private static int mix(int end, double level) {
        return (int) Math.round(255 + (end - 255) * level);
    }
}
