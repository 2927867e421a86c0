package io.github.mtldl4j.cli;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.task.TaskType;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.JsonNodeFactory;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The model {@code mtl serve} answers for, and the request-to-prediction path: request rows become a {@link CsvTable}
 * (JSON rows and V2 tensors are written as CSV text first), then exactly {@code mtl predict}'s steps run on it: the
 * model's stored preprocessing ({@link TabularPreprocessor#encodeWithoutLabels}), {@link MultiTaskModel#predict} (thread-safe,
 * a pool of predictors) and {@link PredictCommand#csv}, the code that writes {@code predictions.csv}. JSON answers read
 * their numbers back from that text, so they equal {@code mtl predict}'s values.
 */
public final class ServedModel {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final CSVFormat CSV = CSVFormat.RFC4180;

    /** One output tensor: its name, which prediction columns it holds, and whether they are class names (BYTES). */
    record Output(String name, List<Integer> columns, List<String> labels, boolean classNames) {
    }

    private final String name;
    private final MultiTaskModel model;
    private final TabularPreprocessor preprocessor;
    private final List<String> header;
    private final List<Output> outputs;
    private final List<String> stages;

    /**
     * @param name the model's name in URLs
     * @param preprocessor the model's stored preprocessing ({@code TabularTraining.preprocessorOf})
     */
    public ServedModel(String name, MultiTaskModel model, TabularPreprocessor preprocessor) {
        this.name = name;
        this.model = model;
        this.preprocessor = preprocessor;
        this.stages = PredictCommand.stages(model.layout().sharing(), preprocessor);
        List<String> columns = new ArrayList<>(PredictCommand.header(preprocessor));
        List<Output> tensors = new ArrayList<>(outputs(preprocessor, columns));
        for (int k = 1; k < stages.size(); k++) {
            // ESMM's pCVR, as mtl predict writes it: one more column and a tensor of its own, named as the column.
            String column = PredictCommand.stageColumn(stages, k);
            tensors.add(new Output(column, List.of(columns.size()), List.of(), false));
            columns.add(column);
        }
        this.header = List.copyOf(columns);
        this.outputs = List.copyOf(tensors);
    }

    String name() {
        return name;
    }

    /** The feature columns, in the model's input order. */
    List<TabularPreprocessor.Feature> features() {
        return preprocessor.features();
    }

    List<Output> outputs() {
        return outputs;
    }

    /** The prediction columns of {@code mtl predict}, in order. */
    List<String> header() {
        return header;
    }

    /**
     * Per task a numeric tensor named after the task (regression values in label units, class or label probabilities),
     * and per classification task a {@code <task>_class} tensor of class names (multilabel: the level of each label).
     */
    private static List<Output> outputs(TabularPreprocessor preprocessor, List<String> header) {
        List<Output> outputs = new ArrayList<>();
        Set<String> taskNames = new LinkedHashSet<>();
        preprocessor.taskLabels().forEach(t -> taskNames.add(t.spec().name()));
        int column = 0;
        for (TabularPreprocessor.TaskLabels task : preprocessor.taskLabels()) {
            String name = task.spec().name();
            List<Integer> numbers = new ArrayList<>();
            List<Integer> classes = new ArrayList<>();
            List<String> labels;
            switch (task.spec().type()) {
                case REGRESSION -> {
                    for (int k = 0; k < task.width(); k++) {
                        numbers.add(column++);
                    }
                    labels = task.spec().columns();
                }
                case BINARY, MULTICLASS -> {
                    classes.add(column++);
                    for (int k = 0; k < task.classes().size(); k++) {
                        numbers.add(column++);
                    }
                    labels = task.classes();
                }
                case MULTILABEL -> {
                    for (int k = 0; k < task.width(); k++) {
                        classes.add(column++);
                        numbers.add(column++);
                    }
                    labels = task.spec().columns();
                }
                default -> throw new IllegalStateException("unknown task type " + task.spec().type());
            }
            outputs.add(new Output(name, numbers, labels, false));
            if (!classes.isEmpty()) {
                String className = name + "_class";
                if (taskNames.contains(className)) {
                    throw new IllegalArgumentException("task '" + className + "' has the name of task '" + name
                            + "''s class output; mtl serve cannot name both outputs apart (rename one task when training).");
                }
                outputs.add(new Output(className, classes, task.spec().type() == TaskType.MULTILABEL ? task.spec().columns() : List.of(), true));
            }
        }
        if (column != header.size()) {
            throw new IllegalStateException("outputs cover " + column + " of " + header.size() + " prediction columns");
        }
        return List.copyOf(outputs);
    }

    /** The model's metadata in the Open Inference Protocol's form (with the {@code labels} extension of each output). */
    ObjectNode metadata(String platform) {
        ObjectNode root = NODES.objectNode();
        root.put("name", name);
        root.putArray("versions");
        root.put("platform", platform);
        ArrayNode inputs = root.putArray("inputs");
        for (TabularPreprocessor.Feature feature : preprocessor.features()) {
            ObjectNode input = inputs.addObject();
            input.put("name", feature.column());
            input.put("datatype", feature.numeric() ? "FP32" : "BYTES");
            input.putArray("shape").add(-1);
        }
        ArrayNode out = root.putArray("outputs");
        for (Output output : outputs) {
            ObjectNode tensor = out.addObject();
            tensor.put("name", output.name());
            tensor.put("datatype", output.classNames() ? "BYTES" : "FP64");
            ArrayNode shape = tensor.putArray("shape").add(-1);
            if (!output.classNames() || output.columns().size() > 1) {
                shape.add(output.columns().size());
            }
            if (!output.labels().isEmpty()) {
                output.labels().forEach(tensor.putArray("labels")::add);
            }
        }
        return root;
    }

    /** Predicts one row of missing values, so the first request does not pay for building a predictor. */
    public void warmUp() throws IOException {
        List<List<String>> columns = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (TabularPreprocessor.Feature feature : preprocessor.features()) {
            names.add(feature.column());
            columns.add(java.util.Collections.singletonList(null));
        }
        predictCsv(table(names, columns, "warm-up row"));
    }

    /** {@code mtl predict}'s CSV text for the rows of {@code table}. */
    String predictCsv(CsvTable table) throws IOException {
        INDArray features = preprocessor.encodeWithoutLabels(table).data().getFeatures(0);
        Map<String, INDArray> predictions = model.predict(features);
        return PredictCommand.csv(preprocessor, PredictCommand.inLabelUnits(preprocessor, predictions), table.rowCount(), null, null,
                PredictCommand.stageColumns(model, stages, features));
    }

    /** The rows of {@code mtl predict}'s CSV text, without its header. */
    static List<CSVRecord> records(String csv) throws IOException {
        List<CSVRecord> records = CSV.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(csv)).getRecords();
        return records;
    }

    /** Whether prediction column {@code c} holds a class name (else a number). */
    boolean isClassColumn(int c) {
        for (Output output : outputs) {
            if (output.classNames() && output.columns().contains(c)) {
                return true;
            }
        }
        return false;
    }

    /** A value of a prediction column as JSON: the class name, or the number the CSV text holds. */
    JsonNode value(CSVRecord record, int c) {
        String text = record.get(c);
        return isClassColumn(c) ? NODES.textNode(text) : NODES.numberNode(Double.parseDouble(text));
    }

    /**
     * Request rows as a table with the model's feature columns: per column a list of values, each a string (text or a
     * number's text) or null (missing; an empty field in CSV).
     */
    static CsvTable table(List<String> columns, List<List<String>> values, String source) throws IOException {
        StringWriter text = new StringWriter();
        int rows = values.isEmpty() ? 0 : values.get(0).size();
        try (CSVPrinter printer = new CSVPrinter(text, CSV.builder().setHeader(columns.toArray(String[]::new)).get())) {
            for (int r = 0; r < rows; r++) {
                List<String> row = new ArrayList<>(columns.size());
                for (List<String> column : values) {
                    row.add(column.get(r));
                }
                printer.printRecord(row);
            }
        }
        return CsvTable.parse(text.toString(), source);
    }

    /** Keys of a JSON object, in order (for messages). */
    static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    /** Shared mapper (thread-safe once configured). */
    static final ObjectMapper JSON = new ObjectMapper();

    /** Per feature column its type for messages: "FP32 (numeric: a number or null)" or "BYTES (categorical: a string or null)". */
    static String expected(TabularPreprocessor.Feature feature) {
        return feature.numeric() ? "a number or null (FP32, a numeric column)" : "a string or null (BYTES, a categorical column)";
    }

    /** Feature columns by name. */
    Map<String, TabularPreprocessor.Feature> featuresByName() {
        Map<String, TabularPreprocessor.Feature> byName = new LinkedHashMap<>();
        preprocessor.features().forEach(f -> byName.put(f.column(), f));
        return byName;
    }
}
