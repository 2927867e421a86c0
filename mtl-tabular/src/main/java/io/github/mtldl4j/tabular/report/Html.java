package io.github.mtldl4j.tabular.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Escaping and number formatting shared by the report's tables and charts. */
final class Html {
    /** What an undefined (NaN) number prints as. */
    static final String MISSING = "\u2013";

    private Html() {
    }

    /** Escapes text for an HTML element or a double-quoted attribute. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * A number for a table: "–" for NaN, 4 significant digits below 1,000, one decimal from 1,000 on, scientific
     * notation for very small or very large magnitudes. Locale independent.
     */
    static String number(double value) {
        if (Double.isNaN(value)) {
            return MISSING;
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "\u221e" : "\u2212\u221e";
        }
        if (value == 0) {
            return "0";
        }
        double magnitude = Math.abs(value);
        if (magnitude >= 1e7 || magnitude < 1e-4) {
            return String.format(Locale.ROOT, "%.3e", value);
        }
        if (magnitude >= 1000) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** A fraction as a signed percentage, e.g. "+3.21 %"; "–" for NaN. */
    static String signedPercent(double fraction) {
        if (!Double.isFinite(fraction)) {
            return Double.isNaN(fraction) ? MISSING : number(fraction);
        }
        return String.format(Locale.ROOT, "%+.2f\u00a0%%", fraction * 100);
    }
}
