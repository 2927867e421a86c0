package io.github.mtldl4j.cli;

import io.github.mtldl4j.graph.Esmm;
import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * For an ESMM model, last, per funnel stage after the first, the stage's own probability given the previous stage
 * ({@code <task>_given_<previous>_p}: pCVR beside pCTCVR): from model.zip the stage tower's sigmoid
 * ({@link Esmm#stageProbability}); from its ONNX export the quotient of the two funnel outputs, the same up to float
 * rounding (0 where the previous stage's probability is 0).
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
            String sharing = onnx ? onnxModel.sharing() : model.layout().sharing();
            List<String> stages = stages(sharing, preprocessor);
            List<String> header = new ArrayList<>(header(preprocessor));
            for (int k = 1; k < stages.size(); k++) {
                header.add(stageColumn(stages, k));
            }
            if (idColumn != null && header.contains(idColumn)) {
                throw new IllegalArgumentException("--id-column " + idColumn + ": a prediction column has that name already (the "
                        + "prediction columns are " + header + "); name a key column whose name differs.");
            }
            Map<String, double[][]> predictions;
            Map<String, double[]> stageColumns = new LinkedHashMap<>();
            if (onnx) {
                predictions = onnxModel.predict(preprocessor.rawFeatures(table));
                for (int k = 1; k < stages.size(); k++) {
                    double[][] reached = predictions.get(stages.get(k));
                    double[][] previous = predictions.get(stages.get(k - 1));
                    double[] given = new double[reached.length];
                    for (int r = 0; r < given.length; r++) {
                        given[r] = previous[r][0] == 0 ? 0 : reached[r][0] / previous[r][0];
                    }
                    stageColumns.put(stageColumn(stages, k), given);
                }
            } else {
                MtlCommand.announceBackend(spec.commandLine().getErr());
                INDArray features = preprocessor.encodeWithoutLabels(table).data().getFeatures(0);
                predictions = inLabelUnits(preprocessor, model.predict(features));
                stageColumns = stageColumns(model, stages, features);
            }
            write(preprocessor, table, id, predictions, stageColumns);
        } finally {
            if (onnxModel != null) {
                onnxModel.close();
            }
        }
        return 0;
    }

    /** The funnel stages of an ESMM model, in funnel order (its tasks); empty for other sharing modes. */
    static List<String> stages(String sharing, TabularPreprocessor preprocessor) {
        return Esmm.NAME.equals(sharing) ? preprocessor.taskLabels().stream().map(t -> t.spec().name()).toList() : List.of();
    }

    /** Per stage after the first, its column ({@link #stageColumn}) and per row the stage tower's probability. */
    static Map<String, double[]> stageColumns(MultiTaskModel model, List<String> stages, INDArray features) {
        Map<String, double[]> columns = new LinkedHashMap<>();
        for (int k = 1; k < stages.size(); k++) {
            columns.put(stageColumn(stages, k), Esmm.stageProbability(model, stages.get(k), features)
                    .castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(-1).toDoubleVector());
        }
        return columns;
    }

    /** The column of funnel stage {@code k}'s probability given stage {@code k - 1} (ESMM's pCVR). */
    static String stageColumn(List<String> stages, int k) {
        return stages.get(k) + "_given_" + stages.get(k - 1) + "_p";
    }

    private void write(TabularPreprocessor preprocessor, CsvTable table, int id, Map<String, double[][]> predictions,
                       Map<String, double[]> stageColumns) throws IOException {
        List<String> ids = null;
        if (id >= 0) {
            ids = new ArrayList<>(table.rowCount());
            for (int r = 0; r < table.rowCount(); r++) {
                ids.add(table.value(r, id));
            }
        }
        String text = csv(preprocessor, predictions, table.rowCount(), idColumn, ids, stageColumns);
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
        return csv(preprocessor, predictions, rows, idColumn, ids, Map.of());
    }

    /** As {@link #csv(TabularPreprocessor, Map, int, String, List)}, with further columns (name to a value per row) last. */
    static String csv(TabularPreprocessor preprocessor, Map<String, double[][]> predictions, int rows, String idColumn,
                      List<String> ids, Map<String, double[]> extraColumns) throws IOException {
        List<String> header = new ArrayList<>();
        if (idColumn != null) {
            header.add(idColumn);
        }
        header.addAll(header(preprocessor));
        header.addAll(extraColumns.keySet());
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
                for (double[] column : extraColumns.values()) {
                    row.add(column[r]);
                }
                printer.printRecord(row);
            }
        }
        return text.toString();
    }
}
