package io.github.mtldl4j.examples;

import io.github.mtldl4j.data.TaskSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** The options that say which table to learn and what from, shared by {@code train}, {@code affinity} and {@code tune}. */
final class TabularDataOptions {

    @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "Training data with a header line.")
    Path data;

    @Option(names = "--task", required = true, paramLabel = "NAME:TYPE:COLUMN",
            description = "A task (repeat): TYPE regression, binary, multiclass or multilabel (NAME:multilabel:C1,C2,...).")
    List<String> tasks;

    @Option(names = "--features", split = ",", paramLabel = "C1,C2", description = "Feature columns (default: every non-label column).")
    List<String> features;

    @Option(names = "--categorical", split = ",", paramLabel = "C1,C2", description = "Columns to one-hot encode even if numeric.")
    List<String> categorical = List.of();

    /** The parsed {@code --task} options. */
    List<TaskSpec> taskSpecs() {
        return tasks.stream().map(TaskSpec::parse).toList();
    }

    /** The {@code --categorical} columns. */
    Set<String> categoricalColumns() {
        return Set.copyOf(categorical);
    }
}
