package io.github.mtldl4j.eval;

import io.github.mtldl4j.task.TaskType;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.evaluation.classification.EvaluationBinary;
import org.nd4j.evaluation.regression.RegressionEvaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Accumulates one task's predictions over any number of minibatches and computes the task's metrics, the
 * per-task part of {@code metrics.json}. Rows whose label is masked do not count at all, whatever their label
 * holds (missing labels may carry garbage, even NaN).
 *
 * <p>The counting is done by DL4J's own evaluation classes ({@link RegressionEvaluation} for squared and
 * absolute errors, {@link Evaluation} for the binary and multi-class confusion counts, {@link EvaluationBinary}
 * for the per-label counts of multi-label tasks); the metrics are then computed from those counts with the
 * formulas below. Three DL4J formulas are not used because they give wrong or surprising values at the edges:
 * {@code Evaluation.f1(Macro)} returns the F1 of class 1 alone when there are two classes and leaves out classes
 * that were never predicted; the exact {@code ROC} AUC orders tied scores by input order (on the same data a
 * tie between a positive and a negative counts 1 or 0 depending on which row comes first, instead of 1/2);
 * and {@code RegressionEvaluation.rSquared} computes the total sum of squares as a difference of large sums, so it
 * is far off for labels with a large offset and not NaN for constant labels.
 *
 * <p>Metrics by type, all in {@link #metrics()} order. A prediction is positive when its probability is
 * strictly greater than 0.5 (DL4J's convention).
 * <ul>
 *   <li>{@link TaskType#REGRESSION}: {@code rmse}, {@code mae}, {@code r2}; each computed per target column
 *       and averaged over the columns with equal weight. {@code r2} = 1 - SSE/SST per column, with SST the sum
 *       of squared deviations of that column's labels from their mean.</li>
 *   <li>{@link TaskType#BINARY}: {@code accuracy}, {@code auc} (exact area under the ROC curve: the fraction of
 *       (positive, negative) pairs whose positive scores higher, ties counting 1/2), {@code f1} (of the positive
 *       class, 2TP / (2TP + FP + FN)).</li>
 *   <li>{@link TaskType#MULTICLASS}: {@code accuracy} (the predicted class is the arg max of the probabilities,
 *       ties going to the lower class index), {@code macro_f1} (the mean over classes of each class's one-vs-rest
 *       F1).</li>
 *   <li>{@link TaskType#MULTILABEL}: {@code micro_f1} (F1 of all label bits pooled), {@code macro_f1} (mean over
 *       labels of each label's F1), {@code hamming_loss} (the fraction of labelled bits predicted wrong).</li>
 * </ul>
 *
 * <p>Undefined metrics are {@code NaN} (write them as {@code null} in JSON):
 * <ul>
 *   <li>every metric when no labelled row was seen ({@link #count()} = 0);</li>
 *   <li>{@code rmse}, {@code mae} and {@code r2} when some target column has no labelled value (per-output masks);
 *       {@code r2} also when some column's labelled values are all equal (SST = 0);</li>
 *   <li>{@code auc} when the labelled rows hold only one class;</li>
 *   <li>an F1 whose 2TP + FP + FN is 0 (the class never occurs and is never predicted). A macro average leaves
 *       such classes or labels out, and is NaN only when all are left out. This is scikit-learn's
 *       {@code f1_score(..., zero_division=np.nan)}; DL4J's {@code Evaluation.f1} returns 0 instead;</li>
 *   <li>{@code hamming_loss} never, once a bit is labelled.</li>
 * </ul>
 *
 * <p>Accepted inputs: labels and predictions {@code [N, width]}, predictions being the task's activated outputs
 * (probabilities for classification, as {@code MultiTaskModel.predict} returns them). The mask is {@code null}
 * (all labelled), {@code [N, 1]} or {@code [N]} (one 0/1 value per row: 1 labelled, 0 missing) or, for
 * regression and multi-label tasks, {@code [N, width]} (one 0/1 value per output, DL4J's per-output masking);
 * a row then counts in {@link #count()} when at least one of its outputs is labelled. Labelled values are
 * checked: finite; 0 or 1 for binary and multi-label labels; one-hot rows for multi-class labels; probabilities in
 * [0, 1] for classification predictions. A batch that breaks a rule is refused whole, with an
 * {@link IllegalArgumentException} naming the row and column, and nothing of it is counted.
 *
 * <p>Accumulating batch by batch gives the same metrics as one batch holding all the rows. Not thread-safe.
 */
public final class TaskEvaluator {
    private final TaskType type;
    private final int width;
    private final Accumulator accumulator;
    private long count;

    /**
     * An evaluator with nothing seen yet.
     *
     * @param type the task type
     * @param width the task's output width: 1 for binary, the class count (at least 2) for multi-class, the label
     *     count for multi-label, the target count for regression (the task's {@code Task.width()})
     */
    public TaskEvaluator(TaskType type, int width) {
        Objects.requireNonNull(type, "Task type is null; expected one of " + Arrays.toString(TaskType.values()) + ".");
        if (width < 1) {
            throw new IllegalArgumentException("Output width must be >= 1, received " + width + ": pass the task's width().");
        }
        if (type == TaskType.BINARY && width != 1) {
            throw new IllegalArgumentException("A BINARY task has exactly one output (one sigmoid probability), received width "
                    + width + ": evaluate " + width + " exclusive classes as MULTICLASS or " + width + " yes/no labels as MULTILABEL.");
        }
        if (type == TaskType.MULTICLASS && width < 2) {
            throw new IllegalArgumentException("A MULTICLASS task needs at least 2 classes, received width " + width
                    + ": evaluate one yes/no label as BINARY.");
        }
        this.type = type;
        this.width = width;
        this.accumulator = switch (type) {
            case REGRESSION -> new RegressionAccumulator(width);
            case BINARY -> new BinaryAccumulator();
            case MULTICLASS -> new MulticlassAccumulator(width);
            case MULTILABEL -> new MultilabelAccumulator(width);
        };
    }

    /** The task type evaluated. */
    public TaskType type() {
        return type;
    }

    /** The output width evaluated. */
    public int width() {
        return width;
    }

    /**
     * Adds one minibatch.
     *
     * @param labels {@code [N, width]}; values of masked rows or outputs are ignored, whatever they are
     * @param predictions {@code [N, width]}, the activated outputs
     * @param mask {@code null}, {@code [N, 1]} or {@code [N]} per row, or {@code [N, width]} per output (regression and
     *     multi-label only); values 0 (missing label) or 1 (labelled)
     * @throws IllegalArgumentException for a wrong shape, a mask value other than 0 or 1, or a labelled value
     *     outside what the type accepts (see the class description); nothing of the batch is counted then
     */
    public void add(INDArray labels, INDArray predictions, INDArray mask) {
        Objects.requireNonNull(labels, "labels is null; expected an array [N, " + width + "].");
        Objects.requireNonNull(predictions, "predictions is null; expected an array [N, " + width + "].");
        requireMatrix("labels", labels);
        requireMatrix("predictions", predictions);
        int rows = (int) labels.size(0);
        if (predictions.size(0) != rows) {
            throw new IllegalArgumentException("labels and predictions must have the same number of rows, received labels "
                    + Arrays.toString(labels.shape()) + " and predictions " + Arrays.toString(predictions.shape()) + ".");
        }
        boolean perOutput = checkMask(mask, rows);
        if (rows == 0) {
            return;
        }
        // Row-major copies: value (r, c) at r * width + c (a per-row mask: one value per row).
        double[] y = flatOf(labels);
        double[] p = flatOf(predictions);
        double[] m = mask == null ? null : flatOf(mask.rank() == 1 ? mask.reshape(rows, 1) : mask);
        int maskWidth = perOutput ? width : 1;

        int[] labelledRows = new int[rows];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            boolean anyLabelled = false;
            for (int c = 0; c < width; c++) {
                double maskValue = m == null ? 1.0 : m[r * maskWidth + (perOutput ? c : 0)];
                if (maskValue != 0.0 && maskValue != 1.0) {
                    throw new IllegalArgumentException("Mask values must be 0 (missing label) or 1 (labelled), received " + maskValue
                            + " in row " + r + (perOutput ? ", column " + c : "") + " of this batch.");
                }
                if (maskValue == 1.0) {
                    checkLabelled(y[r * width + c], p[r * width + c], r, c);
                    anyLabelled = true;
                }
            }
            if (anyLabelled) {
                if (type == TaskType.MULTICLASS) {
                    checkOneHot(y, r * width, r);
                }
                labelledRows[n++] = r;
            }
        }
        if (n == 0) {
            return;
        }

        // Only labelled rows reach DL4J, and masked outputs of them as zeros, so garbage (even NaN) never enters a sum.
        double[] yOut = new double[n * width];
        double[] pOut = new double[n * width];
        double[] mOut = perOutput ? new double[n * width] : null;
        for (int i = 0; i < n; i++) {
            int r = labelledRows[i];
            for (int c = 0; c < width; c++) {
                boolean labelled = !perOutput || m[r * width + c] == 1.0;
                yOut[i * width + c] = labelled ? y[r * width + c] : 0.0;
                pOut[i * width + c] = labelled ? p[r * width + c] : 0.0;
                if (perOutput) {
                    mOut[i * width + c] = labelled ? 1.0 : 0.0;
                }
            }
        }
        accumulator.add(new Rows(yOut, pOut, mOut, n, width));
        count += n;
    }

    /** The number of labelled rows seen so far: the {@code n} of {@code metrics.json}. */
    public long count() {
        return count;
    }

    /**
     * The metrics of everything added so far, by name in a fixed order (see {@link #metricNames(TaskType)});
     * undefined ones are NaN, as the class description lists.
     */
    public Map<String, Double> metrics() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (count == 0) {
            metricNames(type).forEach(name -> metrics.put(name, Double.NaN));
        } else {
            accumulator.metrics(metrics);
        }
        return Collections.unmodifiableMap(metrics);
    }

    /** The metric names {@link #metrics()} returns for {@code type}, in order ({@link Metric#of(TaskType)}). */
    public static List<String> metricNames(TaskType type) {
        return Metric.of(type).stream().map(Metric::key).toList();
    }

    /** The name of the metric that stands for a task type ({@link Metric#main(TaskType)}, which says why). */
    public static String mainMetric(TaskType type) {
        return Metric.main(type).key();
    }

    /**
     * Whether a lower value of {@code metric} is better ({@link Metric#lowerIsBetter()}).
     *
     * @throws IllegalArgumentException naming the known metrics, for any other name
     */
    public static boolean lowerIsBetter(String metric) {
        return Metric.of(metric).lowerIsBetter();
    }

    private void requireMatrix(String what, INDArray array) {
        if (array.rank() != 2 || array.size(1) != width) {
            throw new IllegalArgumentException(what + " must be a matrix [N, " + width + "] for this " + type + " task of width "
                    + width + ", received shape " + Arrays.toString(array.shape()) + ".");
        }
    }

    /** Validates the mask's shape; true for a per-output mask. */
    private boolean checkMask(INDArray mask, int rows) {
        if (mask == null) {
            return false;
        }
        boolean perRow = (mask.rank() == 2 && mask.size(0) == rows && mask.size(1) == 1) || (mask.rank() == 1 && mask.size(0) == rows);
        if (perRow) {
            return false;
        }
        boolean perOutput = mask.rank() == 2 && mask.size(0) == rows && mask.size(1) == width;
        if (perOutput && type == TaskType.MULTICLASS) {
            throw new IllegalArgumentException("A MULTICLASS label is one class per row, so its mask must be per row: [" + rows
                    + ", 1], received shape " + Arrays.toString(mask.shape()) + " (DL4J's Evaluation has no per-output masking).");
        }
        if (!perOutput) {
            throw new IllegalArgumentException("The mask must be [" + rows + ", 1] (one value per row)"
                    + (type == TaskType.REGRESSION || type == TaskType.MULTILABEL ? " or [" + rows + ", " + width + "] (one value per output)" : "")
                    + ", received shape " + Arrays.toString(mask.shape()) + ".");
        }
        return true;
    }

    private void checkLabelled(double label, double prediction, int row, int column) {
        boolean probabilities = type != TaskType.REGRESSION;
        if (Double.isFinite(label) && Double.isFinite(prediction) && (!probabilities
                || ((type == TaskType.MULTICLASS || label == 0.0 || label == 1.0) && prediction >= 0.0 && prediction <= 1.0))) {
            return; // the common case, without building the message below for every value
        }
        String where = " in row " + row + ", column " + column + " of this batch";
        if (!Double.isFinite(label)) {
            throw new IllegalArgumentException("Labels must be finite, received " + label + where
                    + ": if the label is missing, set the mask of that row to 0.");
        }
        if (!Double.isFinite(prediction)) {
            throw new IllegalArgumentException("Predictions must be finite, received " + prediction + where
                    + ": the model diverged or the input holds NaN.");
        }
        if (type == TaskType.REGRESSION) {
            return;
        }
        if (type != TaskType.MULTICLASS && label != 0.0 && label != 1.0) {
            throw new IllegalArgumentException(type + " labels must be 0 or 1, received " + label + where
                    + ": if the label is missing, set the mask of that row to 0.");
        }
        if (prediction < 0.0 || prediction > 1.0) {
            throw new IllegalArgumentException(type + " predictions must be probabilities in [0, 1] (the activated output), received "
                    + prediction + where + ": pass MultiTaskModel.predict outputs, not logits.");
        }
    }

    private void checkOneHot(double[] labels, int offset, int row) {
        int ones = 0;
        for (int c = 0; c < width; c++) {
            double v = labels[offset + c];
            if (v == 1.0) {
                ones++;
            } else if (v != 0.0) {
                ones = -1;
                break;
            }
        }
        if (ones != 1) {
            throw new IllegalArgumentException("A MULTICLASS label row must be one-hot (one 1, the rest 0), received "
                    + Arrays.toString(Arrays.copyOfRange(labels, offset, offset + width)) + " in row " + row
                    + " of this batch: if the label is missing, set the mask of that row to 0.");
        }
    }

    /**
     * A matrix's values in row-major order as one Java array, with one native copy: {@code INDArray.toDoubleMatrix()}
     * copies row by row (a view and a copy per row), which made evaluating 20,000 rows cost more than training an epoch
     * on them.
     */
    static double[] flatOf(INDArray matrix) {
        return matrix.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    /** Labelled rows of a batch, row-major {@code [rows, width]}; {@code mask} per output, or null. */
    private record Rows(double[] labels, double[] predictions, double[] mask, int rows, int width) {
        double label(int r, int c) {
            return labels[r * width + c];
        }

        double prediction(int r, int c) {
            return predictions[r * width + c];
        }

        boolean masked(int r, int c) {
            return mask != null && mask[r * width + c] == 0.0;
        }

        INDArray labelArray() {
            return Nd4j.create(labels, new long[] {rows, width}, DataType.DOUBLE);
        }

        INDArray predictionArray() {
            return Nd4j.create(predictions, new long[] {rows, width}, DataType.DOUBLE);
        }

        INDArray maskArray() {
            return Nd4j.create(mask, new long[] {rows, width}, DataType.DOUBLE);
        }
    }

    /** F1 from counts, 2TP / (2TP + FP + FN); NaN when that is 0/0. */
    static double f1(long tp, long fp, long fn) {
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? Double.NaN : 2.0 * tp / denominator;
    }

    /** The mean of the non-NaN values; NaN if there are none. */
    private static double meanOfDefined(double[] values) {
        double sum = 0;
        int n = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** One task type's counting: labelled rows only, masked outputs zeroed and flagged in the per-output mask. */
    private interface Accumulator {
        void add(Rows rows);

        void metrics(Map<String, Double> into);
    }

    private static final class RegressionAccumulator implements Accumulator {
        private final RegressionEvaluation evaluation;
        // Welford's running mean and sum of squared deviations per column: SST without cancellation.
        private final long[] labelled;
        private final double[] mean;
        private final double[] sumSquaredDeviations;

        RegressionAccumulator(int width) {
            evaluation = new RegressionEvaluation(width);
            labelled = new long[width];
            mean = new double[width];
            sumSquaredDeviations = new double[width];
        }

        @Override
        public void add(Rows rows) {
            if (rows.mask() == null) {
                evaluation.eval(rows.labelArray(), rows.predictionArray());
            } else {
                evaluation.eval(rows.labelArray(), rows.predictionArray(), rows.maskArray());
            }
            for (int r = 0; r < rows.rows(); r++) {
                for (int c = 0; c < mean.length; c++) {
                    if (rows.masked(r, c)) {
                        continue;
                    }
                    labelled[c]++;
                    double label = rows.label(r, c);
                    double delta = label - mean[c];
                    mean[c] += delta / labelled[c];
                    sumSquaredDeviations[c] += delta * (label - mean[c]);
                }
            }
        }

        @Override
        public void metrics(Map<String, Double> into) {
            INDArray sse = evaluation.getSumSquaredErrorsPerColumn();
            INDArray sae = evaluation.getSumAbsErrorsPerColumn();
            INDArray n = evaluation.getExampleCountPerColumn();
            int width = mean.length;
            double rmse = 0;
            double mae = 0;
            double r2 = 0;
            for (int c = 0; c < width; c++) {
                double count = n.getDouble(c);
                rmse += Math.sqrt(sse.getDouble(c) / count);
                mae += sae.getDouble(c) / count;
                r2 += sumSquaredDeviations[c] > 0 ? 1.0 - sse.getDouble(c) / sumSquaredDeviations[c] : Double.NaN;
            }
            into.put(Metric.RMSE.key(), rmse / width);
            into.put(Metric.MAE.key(), mae / width);
            into.put(Metric.R2.key(), r2 / width);
        }
    }

    private static final class BinaryAccumulator implements Accumulator {
        // One sigmoid column: DL4J's binary case, class 1 positive when the probability is > 0.5.
        private final Evaluation evaluation = new Evaluation();
        private double[] scores = new double[64];
        private boolean[] positive = new boolean[64];
        private int size;

        @Override
        public void add(Rows rows) {
            evaluation.eval(rows.labelArray(), rows.predictionArray());
            if (size + rows.rows() > scores.length) {
                int capacity = Math.max(2 * scores.length, size + rows.rows());
                scores = Arrays.copyOf(scores, capacity);
                positive = Arrays.copyOf(positive, capacity);
            }
            for (int r = 0; r < rows.rows(); r++) {
                scores[size] = rows.prediction(r, 0);
                positive[size] = rows.label(r, 0) == 1.0;
                size++;
            }
        }

        @Override
        public void metrics(Map<String, Double> into) {
            long tp = evaluation.truePositives().getOrDefault(1, 0);
            long fp = evaluation.falsePositives().getOrDefault(1, 0);
            long fn = evaluation.falseNegatives().getOrDefault(1, 0);
            into.put(Metric.ACCURACY.key(), evaluation.accuracy());
            into.put(Metric.AUC.key(), auc());
            into.put(Metric.F1.key(), f1(tp, fp, fn));
        }

        /** Mann-Whitney: (rank sum of the positives - nPos(nPos+1)/2) / (nPos nNeg), tied scores sharing their mean rank. */
        private double auc() {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
            long positives = 0;
            double positiveRankSum = 0;
            for (int start = 0; start < size; ) {
                int end = start;
                while (end + 1 < size && scores[order[end + 1]] == scores[order[start]]) {
                    end++;
                }
                double meanRank = (start + end) / 2.0 + 1.0;
                for (int i = start; i <= end; i++) {
                    if (positive[order[i]]) {
                        positives++;
                        positiveRankSum += meanRank;
                    }
                }
                start = end + 1;
            }
            long negatives = size - positives;
            if (positives == 0 || negatives == 0) {
                return Double.NaN;
            }
            return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
        }
    }

    private static final class MulticlassAccumulator implements Accumulator {
        private final Evaluation evaluation = new Evaluation();
        private final int classes;

        MulticlassAccumulator(int classes) {
            this.classes = classes;
        }

        @Override
        public void add(Rows rows) {
            evaluation.eval(rows.labelArray(), rows.predictionArray());
        }

        @Override
        public void metrics(Map<String, Double> into) {
            double[] f1 = new double[classes];
            for (int c = 0; c < classes; c++) {
                f1[c] = f1(evaluation.truePositives().getOrDefault(c, 0), evaluation.falsePositives().getOrDefault(c, 0),
                        evaluation.falseNegatives().getOrDefault(c, 0));
            }
            into.put(Metric.ACCURACY.key(), evaluation.accuracy());
            into.put(Metric.MACRO_F1.key(), meanOfDefined(f1));
        }
    }

    private static final class MultilabelAccumulator implements Accumulator {
        private final EvaluationBinary evaluation;
        private final int labels;

        MultilabelAccumulator(int labels) {
            this.labels = labels;
            this.evaluation = new EvaluationBinary(labels, null);
        }

        @Override
        public void add(Rows rows) {
            if (rows.mask() == null) {
                evaluation.eval(rows.labelArray(), rows.predictionArray());
            } else {
                evaluation.eval(rows.labelArray(), rows.predictionArray(), rows.maskArray());
            }
        }

        @Override
        public void metrics(Map<String, Double> into) {
            long tp = 0;
            long fp = 0;
            long fn = 0;
            long bits = 0;
            double[] f1 = new double[labels];
            for (int l = 0; l < labels; l++) {
                tp += evaluation.truePositives(l);
                fp += evaluation.falsePositives(l);
                fn += evaluation.falseNegatives(l);
                bits += evaluation.totalCount(l);
                f1[l] = f1(evaluation.truePositives(l), evaluation.falsePositives(l), evaluation.falseNegatives(l));
            }
            into.put(Metric.MICRO_F1.key(), f1(tp, fp, fn));
            into.put(Metric.MACRO_F1.key(), meanOfDefined(f1));
            into.put(Metric.HAMMING_LOSS.key(), bits == 0 ? Double.NaN : (double) (fp + fn) / bits);
        }
    }
}
