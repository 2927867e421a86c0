package io.github.mtldl4j.examples;

import io.github.mtldl4j.data.CsvTable;
import io.github.mtldl4j.data.TabularPreprocessor;
import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.pipeline.TabularTraining;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl predict}: one column per regression output (label units), the predicted class and the class
 * probabilities per classification task ({@code <task>}, {@code <task>_p_<class>}), per multilabel label its 0/1 and
 * probability.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Predictions of a saved model for the rows of a CSV file.")
public final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR/model.zip", description = "A model written by mtl train.")
    Path modelFile;

    @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "Rows with the model's feature columns.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "PRED.csv", description = "Where to write the predictions.")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (java.nio.file.Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + ": is a directory; expected the CSV file to write, e.g. " + out.resolve("predictions.csv") + ".");
        }
        OutputDirectory.check(out.toAbsolutePath().getParent());
        MultiTaskModel model = ModelFiles.load(modelFile);
        TabularPreprocessor preprocessor = TabularTraining.preprocessorOf(model, modelFile.toString());
        CsvTable table = CsvTable.read(data);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        INDArray features = preprocessor.encode(table, false).data().getFeatures(0);
        Map<String, INDArray> predictions = model.predict(features);
        AtomicFile.writeString(out, csv(preprocessor, predictions, table.rowCount()));
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d predictions to %s%n", table.rowCount(), out);
        return 0;
    }

    static String csv(TabularPreprocessor preprocessor, Map<String, INDArray> predictions, int rows) throws IOException {
        List<String> header = new ArrayList<>();
        for (TabularPreprocessor.TaskLabels task : preprocessor.taskLabels()) {
            String name = task.spec().name();
            switch (task.spec().type()) {
                case REGRESSION -> task.spec().columns().forEach(c -> header.add(task.width() == 1 ? name : name + "_" + c));
                case BINARY, MULTICLASS -> {
                    header.add(name);
                    task.classes().forEach(c -> header.add(name + "_p_" + c));
                }
                case MULTILABEL -> task.spec().columns().forEach(c -> {
                    header.add(name + "_" + c);
                    header.add(name + "_" + c + "_p");
                });
            }
        }
        StringWriter text = new StringWriter();
        try (CSVPrinter printer = new CSVPrinter(text, CSVFormat.RFC4180.builder().setHeader(header.toArray(String[]::new)).get())) {
            for (int r = 0; r < rows; r++) {
                List<Object> row = new ArrayList<>();
                for (TabularPreprocessor.TaskLabels task : preprocessor.taskLabels()) {
                    String name = task.spec().name();
                    INDArray p = predictions.get(name);
                    switch (task.spec().type()) {
                        case REGRESSION -> {
                            INDArray units = preprocessor.toLabelUnits(name, p);
                            for (int k = 0; k < task.width(); k++) {
                                row.add(units.getDouble(r, k));
                            }
                        }
                        case BINARY -> {
                            double positive = p.getDouble(r, 0);
                            row.add(task.classes().get(positive > 0.5 ? 1 : 0));
                            row.add(1 - positive);
                            row.add(positive);
                        }
                        case MULTICLASS -> {
                            int best = 0;
                            for (int c = 1; c < task.width(); c++) {
                                best = p.getDouble(r, c) > p.getDouble(r, best) ? c : best;
                            }
                            row.add(task.classes().get(best));
                            for (int c = 0; c < task.width(); c++) {
                                row.add(p.getDouble(r, c));
                            }
                        }
                        case MULTILABEL -> {
                            for (int k = 0; k < task.width(); k++) {
                                double probability = p.getDouble(r, k);
                                row.add(task.levels().get(k).get(probability > 0.5 ? 1 : 0));
                                row.add(probability);
                            }
                        }
                    }
                }
                printer.printRecord(row);
            }
        }
        return text.toString();
    }
}
