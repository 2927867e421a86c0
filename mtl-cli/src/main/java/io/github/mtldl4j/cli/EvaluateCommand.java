package io.github.mtldl4j.cli;

import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.MetricsJson;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mtl evaluate}: per-task metrics of a saved model on new data. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Per-task metrics of a saved model on a CSV file.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR/model.zip", description = "A model written by mtl train.")
    Path modelFile;

    @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "Rows with the model's feature and label columns.")
    Path data;

    @Option(names = "--json", description = "Print metrics as JSON (the tasks part of metrics.json).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        MultiTaskModel model = ModelFiles.load(modelFile);
        TabularPreprocessor preprocessor = TabularTraining.preprocessorOf(model, modelFile.toString());
        CsvTable table = CsvTable.read(data);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        Map<String, TaskMetrics> metrics = TabularTraining.evaluate(model, preprocessor, preprocessor.encode(table).data());
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("data", data.toString());
        run.put("model", modelFile.toString());
        spec.commandLine().getOut().println(json ? MetricsJson.write(metrics, run).stripTrailing() : MetricsTable.render(metrics));
        return 0;
    }
}
