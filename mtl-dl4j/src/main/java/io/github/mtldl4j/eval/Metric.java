package io.github.mtldl4j.eval;

import io.github.mtldl4j.task.TaskType;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The metrics the library reports, by the name they have in {@code metrics.json}, with whether lower is better and
 * whether a relative change of them means something (what delta-m compares). {@link TaskEvaluator} computes them;
 * early stopping, delta-m, the tuner and the report read their direction here. The {@link #LOSS} is the validation
 * loss, which every task has.
 */
public enum Metric {
    /** Root mean squared error, averaged over target columns. */
    RMSE("rmse", true, true),
    /** Mean absolute error, averaged over target columns. */
    MAE("mae", true, true),
    /** Coefficient of determination 1 - SSE/SST; not on a ratio scale (0 and below are common), so not in delta-m. */
    R2("r2", false, false),
    /** Fraction of rows whose predicted class is right. */
    ACCURACY("accuracy", false, true),
    /** Exact area under the ROC curve, ties counting 1/2. */
    AUC("auc", false, true),
    /** F1 of the positive class. */
    F1("f1", false, true),
    /** Mean over classes (or labels) of their F1. */
    MACRO_F1("macro_f1", false, true),
    /** F1 of all label bits pooled. */
    MICRO_F1("micro_f1", false, true),
    /** Fraction of labelled bits predicted wrong; 0 for a perfect model, so not in delta-m. */
    HAMMING_LOSS("hamming_loss", true, false),
    /** The task's loss (its loss function's value, as training minimizes it). */
    LOSS("loss", true, false);

    private final String key;
    private final boolean lowerIsBetter;
    private final boolean comparedByDeltaM;

    Metric(String key, boolean lowerIsBetter, boolean comparedByDeltaM) {
        this.key = key;
        this.lowerIsBetter = lowerIsBetter;
        this.comparedByDeltaM = comparedByDeltaM;
    }

    /** The name in {@code metrics.json}, history files and reports, e.g. {@code "macro_f1"}. */
    public String key() {
        return key;
    }

    /** Whether a lower value is better. */
    public boolean lowerIsBetter() {
        return lowerIsBetter;
    }

    /** Whether delta-m compares it (a relative change of it means something: it is positive and on a ratio scale). */
    public boolean comparedByDeltaM() {
        return comparedByDeltaM;
    }

    /**
     * The metric named {@code key}.
     *
     * @throws IllegalArgumentException naming the known metrics, for any other name
     */
    public static Metric of(String key) {
        for (Metric metric : values()) {
            if (metric.key.equals(key)) {
                return metric;
            }
        }
        throw new IllegalArgumentException("Unknown metric " + (key == null ? "null" : "'" + key + "'") + ": known metrics are "
                + Arrays.stream(values()).map(Metric::key).toList() + ".");
    }

    /** The metrics {@link TaskEvaluator} computes for a task type, in the order it reports them. */
    public static List<Metric> of(TaskType type) {
        return switch (requireType(type)) {
            case REGRESSION -> List.of(RMSE, MAE, R2);
            case BINARY -> List.of(ACCURACY, AUC, F1);
            case MULTICLASS -> List.of(ACCURACY, MACRO_F1);
            case MULTILABEL -> List.of(MICRO_F1, MACRO_F1, HAMMING_LOSS);
        };
    }

    /**
     * The metric that stands for a task type in summaries and early stopping: {@code rmse} for regression,
     * {@code auc} for binary, {@code accuracy} for multi-class, {@code micro_f1} for multi-label.
     *
     * <p>Binary uses AUC rather than accuracy because it does not depend on the 0.5 threshold and does not reward
     * predicting the majority class of an imbalanced label. It is NaN on a split holding one class only, so a
     * caller that stops early on it must skip NaN values (or fall back to the loss).
     */
    public static Metric main(TaskType type) {
        return switch (requireType(type)) {
            case REGRESSION -> RMSE;
            case BINARY -> AUC;
            case MULTICLASS -> ACCURACY;
            case MULTILABEL -> MICRO_F1;
        };
    }

    /** The metrics of a task type that delta-m compares, in {@link #of(TaskType)} order. */
    public static List<Metric> comparedByDeltaM(TaskType type) {
        return of(type).stream().filter(Metric::comparedByDeltaM).toList();
    }

    private static TaskType requireType(TaskType type) {
        return Objects.requireNonNull(type, "Task type is null; expected one of " + Arrays.toString(TaskType.values()) + ".");
    }
}
