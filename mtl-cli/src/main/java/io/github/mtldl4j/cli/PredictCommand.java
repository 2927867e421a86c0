package io.github.mtldl4j.cli;

import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
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
 * probability; first, with {@code --id-column}, that column of the input as it is, to join the predictions back on.
 * The file is written whole or not at all ({@link AtomicFile}).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Predictions of a saved model for the rows of a CSV file.")
public final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR/model.zip", description = "A model written by mtl train, "
            + "or its ONNX export (a file ending .onnx, written by mtl export), which runs in ONNX Runtime.")
    Path modelFile;

    @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "Rows with the model's feature columns.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "PRED.csv", description = "Where to write the predictions.")
    Path out;

    @Option(names = "--id-column", paramLabel = "COLUMN", description = "Copy this column of --data (a key such as an ID) into "
            + "the predictions as their first column, to join them back on.")
    String idColumn;

    @Override
    public Integer call() throws IOException {
        if (java.nio.file.Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + ": is a directory; expected the CSV file to write, e.g. " + out.resolve("predictions.csv") + ".");
        }
        OutputDirectory.check(out.toAbsolutePath().getParent());
        boolean onnx = modelFile.getFileName() != null && modelFile.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
        OnnxModelFile onnxModel = onnx ? OnnxModelFile.open(modelFile) : null;
        try {
            MultiTaskModel model = onnx ? null : ModelFiles.load(modelFile);
            TabularPreprocessor preprocessor = onnx ? onnxModel.preprocessor()
                    : TabularTraining.preprocessorOf(model, modelFile.toString());
            CsvTable table = CsvTable.read(data);
            int id = idColumn == null ? -1 : table.column(idColumn, "--id-column");
            List<String> header = header(preprocessor);
            if (idColumn != null && header.contains(idColumn)) {
                throw new IllegalArgumentException("--id-column " + idColumn + ": a prediction column has that name already (the "
                        + "prediction columns are " + header + "); name a key column whose name differs.");
            }
            Map<String, double[][]> predictions;
            if (onnx) {
                predictions = onnxModel.predict(preprocessor.rawFeatures(table));
            } else {
                MtlCommand.announceBackend(spec.commandLine().getErr());
                predictions = inLabelUnits(preprocessor, model.predict(preprocessor.encodeWithoutLabels(table).data().getFeatures(0)));
            }
            write(preprocessor, table, id, predictions);
        } finally {
            if (onnxModel != null) {
                onnxModel.close();
            }
        }
        return 0;
    }

    private void write(TabularPreprocessor preprocessor, CsvTable table, int id, Map<String, double[][]> predictions) throws IOException {
        List<String> ids = null;
        if (id >= 0) {
            ids = new ArrayList<>(table.rowCount());
            for (int r = 0; r < table.rowCount(); r++) {
                ids.add(table.value(r, id));
            }
        }
        String text = csv(preprocessor, predictions, table.rowCount(), idColumn, ids);
        AtomicFile.writeString(out, text);
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d predictions to %s%n", table.rowCount(), out);
    }

    /** The model's outputs as {@code double[rows][width]} per task, regression in label units. */
    static Map<String, double[][]> inLabelUnits(TabularPreprocessor preprocessor, Map<String, INDArray> predictions) {
        Map<String, double[][]> inLabelUnits = new java.util.HashMap<>();
        for (TabularPreprocessor.TaskLabels task : preprocessor.taskLabels()) {
            String name = task.spec().name();
            INDArray units = preprocessor.toLabelUnits(name, predictions.get(name));
            double[][] values = new double[(int) units.rows()][(int) units.columns()];
            for (int r = 0; r < values.length; r++) {
                for (int c = 0; c < values[r].length; c++) {
                    values[r][c] = units.getDouble(r, c);
                }
            }
            inLabelUnits.put(name, values);
        }
        return inLabelUnits;
    }

    /** The prediction columns of a model, in output order. */
    static List<String> header(TabularPreprocessor preprocessor) {
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
        return header;
    }

    /**
     * The predictions as CSV text.
     *
     * @param idColumn the name of the key column written first, or null for none
     * @param ids the key per row (with {@code idColumn})
     */
    static String csv(TabularPreprocessor preprocessor, Map<String, double[][]> predictions, int rows, String idColumn,
                      List<String> ids) throws IOException {
        List<String> header = new ArrayList<>();
        if (idColumn != null) {
            header.add(idColumn);
        }
        header.addAll(header(preprocessor));
        StringWriter text = new StringWriter();
        try (CSVPrinter printer = new CSVPrinter(text, CSVFormat.RFC4180.builder().setHeader(header.toArray(String[]::new)).get())) {
            for (int r = 0; r < rows; r++) {
                List<Object> row = new ArrayList<>();
                if (idColumn != null) {
                    row.add(ids.get(r));
                }
                for (TabularPreprocessor.TaskLabels task : preprocessor.taskLabels()) {
                    String name = task.spec().name();
                    double[][] p = predictions.get(name);
                    switch (task.spec().type()) {
                        case REGRESSION -> {
                            for (int k = 0; k < task.width(); k++) {
                                row.add(p[r][k]);
                            }
                        }
                        case BINARY -> {
                            double positive = p[r][0];
                            row.add(task.classes().get(positive > 0.5 ? 1 : 0));
                            row.add(1 - positive);
                            row.add(positive);
                        }
                        case MULTICLASS -> {
                            int best = 0;
                            for (int c = 1; c < task.width(); c++) {
                                best = p[r][c] > p[r][best] ? c : best;
                            }
                            row.add(task.classes().get(best));
                            for (int c = 0; c < task.width(); c++) {
                                row.add(p[r][c]);
                            }
                        }
                        case MULTILABEL -> {
                            for (int k = 0; k < task.width(); k++) {
                                double probability = p[r][k];
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
