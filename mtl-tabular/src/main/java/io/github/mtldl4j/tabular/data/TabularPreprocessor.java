package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Turns table rows into a multi-task {@code MultiDataSet}, with everything learned from the training rows only:
 * numeric features clipped to their training range and standardized (missing values imputed with the training
 * mean), other features one-hot encoded
 * with an extra "unknown" slot (missing and unseen levels go there), classification labels mapped to the classes
 * seen in training (sorted: numerically when all are numbers, else alphabetically; for a binary task the second
 * class is the positive one), regression targets standardized (predictions are reported back in the label's own
 * units by {@link #toLabelUnits}). A missing label (empty or {@code NA}) gets label mask 0 for that task only, and
 * its value is filled with 0, never NaN. The fitted state round-trips through JSON and is saved inside the model.
 *
 * <p>Clipping to the training range (widened by {@link #CLIP_MARGIN}) keeps one far out-of-range value (a data error, a unit slip) from extrapolating
 * without bound through a ReLU network; measured on the suite's diamonds table in docs/suite.md. Models saved before
 * it have no range and are not clipped.
 */
public final class TabularPreprocessor {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TabularPreprocessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;
    /**
     * How far beyond the training range a numeric value may lie before it is clipped, as a share of the range's width
     * on each side: moderate extrapolation (a new row a little beyond the training rows, 2.5 sd in a sample whose
     * extreme was 2.3 sd) is kept, a far outlier or a unit slip (diamonds' y = 31.8 mm where training spans 3.8-10.1)
     * is not. 0.5: a Gaussian sample's range is about +-2.5 sd, so the clip sits near +-5 sd.
     */
    public static final double CLIP_MARGIN = 0.5;

    /**
     * How one feature column is encoded.
     *
     * @param min the smallest training value of a numeric column, or {@code -Infinity} for no clipping
     * @param max the largest training value, or {@code +Infinity}; values are clipped to this range widened by
     *            {@link #CLIP_MARGIN} of its width on each side ({@link #clip})
     */
    public record Feature(String column, boolean numeric, double mean, double std, List<String> levels, double min, double max) {
        /** Copies the levels. */
        public Feature {
            levels = List.copyOf(levels);
        }

        /** A feature without a training range (not clipped). */
        public Feature(String column, boolean numeric, double mean, double std, List<String> levels) {
            this(column, numeric, mean, std, levels, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        }

        /** The lowest value encoded as itself: {@code min - CLIP_MARGIN (max - min)}. */
        public double low() {
            return min - CLIP_MARGIN * (max - min);
        }

        /** The highest value encoded as itself: {@code max + CLIP_MARGIN (max - min)}. */
        public double high() {
            return max + CLIP_MARGIN * (max - min);
        }

        /** A numeric value clipped to [{@link #low}, {@link #high}] (unchanged without a training range). */
        public double clip(double value) {
            if (!Double.isFinite(min) || !Double.isFinite(max)) {
                return value;
            }
            return Math.max(low(), Math.min(high(), value));
        }

        /** Number of input columns this feature takes: 1, or levels + 1 (unknown). */
        public int width() {
            return numeric ? 1 : levels.size() + 1;
        }
    }

    /**
     * How one task's labels are read.
     *
     * @param spec name, type and label columns
     * @param levels per label column its classes (classification; one list per column for multilabel); empty lists
     *     for regression
     * @param means per label column its training mean (regression), else 0
     * @param stds per label column its training standard deviation (regression; 1 when constant), else 1
     */
    public record TaskLabels(TaskSpec spec, List<List<String>> levels, double[] means, double[] stds) {
        /** Copies the lists. */
        public TaskLabels {
            levels = levels.stream().map(List::copyOf).toList();
            means = means.clone();
            stds = stds.clone();
        }

        /** The output width of the task. */
        public int width() {
            return switch (spec.type()) {
                case BINARY -> 1;
                case MULTICLASS -> levels.get(0).size();
                case REGRESSION, MULTILABEL -> spec.columns().size();
            };
        }

        /** The classes of a binary or multiclass task (empty for others). */
        public List<String> classes() {
            return spec.type() == TaskType.BINARY || spec.type() == TaskType.MULTICLASS ? levels.get(0) : List.of();
        }
    }

    /**
     * Encoded rows with what had to be filled in.
     *
     * @param data features (one input) and one label array and label mask per task
     * @param imputedFeatures per feature column, the rows whose missing value was imputed (mean or unknown level)
     * @param unknownLevels per categorical feature column, the rows with a level not seen in training
     * @param missingLabels per task, the rows without a label
     * @param clippedFeatures per numeric feature column, the rows whose value lay outside the training range and was
     *                        clipped to it
     */
    public record Encoded(MultiDataSet data, Map<String, Long> imputedFeatures, Map<String, Long> unknownLevels,
                          Map<String, Long> missingLabels, Map<String, Long> clippedFeatures) {
    }

    private final List<Feature> features;
    private final List<TaskLabels> tasks;

    private TabularPreprocessor(List<Feature> features, List<TaskLabels> tasks) {
        this.features = List.copyOf(features);
        this.tasks = List.copyOf(tasks);
    }

    /**
     * The same preprocessing without the training ranges: numeric features are standardized but not clipped (as
     * models saved before clipping existed), for models that must extrapolate, e.g. along a time trend.
     */
    public TabularPreprocessor withoutClipping() {
        List<Feature> open = features.stream().map(f -> new Feature(f.column(), f.numeric(), f.mean(), f.std(), f.levels())).toList();
        return new TabularPreprocessor(open, tasks);
    }

    /** The feature encodings, in input order. */
    public List<Feature> features() {
        return features;
    }

    /** The task label readers, in task order. */
    public List<TaskLabels> taskLabels() {
        return tasks;
    }

    /** Width of the encoded feature vector. */
    public int inputWidth() {
        return features.stream().mapToInt(Feature::width).sum();
    }

    /** The tasks with their output widths, ready for the graph builder (default losses and activations). */
    public List<Task> tasks() {
        return tasks.stream().map(t -> new Task(t.spec().name(), t.spec().type(), t.width(), null, null, 1.0, List.of())).toList();
    }

    /**
     * Learns the encodings from training rows.
     *
     * @param featureColumns the feature columns, or null for the default of {@link FeatureSelection}: every column that
     *     is not a label, except categorical ones with a distinct value for most rows (IDs, dates), which are logged
     * @param categorical columns to treat as categorical even if their values are numbers
     * @throws InvalidDataException for unknown columns, a label used as feature, a task without labels or with too
     *     few classes, a regression label that is not a number, duplicate task names
     */
    public static TabularPreprocessor fit(CsvTable train, List<TaskSpec> specs, List<String> featureColumns, Set<String> categorical) {
        if (specs.isEmpty()) {
            throw new InvalidDataException("no tasks; give at least one as NAME:TYPE:COLUMN, e.g. species:multiclass:species.");
        }
        Set<String> names = new LinkedHashSet<>();
        Set<String> labelColumns = new LinkedHashSet<>();
        for (TaskSpec spec : specs) {
            if (!names.add(spec.name())) {
                throw new InvalidDataException("task name '" + spec.name() + "' is given twice; task names must be unique.");
            }
            for (String column : spec.columns()) {
                train.column(column, "label column of task '" + spec.name() + "'");
                labelColumns.add(column);
            }
        }
        FeatureSelection selection = FeatureSelection.of(train, labelColumns, featureColumns, categorical);
        for (String column : categorical) {
            train.column(column, "column named as categorical");
        }
        for (FeatureSelection.LeftOut column : selection.leftOut()) {
            LOG.warn("Column '{}' left out of the default features: {} ({}); name it among the features to use it",
                    column.column(), column.reason(), column.why());
        }
        List<String> featureNames = selection.used();
        List<Feature> features = new ArrayList<>();
        for (String column : featureNames) {
            features.add(fitFeature(train, column, categorical.contains(column)));
        }
        List<TaskLabels> tasks = new ArrayList<>();
        for (TaskSpec spec : specs) {
            tasks.add(fitLabels(train, spec));
        }
        return new TabularPreprocessor(features, tasks);
    }

    private static Feature fitFeature(CsvTable table, String column, boolean forceCategorical) {
        int c = table.column(column, "feature column");
        if (!forceCategorical) {
            NumberColumn numbers = table.numbers(c);
            double sum = 0;
            double sumSquares = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            long n = 0;
            for (int r = 0; r < numbers.parsedRows(); r++) {
                if (numbers.isMissing(r)) {
                    continue;
                }
                double number = numbers.value(r);
                if (!Double.isFinite(number)) {
                    throw new InvalidDataException(table.where(r) + ", column '" + column + "': '"
                            + table.value(r, c) + "' is not a finite number; leave the field empty for a missing value.");
                }
                checkMagnitude(table, r, c, number);
                sum += number;
                sumSquares += number * number;
                min = Math.min(min, number);
                max = Math.max(max, number);
                n++;
            }
            if (numbers.complete() && n > 0) {
                double mean = sum / n;
                double variance = Math.max(0, sumSquares / n - mean * mean);
                double std = variance > 1e-24 ? Math.sqrt(variance) : 1.0;
                return new Feature(column, true, mean, std, List.of(), min, max);
            }
            if (numbers.complete()) {
                // Every training value missing: nothing to learn; keep the column as a constant.
                return new Feature(column, true, 0.0, 1.0, List.of());
            }
            // Not numeric after all: the levels are every value, the numbers before the first text included.
        }
        Set<String> levels = new HashSet<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String value = table.value(r, c);
            if (!CsvTable.isMissing(value)) {
                levels.add(value.trim());
            }
        }
        return new Feature(column, false, 0, 1, sortLevels(levels));
    }

    private static TaskLabels fitLabels(CsvTable table, TaskSpec spec) {
        int width = spec.columns().size();
        List<List<String>> levels = new ArrayList<>();
        double[] means = new double[width];
        double[] stds = new double[width];
        java.util.Arrays.fill(stds, 1.0);
        for (int k = 0; k < width; k++) {
            String column = spec.columns().get(k);
            int c = table.column(column, "label column of task '" + spec.name() + "'");
            NumberColumn numbers = spec.type() == TaskType.REGRESSION ? table.numbers(c) : null;
            Set<String> seen = new HashSet<>();
            double sum = 0;
            double sumSquares = 0;
            long n = 0;
            for (int r = 0; r < table.rowCount(); r++) {
                if (numbers != null) {
                    if (isMissing(numbers, r)) {
                        continue;
                    }
                    double number = regressionValue(table, numbers, r, c, spec);
                    sum += number;
                    sumSquares += number * number;
                } else {
                    String value = table.value(r, c);
                    if (CsvTable.isMissing(value)) {
                        continue;
                    }
                    seen.add(value.trim());
                }
                n++;
            }
            if (n == 0) {
                throw new InvalidDataException(table.source() + ": task '" + spec.name() + "': every training row lacks its label "
                        + "in column '" + column + "'; a task needs labelled rows.");
            }
            if (spec.type() == TaskType.REGRESSION) {
                means[k] = sum / n;
                double variance = Math.max(0, sumSquares / n - means[k] * means[k]);
                stds[k] = variance > 1e-24 ? Math.sqrt(variance) : 1.0;
                levels.add(List.of());
                continue;
            }
            List<String> classes = sortLevels(seen);
            int expectedMax = spec.type() == TaskType.MULTICLASS ? Integer.MAX_VALUE : 2;
            if (classes.size() < 2) {
                throw new InvalidDataException(table.source() + ": task '" + spec.name() + "' (" + type(spec) + "): column '" + column
                        + "' has only one class " + classes + " in the training rows; a classification task needs at least two.");
            }
            if (classes.size() > expectedMax) {
                throw new InvalidDataException(table.source() + ": task '" + spec.name() + "' (" + type(spec) + "): column '" + column
                        + "' has " + classes.size() + " classes " + abbreviate(classes) + "; a " + type(spec)
                        + " label has two. Use multiclass for more.");
            }
            levels.add(classes);
        }
        return new TaskLabels(spec, levels, means, stds);
    }

    private static String type(TaskSpec spec) {
        return spec.type().name().toLowerCase(Locale.ROOT);
    }

    private static String abbreviate(List<String> values) {
        return values.size() <= 8 ? values.toString() : values.subList(0, 8) + "...";
    }

    /** Whether a value of a number column is missing; a row from the first value that is not a number on is not. */
    private static boolean isMissing(NumberColumn numbers, int r) {
        return r < numbers.parsedRows() && numbers.isMissing(r);
    }

    /** The number of a regression label that is not missing, or an error naming the line, column, task and value. */
    private static double regressionValue(CsvTable table, NumberColumn numbers, int r, int c, TaskSpec spec) {
        String column = table.header().get(c);
        if (r >= numbers.parsedRows() || !Double.isFinite(numbers.value(r))) {
            throw new InvalidDataException(table.where(r) + ", column '" + column + "': task '"
                    + spec.name() + "' is a regression and needs a finite number, found '" + table.value(r, c)
                    + "'; leave the field empty (or NA) for a missing label.");
        }
        double number = numbers.value(r);
        checkMagnitude(table, r, c, number);
        return number;
    }

    /**
     * Numbers in numeric order when all levels are numbers, else alphabetical; numbers of equal value (1 and 1.0)
     * stay in alphabetical order.
     */
    private static List<String> sortLevels(Set<String> levels) {
        List<String> sorted = new ArrayList<>(levels);
        sorted.sort(Comparator.naturalOrder());
        boolean allNumbers = sorted.stream().allMatch(v -> parse(v) != null);
        if (allNumbers) {
            sorted.sort(Comparator.comparingDouble(v -> parse(v)));
        }
        return Collections.unmodifiableList(sorted);
    }

    /**
     * Largest magnitude accepted for a number: beyond it, sums of squares for standardization lose all precision (and
     * overflow past 1e154), and float32 training cannot resolve the other values of the column.
     */
    public static final double MAX_MAGNITUDE = 1e15;

    /** The value's text is looked up only for the message: a column's strings are made when first asked for. */
    private static void checkMagnitude(CsvTable table, int r, int c, double number) {
        if (Math.abs(number) > MAX_MAGNITUDE) {
            throw new InvalidDataException(table.where(r) + ", column '" + table.header().get(c) + "': "
                    + table.value(r, c).trim()
                    + " is beyond the supported magnitude 1e15; rescale the column (e.g. a log or a unit change) before training.");
        }
    }

    private static Double parse(String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Encodes rows with their labels, for training and evaluation: every label column must exist (a missing value in
     * it is a missing label, masked).
     *
     * @throws InvalidDataException for a missing column, a non-number in a numeric column, an unseen class
     */
    public Encoded encode(CsvTable table) {
        return encode(table, true);
    }

    /**
     * Encodes rows for prediction: label columns may be absent and are ignored (zero labels with mask 0).
     *
     * @throws InvalidDataException for a missing feature column, a non-number in a numeric column
     */
    public Encoded encodeWithoutLabels(CsvTable table) {
        return encode(table, false);
    }

    private Encoded encode(CsvTable table, boolean labelsRequired) {
        int rows = table.rowCount();
        int width = inputWidth();
        if ((long) rows * width > Integer.MAX_VALUE - 16) {
            throw new InvalidDataException(table.source() + ": " + rows + " rows x " + width + " encoded inputs is more than one "
                    + "array can hold (2^31 values); split the file into parts and encode them one by one.");
        }
        // Filled in Java arrays, then copied to ND4J once: a putScalar per value cost more than parsing the CSV.
        float[] x = new float[rows * width];
        Map<String, Long> imputed = new LinkedHashMap<>();
        Map<String, Long> unknown = new LinkedHashMap<>();
        Map<String, Long> clipped = new LinkedHashMap<>();
        int offset = 0;
        for (Feature feature : features) {
            int c = table.column(feature.column(), "feature column the model was trained with");
            NumberColumn numbers = feature.numeric() ? table.numbers(c) : null;
            Map<String, Integer> levelIndex = indexOf(feature.levels());
            long imputedRows = 0;
            long unknownRows = 0;
            long clippedRows = 0;
            for (int r = 0; r < rows; r++) {
                if (feature.numeric()) {
                    double number = numericFeature(table, numbers, r, c, feature);
                    if (Double.isNaN(number)) {
                        number = feature.mean();
                        imputedRows++;
                    } else {
                        double bounded = feature.clip(number);
                        if (bounded != number) {
                            number = bounded;
                            clippedRows++;
                        }
                    }
                    x[r * width + offset] = (float) ((number - feature.mean()) / feature.std());
                } else {
                    String value = table.value(r, c);
                    int level = CsvTable.isMissing(value) ? -1 : levelIndex.getOrDefault(value.trim(), -1);
                    if (CsvTable.isMissing(value)) {
                        imputedRows++;
                    } else if (level < 0) {
                        unknownRows++;
                    }
                    x[r * width + offset + (level < 0 ? feature.levels().size() : level)] = 1.0f;
                }
            }
            imputed.put(feature.column(), imputedRows);
            if (!feature.numeric()) {
                unknown.put(feature.column(), unknownRows);
            } else {
                clipped.put(feature.column(), clippedRows);
            }
            offset += feature.width();
        }
        INDArray[] labels = new INDArray[tasks.size()];
        INDArray[] masks = new INDArray[tasks.size()];
        Map<String, Long> missingLabels = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            TaskLabels task = tasks.get(t);
            boolean perOutput = task.spec().type() == TaskType.MULTILABEL || task.spec().type() == TaskType.REGRESSION && task.width() > 1;
            int maskWidth = perOutput ? task.width() : 1;
            float[] y = new float[rows * task.width()];
            float[] mask = new float[rows * maskWidth];
            boolean present = task.spec().columns().stream().allMatch(col -> table.header().contains(col));
            if (!present && labelsRequired) {
                for (String column : task.spec().columns()) {
                    table.column(column, "label column of task '" + task.spec().name() + "'");
                }
            }
            long missing = 0;
            if (present && labelsRequired) {
                missing = fillLabels(table, task, y, mask, maskWidth);
            } else {
                missing = rows;
            }
            labels[t] = matrix(y, rows, task.width());
            masks[t] = matrix(mask, rows, maskWidth);
            missingLabels.put(task.spec().name(), missing);
        }
        return new Encoded(new MultiDataSet(new INDArray[] {matrix(x, rows, width)}, labels, null, masks), imputed, unknown, missingLabels,
                clipped);
    }

    /** A numeric feature's value in row {@code r}: the number, or NaN when missing; refuses what is not a finite number. */
    private static double numericFeature(CsvTable table, NumberColumn numbers, int r, int c, Feature feature) {
        if (isMissing(numbers, r)) {
            return Double.NaN;
        }
        if (r >= numbers.parsedRows() || !Double.isFinite(numbers.value(r))) {
            throw new InvalidDataException(table.where(r) + ", column '" + feature.column()
                    + "': expected a finite number (the column is numeric in the training data), found '"
                    + table.value(r, c) + "'.");
        }
        double number = numbers.value(r);
        checkMagnitude(table, r, c, number);
        return number;
    }

    /**
     * The feature columns as raw values, the inputs of the model exported with its preprocessing
     * ({@code TabularOnnxExporter}): per feature column, in input order, {@code double[rows][1]} for a numeric column
     * (NaN where missing) or {@code String[rows][1]} for a categorical one (the value trimmed; {@code ""} where missing).
     * The same checks as {@link #encodeWithoutLabels}.
     *
     * @throws InvalidDataException for a missing feature column, a non-number in a numeric column
     */
    public Map<String, Object> rawFeatures(CsvTable table) {
        int rows = table.rowCount();
        Map<String, Object> columns = new LinkedHashMap<>();
        for (Feature feature : features) {
            int c = table.column(feature.column(), "feature column the model was trained with");
            if (feature.numeric()) {
                NumberColumn numbers = table.numbers(c);
                double[][] values = new double[rows][1];
                for (int r = 0; r < rows; r++) {
                    values[r][0] = numericFeature(table, numbers, r, c, feature);
                }
                columns.put(feature.column(), values);
            } else {
                String[][] values = new String[rows][1];
                for (int r = 0; r < rows; r++) {
                    String value = table.value(r, c);
                    values[r][0] = CsvTable.isMissing(value) ? "" : value.trim();
                }
                columns.put(feature.column(), values);
            }
        }
        return columns;
    }

    private static INDArray matrix(float[] values, int rows, int columns) {
        return rows == 0 || columns == 0 ? Nd4j.zeros(DataType.FLOAT, rows, columns)
                : Nd4j.create(values, new long[] {rows, columns}, DataType.FLOAT);
    }

    private static Map<String, Integer> indexOf(List<String> levels) {
        Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < levels.size(); i++) {
            index.putIfAbsent(levels.get(i), i);
        }
        return index;
    }

    private long fillLabels(CsvTable table, TaskLabels task, float[] y, float[] mask, int maskWidth) {
        TaskSpec spec = task.spec();
        int width = task.width();
        long missingRows = 0;
        int[] columns = spec.columns().stream().mapToInt(c -> table.column(c, "label column of task '" + spec.name() + "'")).toArray();
        NumberColumn[] numbers = new NumberColumn[columns.length];
        for (int k = 0; k < columns.length && spec.type() == TaskType.REGRESSION; k++) {
            numbers[k] = table.numbers(columns[k]);
        }
        for (int r = 0; r < table.rowCount(); r++) {
            boolean anyMissing = false;
            for (int k = 0; k < columns.length; k++) {
                String value = numbers[k] != null ? null : table.value(r, columns[k]);
                if (numbers[k] != null ? isMissing(numbers[k], r) : CsvTable.isMissing(value)) {
                    anyMissing = true;
                    continue;
                }
                String column = spec.columns().get(k);
                switch (spec.type()) {
                    case REGRESSION -> {
                        double number = regressionValue(table, numbers[k], r, columns[k], spec);
                        y[r * width + k] = (float) ((number - task.means()[k]) / task.stds()[k]);
                        mask[r * maskWidth + (maskWidth == 1 ? 0 : k)] = 1.0f;
                    }
                    case BINARY, MULTILABEL -> {
                        int level = classIndex(table, r, column, task, k, value);
                        y[r * width + k] = level;
                        mask[r * maskWidth + (maskWidth == 1 ? 0 : k)] = 1.0f;
                    }
                    case MULTICLASS -> {
                        y[r * width + classIndex(table, r, column, task, 0, value)] = 1.0f;
                        mask[r * maskWidth] = 1.0f;
                    }
                }
            }
            if (anyMissing) {
                missingRows++;
            }
        }
        return missingRows;
    }

    private static int classIndex(CsvTable table, int r, String column, TaskLabels task, int k, String value) {
        int index = task.levels().get(k).indexOf(value.trim());
        if (index < 0) {
            throw new InvalidDataException(table.where(r) + ", column '" + column + "': class '" + value
                    + "' of task '" + task.spec().name() + "' was not among the training classes " + abbreviate(task.levels().get(k)) + ".");
        }
        return index;
    }

    /** Regression outputs (standardized, as the model predicts them) in the label's own units. */
    public INDArray toLabelUnits(String task, INDArray standardized) {
        TaskLabels labels = tasks.stream().filter(t -> t.spec().name().equals(task)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("unknown task '" + task + "'"));
        if (labels.spec().type() != TaskType.REGRESSION) {
            return standardized;
        }
        INDArray out = standardized.castTo(DataType.DOUBLE).dup();
        for (int k = 0; k < labels.width(); k++) {
            out.getColumn(k).muli(labels.stds()[k]).addi(labels.means()[k]);
        }
        return out;
    }

    /** The fitted state as JSON (stored in the model zip). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode fs = root.putArray("features");
        for (Feature f : features) {
            ObjectNode n = fs.addObject();
            n.put("column", f.column());
            n.put("numeric", f.numeric());
            n.put("mean", f.mean());
            n.put("std", f.std());
            if (Double.isFinite(f.min()) && Double.isFinite(f.max())) {
                n.put("min", f.min());
                n.put("max", f.max());
            }
            f.levels().forEach(n.putArray("levels")::add);
        }
        ArrayNode ts = root.putArray("tasks");
        for (TaskLabels t : tasks) {
            ObjectNode n = ts.addObject();
            n.put("spec", t.spec().toString());
            ArrayNode levels = n.putArray("levels");
            t.levels().forEach(l -> l.forEach(levels.addArray()::add));
            for (double m : t.means()) {
                n.withArray("means").add(m);
            }
            for (double s : t.stds()) {
                n.withArray("stds").add(s);
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("could not write preprocessing JSON", e);
        }
    }

    /** Reads {@link #toJson()}'s output. */
    public static TabularPreprocessor fromJson(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root.path("format").asInt(-1) != FORMAT) {
                throw new InvalidDataException("preprocessing format " + root.path("format") + " is not supported (expected " + FORMAT + ").");
            }
            List<Feature> features = new ArrayList<>();
            for (JsonNode n : root.withArray("features")) {
                List<String> levels = new ArrayList<>();
                n.withArray("levels").forEach(l -> levels.add(l.asText()));
                features.add(new Feature(n.get("column").asText(), n.get("numeric").asBoolean(), n.get("mean").asDouble(),
                        n.get("std").asDouble(), levels, n.has("min") ? n.get("min").asDouble() : Double.NEGATIVE_INFINITY,
                        n.has("max") ? n.get("max").asDouble() : Double.POSITIVE_INFINITY));
            }
            List<TaskLabels> tasks = new ArrayList<>();
            for (JsonNode n : root.withArray("tasks")) {
                List<List<String>> levels = new ArrayList<>();
                for (JsonNode l : n.withArray("levels")) {
                    List<String> values = new ArrayList<>();
                    l.forEach(v -> values.add(v.asText()));
                    levels.add(values);
                }
                double[] means = toDoubles(n.withArray("means"));
                double[] stds = toDoubles(n.withArray("stds"));
                tasks.add(new TaskLabels(TaskSpec.parse(n.get("spec").asText()), levels, means, stds));
            }
            return new TabularPreprocessor(features, tasks);
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidDataException invalid) {
                throw invalid;
            }
            throw new InvalidDataException("the model's preprocessing is unreadable (" + e.getMessage() + ").", e);
        }
    }

    private static double[] toDoubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }
}
