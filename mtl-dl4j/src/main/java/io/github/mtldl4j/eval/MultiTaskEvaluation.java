package io.github.mtldl4j.eval;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The metrics of every task of a {@link MultiTaskModel} on a data set: one {@link TaskEvaluator} per task, fed
 * with the model's predictions batch by batch. Label array {@code i} and label mask {@code i} of each
 * {@link MultiDataSet} belong to task {@code i} (task order), as in training; masked rows do not count.
 * A task with {@link Task#withSoftLabels() soft labels} is scored against its targets made hard, as Keras' accuracy
 * reads soft targets: the most probable class (multiclass; the first of equals), or 1 where the target is at least 0.5
 * (binary, multilabel).
 *
 * <pre>{@code
 * MultiTaskEvaluation result = MultiTaskEvaluation.evaluate(model, validation);
 * result.task("price").get("rmse");
 * result.task("churn").count();   // labelled rows of churn
 * }</pre>
 *
 * <p>Immutable.
 */
public final class MultiTaskEvaluation {
    private final Map<String, TaskMetrics> tasks;

    private MultiTaskEvaluation(Map<String, TaskMetrics> tasks) {
        this.tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    }

    /**
     * Evaluates {@code model} on every batch of {@code data}, in inference mode. The iterator is reset first when it
     * supports it, so the whole data set is evaluated even if it was partly consumed.
     *
     * @param data batches with one feature array and one label array per task (label masks optional)
     * @throws IllegalArgumentException if a batch does not fit the model (feature or label array count, shapes,
     *     label values); the message names the task and the batch
     */
    public static MultiTaskEvaluation evaluate(MultiTaskModel model, MultiDataSetIterator data) {
        return evaluate(model, data, null);
    }

    /**
     * As {@link #evaluate(MultiTaskModel, MultiDataSetIterator)}, with each batch's labels and predictions first mapped
     * to the units the metrics are wanted in.
     *
     * @param toLabelUnits maps (task name, labels or predictions in training units) to those units, e.g.
     *     {@code TabularPreprocessor::toLabelUnits} for regression metrics in the label's own units; null to keep
     *     training units
     */
    public static MultiTaskEvaluation evaluate(MultiTaskModel model, MultiDataSetIterator data,
                                               BiFunction<String, INDArray, INDArray> toLabelUnits) {
        Objects.requireNonNull(model, "model is null");
        Objects.requireNonNull(data, "data is null; expected a MultiDataSetIterator");
        List<Task> taskList = model.tasks();
        List<TaskEvaluator> evaluators = new ArrayList<>();
        for (Task task : taskList) {
            evaluators.add(new TaskEvaluator(task.type(), task.width()));
        }
        if (data.resetSupported()) {
            data.reset();
        }
        for (int batch = 0; data.hasNext(); batch++) {
            MultiDataSet next = data.next();
            if (next.numFeatureArrays() != 1) {
                throw new IllegalArgumentException("Batch " + batch + ": expected 1 feature array (the model has one input), received "
                        + next.numFeatureArrays() + ".");
            }
            if (next.numLabelsArrays() != taskList.size()) {
                throw new IllegalArgumentException("Batch " + batch + ": expected " + taskList.size() + " label arrays, one per task "
                        + model.taskNames() + " in that order, received " + next.numLabelsArrays() + ".");
            }
            INDArray[] masks = next.getLabelsMaskArrays();
            if (masks != null && masks.length != taskList.size()) {
                throw new IllegalArgumentException("Batch " + batch + ": expected " + taskList.size() + " label mask arrays (null entries "
                        + "for tasks without missing labels), one per task " + model.taskNames() + ", received " + masks.length + ".");
            }
            Map<String, INDArray> predictions = model.predict(next.getFeatures(0));
            for (int t = 0; t < taskList.size(); t++) {
                String name = taskList.get(t).name();
                try {
                    INDArray labels = taskList.get(t).softLabels() ? hardened(taskList.get(t), next.getLabels(t)) : next.getLabels(t);
                    INDArray predicted = predictions.get(name);
                    if (toLabelUnits != null) {
                        predicted = toLabelUnits.apply(name, predicted);
                        labels = toLabelUnits.apply(name, labels).castTo(predicted.dataType());
                    }
                    evaluators.get(t).add(labels, predicted, masks == null ? null : masks[t]);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("Task '" + name + "', batch " + batch + " (label array " + t + "): "
                            + e.getMessage(), e);
                }
            }
        }
        Map<String, TaskMetrics> results = new LinkedHashMap<>();
        for (int t = 0; t < taskList.size(); t++) {
            TaskEvaluator evaluator = evaluators.get(t);
            results.put(taskList.get(t).name(), new TaskMetrics(evaluator.type(), evaluator.count(), evaluator.metrics()));
        }
        return new MultiTaskEvaluation(results);
    }

    /** Soft targets made hard for the metrics (see the class comment); values that are not finite stay, to be refused. */
    static INDArray hardened(Task task, INDArray labels) {
        if (labels == null || labels.rank() != 2 || labels.columns() != task.width() || labels.rows() == 0) {
            return labels; // the evaluator names the shape problem
        }
        int rows = (int) labels.rows();
        int width = task.width();
        boolean multiclass = task.type() == io.github.mtldl4j.task.TaskType.MULTICLASS;
        double[] y = labels.dup('c').data().asDouble();
        double[] hard = new double[y.length];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int c = 0; c < width; c++) {
                double value = y[r * width + c];
                if (!multiclass) {
                    hard[r * width + c] = value >= 0.5 ? 1 : 0;
                } else if (value > y[r * width + best]) {
                    best = c;
                }
            }
            if (multiclass) {
                hard[r * width + best] = 1;
            }
            for (int c = 0; c < width; c++) {
                if (!Double.isFinite(y[r * width + c])) {
                    hard[r * width + c] = y[r * width + c];
                }
            }
        }
        return org.nd4j.linalg.factory.Nd4j.create(hard, new long[] {rows, width}, 'c').castTo(labels.dataType());
    }

    /** Every task's result, by task name in task order. */
    public Map<String, TaskMetrics> tasks() {
        return tasks;
    }

    /** The result of the task called {@code name}. */
    public TaskMetrics task(String name) {
        TaskMetrics result = tasks.get(name);
        if (result == null) {
            throw new IllegalArgumentException("Unknown task '" + name + "': evaluated tasks are " + tasks.keySet() + ".");
        }
        return result;
    }

    /** Every task's metrics map, by task name: the input of {@link RelativeImprovement#deltaMOverMetrics}. */
    public Map<String, Map<String, Double>> metricsByTask() {
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        tasks.forEach((name, result) -> metrics.put(name, result.metrics()));
        return Collections.unmodifiableMap(metrics);
    }
}
