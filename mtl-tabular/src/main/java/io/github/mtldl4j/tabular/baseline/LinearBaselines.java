package io.github.mtldl4j.tabular.baseline;

import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A linear model per task on the encoded training rows, measured on the encoded validation rows as the multi-task model
 * is: regression by ridge least squares ({@link RidgeRegression}) on the standardized target, de-standardized for the
 * metrics; binary by logistic regression ({@link LogisticRegression}); multiclass one against the rest; multilabel one
 * logistic regression per label. Each task's model sees only the rows labelled for it (each label's, for per-label
 * masks). The penalty is chosen per task from a small grid by the task's mean loss on the validation rows (as the
 * network's kept epoch is), and a binary task's positive-class weight weights its positive rows as in the network.
 */
public final class LinearBaselines {
    /** Inverse regularization strengths C tried for logistic regression. */
    public static final List<Double> C_GRID = List.of(0.001, 0.01, 0.1, 1.0, 10.0, 100.0);
    /** Ridge penalties tried, per training row: lambda = alpha * labelled rows (features are standardized). */
    public static final List<Double> ALPHA_GRID = List.of(1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0);
    private static final double PROBABILITY_FLOOR = 1e-15;

    private LinearBaselines() {
    }

    /**
     * One task's linear model.
     *
     * @param model what was fitted, e.g. "ridge, lambda = 0.1 x 240 rows" or "logistic, C = 1"
     * @param regularization the chosen C (logistic) or alpha (ridge, lambda per row)
     * @param parameters coefficients plus intercepts
     * @param metrics on the validation rows: {@code loss} (mean over labelled rows, in training units) first, then the
     *     task type's metrics in the labels' own units
     */
    public record TaskFit(String model, double regularization, long parameters, TaskMetrics metrics) {
    }

