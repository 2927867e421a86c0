package io.github.mtldl4j.cli;

import io.github.mtldl4j.model.MultiTaskModel;
import java.io.IOException;
import java.nio.file.Path;

/** Loads a model for the command line: any unreadable file is bad input (exit 2), with the reason. */
final class ModelFiles {
    private ModelFiles() {
    }

    static MultiTaskModel load(Path file) {
        try {
            return MultiTaskModel.load(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a usable model (" + e.getMessage() + ").", e);
        }
    }
}
