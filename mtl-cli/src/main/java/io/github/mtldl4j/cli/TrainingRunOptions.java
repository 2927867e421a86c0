package io.github.mtldl4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The minibatch size, validation split, seed and output directory of a command that trains: {@code affinity}, {@code tune}. */
final class TrainingRunOptions {

    @Option(names = "--batch", defaultValue = "32", description = "Minibatch rows (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--valid", defaultValue = "0.2", description = "Validation fraction (default ${DEFAULT-VALUE}).")
    double valid;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the split, the sampling and every training (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;
}
