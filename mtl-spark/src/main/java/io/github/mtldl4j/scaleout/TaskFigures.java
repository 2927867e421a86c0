package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-task figures of a model on part of a data set, computed where the data is (a Spark partition, or the driver)
 * and merged: each task's loss summed over its labelled rows, and optionally the labels, predictions and masks from
 * which the driver computes the task's metrics with the same {@link TaskEvaluator} as single-machine training.
 * Plain Java arrays, so it travels through Spark's serialization.
 */
public final class TaskFigures implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[] lossSums;
    private final long[] labelledRows;
    private final long rows;
    /** Per task, per batch: labels, predictions, mask (null: every row labelled). Empty lists if not kept. */
    private final List<List<double[][][]>> batches;

    private TaskFigures(double[] lossSums, long[] labelledRows, long rows, List<List<double[][][]>> batches) {
        this.lossSums = lossSums;
        this.labelledRows = labelledRows;
        this.rows = rows;
        this.batches = batches;
    }

    /** Nothing seen yet, for {@code tasks} tasks. */
    public static TaskFigures empty(int tasks) {
        List<List<double[][][]>> batches = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            batches.add(new ArrayList<>());
        }
        return new TaskFigures(new double[tasks], new long[tasks], 0, batches);
    }

    /**
     * The figures of {@code model} on {@code data}, in inference mode: each task's loss as a mean over its labelled
     * rows (the model's weights are set to N / labelled rows for each batch, as the single-machine trainer does, and
     * restored afterwards).
     *
     * @param keepPredictions whether to keep labels, predictions and masks for metrics
     */
    public static TaskFigures of(MultiTaskModel model, Iterator<? extends MultiDataSet> data, boolean keepPredictions) {
        List<String> tasks = model.taskNames();
        int k = tasks.size();
        TaskFigures figures = empty(k);
        Map<String, Double> saved = model.weights().asMap();
        long rows = 0;
        try {
            while (data.hasNext()) {
                MultiDataSet batch = data.next();
                long n = batch.getFeatures(0).size(0);
                rows += n;
                long[] labelled = labelledRows(batch);
                for (int t = 0; t < k; t++) {
                    model.weights().set(tasks.get(t), labelled[t] == 0 ? 0.0 : (double) n / labelled[t]);
                }
                // With weight N/n the task's score is the mean loss over its labelled rows.
                Map<String, Double> losses = model.losses(batch).weighted();
                for (int t = 0; t < k; t++) {
                    if (labelled[t] > 0) {
                        figures.lossSums[t] += losses.get(tasks.get(t)) * labelled[t];
                        figures.labelledRows[t] += labelled[t];
                    }
                }
                if (keepPredictions) {
                    Map<String, INDArray> predictions = model.predict(batch.getFeatures(0));
                    for (int t = 0; t < k; t++) {
                        INDArray mask = batch.getLabelsMaskArray(t);
                        figures.batches.get(t).add(new double[][][] {
                            batch.getLabels(t).castTo(DataType.DOUBLE).toDoubleMatrix(),
                            predictions.get(tasks.get(t)).castTo(DataType.DOUBLE).toDoubleMatrix(),
                            mask == null ? null : mask.castTo(DataType.DOUBLE).reshape(n, mask.rank() == 1 ? 1 : mask.size(1)).toDoubleMatrix()});
                    }
                }
            }
        } finally {
            model.weights().setAll(saved);
        }
        return new TaskFigures(figures.lossSums, figures.labelledRows, rows, figures.batches);
    }

    /** Rows of {@code batch} that carry each task's label (a row counts if any of its outputs is unmasked). */
    public static long[] labelledRows(MultiDataSet batch) {
        long rows = batch.getFeatures(0).size(0);
        long[] labelled = new long[batch.numLabelsArrays()];
        for (int t = 0; t < labelled.length; t++) {
            INDArray mask = batch.getLabelsMaskArray(t);
            labelled[t] = mask == null ? rows : mask.max(1).gt(0).castTo(DataType.INT64).sumNumber().longValue();
        }
        return labelled;
    }

    /** These figures and {@code other}'s together (neither is changed). */
    public TaskFigures merge(TaskFigures other) {
        int k = lossSums.length;
        if (other.lossSums.length != k) {
            throw new IllegalArgumentException("Cannot merge figures of " + k + " tasks with figures of " + other.lossSums.length + ".");
        }
        double[] sums = new double[k];
        long[] counts = new long[k];
        List<List<double[][][]>> merged = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            sums[t] = lossSums[t] + other.lossSums[t];
            counts[t] = labelledRows[t] + other.labelledRows[t];
            List<double[][][]> both = new ArrayList<>(batches.get(t));
            both.addAll(other.batches.get(t));
            merged.add(both);
        }
        return new TaskFigures(sums, counts, rows + other.rows, merged);
    }

    /** Rows seen. */
    public long rows() {
        return rows;
    }

    /** Rows with task {@code t}'s label. */
    public long labelledRows(int t) {
        return labelledRows[t];
    }

    /** Each task's mean loss over its labelled rows (NaN for a task without labels), by task name. */
    public Map<String, Double> meanLosses(List<String> tasks) {
        Map<String, Double> means = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            means.put(tasks.get(t), labelledRows[t] == 0 ? Double.NaN : lossSums[t] / labelledRows[t]);
        }
        return means;
    }

    /**
     * Each task's metrics from the kept predictions, by task name.
     *
     * @param toLabelUnits maps (task name, labels or predictions in training units) to the units metrics are wanted
     *     in, e.g. {@code TabularPreprocessor::toLabelUnits}; null to keep training units
     * @throws IllegalStateException if the figures were computed without predictions
     */
    public Map<String, TaskMetrics> metrics(List<Task> tasks, BiFunction<String, INDArray, INDArray> toLabelUnits) {
        Map<String, TaskMetrics> metrics = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            Task task = tasks.get(t);
            if (rows > 0 && batches.get(t).isEmpty()) {
                throw new IllegalStateException("These figures were computed without predictions; ask for them with keepPredictions.");
            }
            TaskEvaluator evaluator = new TaskEvaluator(task.type(), task.width());
            for (double[][][] batch : batches.get(t)) {
                INDArray labels = Nd4j.create(batch[0]);
                INDArray predicted = Nd4j.create(batch[1]);
                if (toLabelUnits != null) {
                    labels = toLabelUnits.apply(task.name(), labels);
                    predicted = toLabelUnits.apply(task.name(), predicted);
                }
                evaluator.add(labels.castTo(predicted.dataType()), predicted, batch[2] == null ? null : Nd4j.create(batch[2]));
            }
            metrics.put(task.name(), new TaskMetrics(task.type(), evaluator.count(), evaluator.metrics()));
        }
        return metrics;
    }
}
