package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.FeatureSelection;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** The options that say which table to learn and what from, shared by {@code train}, {@code affinity} and {@code tune}. */
final class TabularDataOptions {

    Path data;

    /** {@code --data} as given: a URI such as {@code hdfs://namenode/x.csv} keeps its double slash, which a Path drops. */
    String dataText;

    @Option(names = "--data", paramLabel = "FILE.csv", description = "Training data with a header line (required, except by "
            + "train when every task has its own --task-data file). With train --spark, a URI (file://, hdfs://, s3a://, ...) "
            + "is read by Spark on the executors.")
    void data(String value) {
        dataText = value;
        data = Path.of(value);
    }

    /**
     * Whether a path is a URI with a scheme ({@code file:///data/x.csv}, {@code hdfs://namenode/x.csv},
     * {@code s3a://bucket/x.csv}), which Spark reads where it lives, rather than a path on this machine.
     */
    static boolean isUri(String path) {
        return path != null && path.matches("[A-Za-z][A-Za-z0-9+.-]+:/.*");
    }

    @Option(names = "--task", required = true, paramLabel = "NAME:TYPE:COLUMN",
            description = "A task (repeat): TYPE regression, binary, multiclass or multilabel (NAME:multilabel:C1,C2,...).")
    List<String> tasks;

    @Option(names = "--features", split = ",", paramLabel = "C1,C2", description = "Feature columns (default: every non-label "
            + "column, except text columns with a distinct value for most rows, such as IDs and dates).")
    List<String> features;

    @Option(names = "--categorical", split = ",", paramLabel = "C1,C2", description = "Columns to one-hot encode even if numeric.")
    List<String> categorical = List.of();

    /** {@code --data}, or a usage error when it was left out. */
    Path requiredData() {
        if (data == null) {
            throw new IllegalArgumentException("Missing required option: '--data=FILE.csv'.");
        }
        return data;
    }

    /** The parsed {@code --task} options. */
    List<TaskSpec> taskSpecs() {
        return tasks.stream().map(TaskSpec::parse).toList();
    }

    /** The {@code --categorical} columns. */
    Set<String> categoricalColumns() {
        return Set.copyOf(categorical);
    }

    /**
     * The feature columns, decided on the training rows: {@code --features} as given, else the defaults of
     * {@link FeatureSelection}. Prints one warning line on {@code err} per column left out, and per numeric column
     * kept that looks like a row number.
     */
    FeatureSelection chooseFeatures(CsvTable trainingRows, List<TaskSpec> specs, PrintWriter err) {
        Set<String> labels = new LinkedHashSet<>();
        specs.forEach(spec -> labels.addAll(spec.columns()));
        FeatureSelection selection = FeatureSelection.of(trainingRows, labels, features, categoricalColumns());
        for (FeatureSelection.LeftOut column : selection.leftOut()) {
            err.printf("mtl: warning: column '%s' left out of the features: %s (%s); name it in --features to use it%n",
                    column.column(), column.reason(), column.why());
        }
        for (FeatureSelection.RowNumber column : selection.rowNumbers()) {
            List<String> others = new ArrayList<>(selection.used());
            others.remove(column.column());
            err.printf("mtl: warning: column '%s' looks like a row number or ID (%s); it is used as a numeric feature%s%n",
                    column.column(), column.reason(), others.isEmpty() ? ""
                            : "; if it only identifies rows, leave it out: --features " + String.join(",", others));
        }
        err.flush();
        return selection;
    }

    /**
     * The header line naming the features, e.g. {@code features: bill_length_mm, body_mass_g (standardized); island
     * (one-hot); left out: date (1,169 distinct values in 1,169 training rows)}.
     */
    static String describe(FeatureSelection selection) {
        List<String> numeric = selection.used().stream().filter(c -> !selection.oneHot().contains(c)).toList();
        List<String> parts = new ArrayList<>();
        if (!numeric.isEmpty()) {
            parts.add(String.join(", ", numeric) + " (standardized)");
        }
        if (!selection.oneHot().isEmpty()) {
            parts.add(String.join(", ", selection.oneHot()) + " (one-hot)");
        }
        StringBuilder line = new StringBuilder(selection.named() ? "features (--features): " : "features: ").append(String.join("; ", parts));
        if (!selection.leftOut().isEmpty()) {
            line.append("; left out: ").append(String.join(", ", selection.leftOut().stream()
                    .map(c -> c.column() + " (" + c.reason() + ")").toList()));
        }
        return line.toString();
    }
}