    /**
     * Fits every task.
     *
     * @param tasks the model's tasks (type, width, loss, activation, positive weight)
     * @param train the encoded training rows, one label array per task in task order
     * @param validation the encoded validation rows
     * @param toLabelUnits task name and values in training units to the labels' own units (regression de-standardized)
     * @return by task name, in task order
     */
    public static Map<String, TaskFit> fit(List<Task> tasks, MultiDataSet train, MultiDataSet validation,
                                           BiFunction<String, INDArray, INDArray> toLabelUnits) {
        double[][] xTrain = train.getFeatures(0).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] xValid = validation.getFeatures(0).castTo(DataType.DOUBLE).toDoubleMatrix();
        Map<String, TaskFit> fits = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            Task task = tasks.get(t);
            Labels trainLabels = Labels.of(train, t, task.width());
            Labels validLabels = Labels.of(validation, t, task.width());
            boolean ridge = task.type() == TaskType.REGRESSION;
            List<Double> grid = ridge ? ALPHA_GRID : C_GRID;
            double bestLoss = Double.POSITIVE_INFINITY;
            double best = grid.get(grid.size() / 2);
            INDArray bestPredictions = null;
            for (double value : grid) {
                INDArray predictions = ridge ? ridge(xTrain, trainLabels, xValid, value) : logistic(task, xTrain, trainLabels, xValid, value);
                double loss = meanLoss(task, validLabels, predictions);
                if (bestPredictions == null || loss < bestLoss) {
                    bestLoss = loss;
                    best = value;
                    bestPredictions = predictions;
                }
            }
            TaskMetrics metrics = metrics(task, validLabels, bestPredictions, bestLoss, toLabelUnits);
            int d = xTrain[0].length;
            long parameters = (long) (d + 1) * task.width();
            String model = ridge ? String.format(Locale.ROOT, "ridge least squares, lambda = %s x labelled rows", plain(best))
                    : String.format(Locale.ROOT, "%s, C = %s%s", switch (task.type()) {
                        case BINARY -> "logistic regression";
                        case MULTICLASS -> "logistic regression, one class against the rest";
                        default -> "logistic regression per label";
                    }, plain(best), task.positiveWeight() == 1.0 ? "" : ", positive-class weight " + task.positiveWeight());
            fits.put(task.name(), new TaskFit(model, best, parameters, metrics));
        }
        return fits;
    }

    /**
     * The fitted models measured on other rows, e.g. a held-out test file: each task's model refitted on the same
     * training rows with the regularization {@link #fit} chose on the validation rows (the fits are deterministic, so
     * this is the same model), then scored on {@code rows} as {@link #fit} scores the validation rows.
     *
     * @param tasks the model's tasks, as given to {@link #fit}
     * @param train the encoded training rows given to {@link #fit}
     * @param fits what {@link #fit} returned
     * @param rows the encoded rows to measure on
     * @param toLabelUnits as for {@link #fit}
     * @return by task name, in task order: the same models, with their metrics on {@code rows}
     */
    public static Map<String, TaskFit> measure(List<Task> tasks, MultiDataSet train, Map<String, TaskFit> fits, MultiDataSet rows,
                                               BiFunction<String, INDArray, INDArray> toLabelUnits) {
        double[][] xTrain = train.getFeatures(0).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] xRows = rows.getFeatures(0).castTo(DataType.DOUBLE).toDoubleMatrix();
        Map<String, TaskFit> measured = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            Task task = tasks.get(t);
            TaskFit fit = fits.get(task.name());
            if (fit == null) {
                throw new IllegalArgumentException("no linear model was fitted for task '" + task.name() + "'.");
            }
            Labels trainLabels = Labels.of(train, t, task.width());
            Labels rowLabels = Labels.of(rows, t, task.width());
            INDArray predictions = task.type() == TaskType.REGRESSION ? ridge(xTrain, trainLabels, xRows, fit.regularization())
                    : logistic(task, xTrain, trainLabels, xRows, fit.regularization());
            TaskMetrics metrics = metrics(task, rowLabels, predictions, meanLoss(task, rowLabels, predictions), toLabelUnits);
            measured.put(task.name(), new TaskFit(fit.model(), fit.regularization(), fit.parameters(), metrics));
        }
        return measured;
    }

    /** {@code loss} first, then the task type's metrics in the labels' own units, as the network is measured. */
    private static TaskMetrics metrics(Task task, Labels labels, INDArray predictions, double loss,
                                       BiFunction<String, INDArray, INDArray> toLabelUnits) {
        TaskEvaluator evaluator = new TaskEvaluator(task.type(), task.width());
        INDArray values = toLabelUnits.apply(task.name(), labels.values);
        INDArray predicted = toLabelUnits.apply(task.name(), predictions);
        evaluator.add(values.castTo(predicted.dataType()), predicted, labels.mask);
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", loss);
        metrics.putAll(evaluator.metrics());
        return new TaskMetrics(task.type(), evaluator.count(), metrics);
    }

    /** Per column of the task: its labelled rows' predictions (standardized units) on every validation row. */
    private static INDArray ridge(double[][] xTrain, Labels labels, double[][] xValid, double alpha) {
        double[][] out = new double[xValid.length][labels.width];
        for (int c = 0; c < labels.width; c++) {
            int[] rows = labels.labelledRows(c);
            if (rows.length == 0) {
                continue;
            }
            double[][] x = new double[rows.length][];
            double[] y = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                x[i] = xTrain[rows[i]];
                y[i] = labels.value(rows[i], c);
            }
            RidgeRegression.Fit fit = RidgeRegression.fit(x, y, alpha * rows.length);
            for (int i = 0; i < xValid.length; i++) {
                out[i][c] = fit.predict(xValid[i]);
            }
        }
        return Nd4j.create(out);
    }

    /** Probabilities of the task's output units on every validation row. */
    private static INDArray logistic(Task task, double[][] xTrain, Labels labels, double[][] xValid, double c) {
        double[][] out = new double[xValid.length][task.width()];
        if (task.type() == TaskType.MULTICLASS) {
            int[] rows = labels.labelledRows(0);
            if (rows.length > 0) {
                double[][] x = new double[rows.length][];
                int[] y = new int[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    x[i] = xTrain[rows[i]];
                    y[i] = labels.argmax(rows[i]);
                }
                double[] weights = new double[task.width()];
                java.util.Arrays.fill(weights, 1.0);
                LogisticRegression.Fit fit = LogisticRegression.fit(x, y, task.width(), c, weights);
                for (int i = 0; i < xValid.length; i++) {
                    out[i] = fit.probabilities(xValid[i]);
                }
            }
            return Nd4j.create(out);
        }
        // Binary and multilabel: one yes/no model per output unit.
        double[] weights = {1.0, task.positiveWeight()};
        for (int u = 0; u < task.width(); u++) {
            int[] rows = labels.labelledRows(u);
            if (rows.length == 0) {
                continue;
            }
            double[][] x = new double[rows.length][];
            int[] y = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                x[i] = xTrain[rows[i]];
                y[i] = labels.value(rows[i], u) >= 0.5 ? 1 : 0;
            }
            LogisticRegression.Fit fit = LogisticRegression.fit(x, y, 2, c, weights);
            for (int i = 0; i < xValid.length; i++) {
                out[i][u] = fit.probabilities(xValid[i])[1];
            }
        }
        return Nd4j.create(out);
    }

    /**
     * The task's own loss (its loss function and output activation, positive-class weight included) on the validation
     * rows, as a mean over labelled rows: the predictions are turned back into pre-activations (identity, log-odds or
     * log-probabilities) so that the network's loss function scores them.
     */
    static double meanLoss(Task task, Labels labels, INDArray predictions) {
        INDArray pre = switch (task.type()) {
            case REGRESSION -> predictions.dup();
            case BINARY, MULTILABEL -> {
                INDArray p = clip(predictions);
                yield org.nd4j.linalg.ops.transforms.Transforms.log(p.div(p.rsub(1.0)), false);
            }
            case MULTICLASS -> org.nd4j.linalg.ops.transforms.Transforms.log(clip(predictions), false);
        };
        INDArray scores = task.loss().computeScoreArray(labels.values, pre, task.activation().getActivationFunction(), labels.mask);
        long labelled = labels.labelledRowCount();
        return labelled == 0 ? Double.NaN : scores.sumNumber().doubleValue() / labelled;
    }

    /** A grid value as written, e.g. 0.0001 rather than 1.0E-4. */
    private static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static INDArray clip(INDArray p) {
        return org.nd4j.linalg.ops.transforms.Transforms.min(org.nd4j.linalg.ops.transforms.Transforms.max(p, PROBABILITY_FLOOR, true),
                1.0 - 1e-12, false);
    }

    /** A task's labels and mask as doubles. */
    record Labels(INDArray values, INDArray mask, double[][] rows, double[][] maskRows, int width) {
        static Labels of(MultiDataSet data, int task, int width) {
            INDArray values = data.getLabels(task).castTo(DataType.DOUBLE);
            INDArray mask = data.getLabelsMaskArray(task);
            mask = mask == null ? null : mask.castTo(DataType.DOUBLE).reshape(mask.size(0), mask.rank() == 1 ? 1 : mask.size(1));
            return new Labels(values, mask, values.toDoubleMatrix(), mask == null ? null : mask.toDoubleMatrix(), width);
        }

        double value(int row, int column) {
            return rows[row][column];
        }

        boolean labelled(int row, int column) {
            return maskRows == null || maskRows[row][maskRows[row].length == 1 ? 0 : column] > 0;
        }

        int[] labelledRows(int column) {
            List<Integer> labelled = new ArrayList<>();
            for (int r = 0; r < rows.length; r++) {
                if (labelled(r, column)) {
                    labelled.add(r);
                }
            }
            return labelled.stream().mapToInt(Integer::intValue).toArray();
        }

        long labelledRowCount() {
            long count = 0;
            for (int r = 0; r < rows.length; r++) {
                boolean any = false;
                for (int c = 0; c < width && !any; c++) {
                    any = labelled(r, c);
                }
                count += any ? 1 : 0;
            }
            return count;
        }

        int argmax(int row) {
            int best = 0;
            for (int c = 1; c < width; c++) {
                if (rows[row][c] > rows[row][best]) {
                    best = c;
                }
            }
            return best;
        }
    }
}
