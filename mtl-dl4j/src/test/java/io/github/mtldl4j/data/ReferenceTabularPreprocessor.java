package io.github.mtldl4j.data;

import io.github.mtldl4j.task.TaskType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TabularPreprocessor} as it was before numbers were parsed once per table (commit 3ff3bb5, JSON and unit
 * conversion left out), kept unchanged as the reference the current encoder must match bit for bit, and as the
 * "before" side of {@link DataPathTiming}.
 */
final class ReferenceTabularPreprocessor {

    /** How one feature column is encoded. */
    public record Feature(String column, boolean numeric, double mean, double std, List<String> levels) {
        /** Copies the levels. */
        public Feature {
            levels = List.copyOf(levels);
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
     */
    public record Encoded(MultiDataSet data, Map<String, Long> imputedFeatures, Map<String, Long> unknownLevels,
                          Map<String, Long> missingLabels) {
    }

    private final List<Feature> features;
    private final List<TaskLabels> tasks;

    private ReferenceTabularPreprocessor(List<Feature> features, List<TaskLabels> tasks) {
        this.features = List.copyOf(features);
        this.tasks = List.copyOf(tasks);
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

    /**
     * Learns the encodings from training rows.
     *
     * @param featureColumns the feature columns, or null for every column that is not a label
     * @param categorical columns to treat as categorical even if their values are numbers
     * @throws InvalidDataException for unknown columns, a label used as feature, a task without labels or with too
     *     few classes, a regression label that is not a number, duplicate task names
     */
    public static ReferenceTabularPreprocessor fit(ReferenceCsvTable train, List<TaskSpec> specs, List<String> featureColumns, Set<String> categorical) {
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
        List<String> featureNames = new ArrayList<>();
        if (featureColumns == null) {
            train.header().stream().filter(c -> !labelColumns.contains(c)).forEach(featureNames::add);
        } else {
            for (String column : featureColumns) {
                train.column(column, "feature column");
                if (labelColumns.contains(column)) {
                    throw new InvalidDataException(train.source() + ": column '" + column + "' is both a feature and a label; "
                            + "a model must not see its labels: remove it from --features.");
                }
                featureNames.add(column);
            }
        }
        if (featureNames.isEmpty()) {
            throw new InvalidDataException(train.source() + ": no feature columns left; the columns " + train.header()
                    + " are all labels. Add columns to learn from.");
        }
        for (String column : categorical) {
            train.column(column, "column named as categorical");
        }
        List<Feature> features = new ArrayList<>();
        for (String column : featureNames) {
            features.add(fitFeature(train, column, categorical.contains(column)));
        }
        List<TaskLabels> tasks = new ArrayList<>();
        for (TaskSpec spec : specs) {
            tasks.add(fitLabels(train, spec));
        }
        return new ReferenceTabularPreprocessor(features, tasks);
    }

    private static Feature fitFeature(ReferenceCsvTable table, String column, boolean forceCategorical) {
        int c = table.column(column, "feature column");
        boolean numeric = !forceCategorical;
        double sum = 0;
        double sumSquares = 0;
        long n = 0;
        Set<String> levels = new TreeSet<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String value = table.value(r, c);
            if (ReferenceCsvTable.isMissing(value)) {
                continue;
            }
            if (!numeric) {
                levels.add(value.trim());
            } else {
                Double number = parse(value);
                if (number == null) {
                    // Not numeric after all: the levels are every value, those before this row included.
                    numeric = false;
                    for (int earlier = 0; earlier <= r; earlier++) {
                        String seen = table.value(earlier, c);
                        if (!ReferenceCsvTable.isMissing(seen)) {
                            levels.add(seen.trim());
                        }
                    }
                } else {
                    if (!Double.isFinite(number)) {
                        throw new InvalidDataException(table.source() + ": line " + table.line(r) + ", column '" + column + "': '"
                                + value + "' is not a finite number; leave the field empty for a missing value.");
                    }
                    checkMagnitude(table, r, column, value, number);
                    sum += number;
                    sumSquares += number * number;
                    n++;
                }
            }
        }
        if (numeric && n > 0) {
            double mean = sum / n;
            double variance = Math.max(0, sumSquares / n - mean * mean);
            double std = variance > 1e-24 ? Math.sqrt(variance) : 1.0;
            return new Feature(column, true, mean, std, List.of());
        }
        if (numeric) {
            // Every training value missing: nothing to learn; keep the column as a constant.
            return new Feature(column, true, 0.0, 1.0, List.of());
        }
        return new Feature(column, false, 0, 1, sortLevels(levels));
    }

    private static TaskLabels fitLabels(ReferenceCsvTable table, TaskSpec spec) {
        int width = spec.columns().size();
        List<List<String>> levels = new ArrayList<>();
        double[] means = new double[width];
        double[] stds = new double[width];
        java.util.Arrays.fill(stds, 1.0);
        for (int k = 0; k < width; k++) {
            String column = spec.columns().get(k);
            int c = table.column(column, "label column of task '" + spec.name() + "'");
            Set<String> seen = new TreeSet<>();
            double sum = 0;
            double sumSquares = 0;
            long n = 0;
            for (int r = 0; r < table.rowCount(); r++) {
                String value = table.value(r, c);
                if (ReferenceCsvTable.isMissing(value)) {
                    continue;
                }
                if (spec.type() == TaskType.REGRESSION) {
                    double number = regressionValue(table, r, column, spec, value);
                    sum += number;
                    sumSquares += number * number;
                } else {
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

    private static double regressionValue(ReferenceCsvTable table, int r, String column, TaskSpec spec, String value) {
        Double number = parse(value);
        if (number == null || !Double.isFinite(number)) {
            throw new InvalidDataException(table.source() + ": line " + table.line(r) + ", column '" + column + "': task '"
                    + spec.name() + "' is a regression and needs a finite number, found '" + value
                    + "'; leave the field empty (or NA) for a missing label.");
        }
        checkMagnitude(table, r, column, value, number);
        return number;
    }

    /** Numbers in numeric order when all levels are numbers, else alphabetical. */
    private static List<String> sortLevels(Set<String> levels) {
        List<String> sorted = new ArrayList<>(levels);
        boolean allNumbers = sorted.stream().allMatch(v -> parse(v) != null);
        sorted.sort(allNumbers ? Comparator.comparingDouble(v -> parse(v)) : Comparator.naturalOrder());
        return Collections.unmodifiableList(sorted);
    }

    /**
     * Largest magnitude accepted for a number: beyond it, sums of squares for standardization lose all precision (and
     * overflow past 1e154), and float32 training cannot resolve the other values of the column.
     */
    public static final double MAX_MAGNITUDE = 1e15;

    private static void checkMagnitude(ReferenceCsvTable table, int r, String column, String value, double number) {
        if (Math.abs(number) > MAX_MAGNITUDE) {
            throw new InvalidDataException(table.source() + ": line " + table.line(r) + ", column '" + column + "': " + value.trim()
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
     * Encodes rows.
     *
     * @param labelsRequired true for training and evaluation (label columns must exist); false for prediction
     *     (labels absent or ignored: zero labels with mask 0)
     * @throws InvalidDataException for a missing column, a non-number in a numeric column, an unseen class
     */
    public Encoded encode(ReferenceCsvTable table, boolean labelsRequired) {
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
        int offset = 0;
        for (Feature feature : features) {
            int c = table.column(feature.column(), "feature column the model was trained with");
            Map<String, Integer> levelIndex = indexOf(feature.levels());
            long imputedRows = 0;
            long unknownRows = 0;
            for (int r = 0; r < rows; r++) {
                String value = table.value(r, c);
                if (feature.numeric()) {
                    double number;
                    if (ReferenceCsvTable.isMissing(value)) {
                        number = feature.mean();
                        imputedRows++;
                    } else {
                        Double parsed = parse(value);
                        if (parsed == null || !Double.isFinite(parsed)) {
                            throw new InvalidDataException(table.source() + ": line " + table.line(r) + ", column '" + feature.column()
                                    + "': expected a finite number (the column is numeric in the training data), found '" + value + "'.");
                        }
                        checkMagnitude(table, r, feature.column(), value, parsed);
                        number = parsed;
                    }
                    x[r * width + offset] = (float) ((number - feature.mean()) / feature.std());
                } else {
                    int level = ReferenceCsvTable.isMissing(value) ? -1 : levelIndex.getOrDefault(value.trim(), -1);
                    if (ReferenceCsvTable.isMissing(value)) {
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
        return new Encoded(new MultiDataSet(new INDArray[] {matrix(x, rows, width)}, labels, null, masks), imputed, unknown, missingLabels);
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

    private long fillLabels(ReferenceCsvTable table, TaskLabels task, float[] y, float[] mask, int maskWidth) {
        TaskSpec spec = task.spec();
        int width = task.width();
        long missingRows = 0;
        int[] columns = spec.columns().stream().mapToInt(c -> table.column(c, "label column of task '" + spec.name() + "'")).toArray();
        for (int r = 0; r < table.rowCount(); r++) {
            boolean anyMissing = false;
            for (int k = 0; k < columns.length; k++) {
                String value = table.value(r, columns[k]);
                if (ReferenceCsvTable.isMissing(value)) {
                    anyMissing = true;
                    continue;
                }
                String column = spec.columns().get(k);
                switch (spec.type()) {
                    case REGRESSION -> {
                        double number = regressionValue(table, r, column, spec, value);
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

    private static int classIndex(ReferenceCsvTable table, int r, String column, TaskLabels task, int k, String value) {
        int index = task.levels().get(k).indexOf(value.trim());
        if (index < 0) {
            throw new InvalidDataException(table.source() + ": line " + table.line(r) + ", column '" + column + "': class '" + value
                    + "' of task '" + task.spec().name() + "' was not among the training classes " + abbreviate(task.levels().get(k)) + ".");
        }
        return index;
    }
}
