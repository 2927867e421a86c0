package io.github.mtldl4j.cli;

import io.github.mtldl4j.export.OnnxExporter;
import io.github.mtldl4j.export.OnnxGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularOnnxExporter;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl export}: a model saved by {@code mtl train} as one ONNX model with its preprocessing in front
 * ({@link TabularOnnxExporter}; docs/export.md). Written whole or not at all.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Writes a saved model, preprocessing included, as an ONNX model (docs/export.md).")
public final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR/model.zip", description = "A model written by mtl train.")
    Path modelFile;

    @Option(names = "--onnx", required = true, paramLabel = "FILE.onnx", description = "Where to write the ONNX model.")
    Path onnx;

    @Override
    public Integer call() throws IOException {
        if (Files.isDirectory(onnx)) {
            throw new IllegalArgumentException("--onnx " + onnx + ": is a directory; expected the file to write, e.g. "
                    + onnx.resolve("model.onnx") + ".");
        }
        OutputDirectory.check(onnx.toAbsolutePath().getParent());
        MultiTaskModel model = ModelFiles.load(modelFile);
        TabularPreprocessor preprocessor = TabularTraining.preprocessorOf(model, modelFile.toString());
        OnnxExporter.write(TabularOnnxExporter.export(model, preprocessor), onnx);
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s (ONNX opset %d; inputs: %d feature columns; outputs: %s)%n",
                onnx, OnnxGraph.OPSET, preprocessor.features().size(), String.join(", ", model.taskNames()));
        return 0;
    }
}
