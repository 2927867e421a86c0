package io.github.mtldl4j.affinity;

import java.util.List;

/**
 * Task relatedness of an epoch or a run: {@link GradientAffinity gradient cosines} and {@link LookaheadAffinity
 * lookahead affinities}, each the mean over the measured steps (a cell's mean skips steps where it was undefined,
 * e.g. a task without labels in the batch). Row i, column j: the effect of task i on task j.
 *
 * @param tasks task names, in the order of rows and columns
 * @param gradientCosine K x K, symmetric, NaN where never defined
 * @param lookahead K x K, {@code lookahead[i][j] = Z_{i->j}}, NaN where never defined
 * @param measurements steps measured
 * @param overheadSeconds wall time spent measuring (extra gradient passes, lookahead steps, loss evaluations)
 */
public record TaskAffinity(List<String> tasks, double[][] gradientCosine, double[][] lookahead, long measurements,
                           double overheadSeconds) {

    /** Validates shapes and copies the matrices. */
    public TaskAffinity {
        tasks = List.copyOf(tasks);
        gradientCosine = copy(gradientCosine, tasks.size(), "gradientCosine");
        lookahead = copy(lookahead, tasks.size(), "lookahead");
        if (measurements < 0) {
            throw new IllegalArgumentException("measurements must be >= 0, received " + measurements + ".");
        }
    }

    /** A copy of the gradient-cosine matrix. */
    @Override
    public double[][] gradientCosine() {
        return copy(gradientCosine, tasks.size(), "gradientCosine");
    }

    /** A copy of the lookahead matrix. */
    @Override
    public double[][] lookahead() {
        return copy(lookahead, tasks.size(), "lookahead");
    }

    /** Z_{from->to} by task name. */
    public double lookahead(String from, String to) {
        return lookahead[index(from)][index(to)];
    }

    /** The gradient cosine of two tasks by name. */
    public double gradientCosine(String a, String b) {
        return gradientCosine[index(a)][index(b)];
    }

    private int index(String task) {
        int i = tasks.indexOf(task);
        if (i < 0) {
            throw new IllegalArgumentException("Unknown task '" + task + "'; the tasks are " + tasks + ".");
        }
        return i;
    }

    /**
     * The matrices as aligned tables (task names as row and column headers; rows: from, columns: to), for consoles
     * and logs: gradient cosines with three decimals, lookahead affinities in scientific notation (they are often
     * 1e-5 to 1e-2), every column at least two spaces apart.
     */
    public String toText() {
        return table("gradient cosine (symmetric)", gradientCosine, "%+.3f") + "\n"
                + table("lookahead affinity Z[row -> column] (Fifty et al. 2021)", lookahead, "%+.3e");
    }

    private String table(String title, double[][] m, String format) {
        String[][] cells = new String[tasks.size()][tasks.size()];
        int width = tasks.stream().mapToInt(String::length).max().orElse(0);
        for (int i = 0; i < tasks.size(); i++) {
            for (int j = 0; j < tasks.size(); j++) {
                cells[i][j] = Double.isNaN(m[i][j]) ? "-" : String.format(java.util.Locale.ROOT, format, m[i][j]);
                width = Math.max(width, cells[i][j].length());
            }
        }
        int rowHeader = tasks.stream().mapToInt(String::length).max().orElse(0);
        String cell = "  %" + width + "s";
        StringBuilder out = new StringBuilder(title).append('\n').append(" ".repeat(rowHeader));
        tasks.forEach(t -> out.append(String.format(java.util.Locale.ROOT, cell, t)));
        out.append('\n');
        for (int i = 0; i < tasks.size(); i++) {
            out.append(String.format(java.util.Locale.ROOT, "%-" + rowHeader + "s", tasks.get(i)));
            for (int j = 0; j < tasks.size(); j++) {
                out.append(String.format(java.util.Locale.ROOT, cell, cells[i][j]));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static double[][] copy(double[][] m, int k, String name) {
        if (m == null || m.length != k) {
            throw new IllegalArgumentException(name + " must be " + k + " x " + k + " (one row per task), received "
                    + (m == null ? "null" : m.length + " rows") + ".");
        }
        double[][] out = new double[k][];
        for (int i = 0; i < k; i++) {
            if (m[i].length != k) {
                throw new IllegalArgumentException(name + " row " + i + " must have " + k + " entries, received " + m[i].length + ".");
            }
            out[i] = m[i].clone();
        }
        return out;
    }
}
