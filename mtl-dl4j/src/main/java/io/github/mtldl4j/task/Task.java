package io.github.mtldl4j.task;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * One task of a multi-task model: what it predicts and how its error is counted.
 *
 * <p>Create tasks with the factories ({@link #regression(String)}, {@link #binary(String)},
 * {@link #multiclass(String, int)}, {@link #multilabel(String, int)}) and adjust them with the
 * {@code with*} methods; every instance is validated, so an invalid task cannot exist.
 *
 * @param name unique task name: letters, digits, {@code _} and {@code -}; it names the task's output vertex
 * @param type the task type
 * @param width the output width: 1 for regression of one target and for binary, the class or label count otherwise
 * @param loss the loss; {@code null} selects the type's default
 * @param activation the output activation; {@code null} selects the type's default
 * @param weight the loss weight, finite and {@code >= 0}; it scales this task's loss and gradient
 * @param headWidths widths of the task's hidden head layers between the shared representation and the output
 * @param softLabels whether labels may be probabilities instead of hard 0/1 labels ({@link #withSoftLabels()});
 *     classification tasks only
 */
public record Task(String name, TaskType type, int width, ILossFunction loss, Activation activation,
                   double weight, List<Integer> headWidths, boolean softLabels) {

    /** Allowed task names. */
    public static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9_-]+");

    /** Validates every field; see the record components for what is accepted. */
    public Task {
        if (name == null || !NAME_PATTERN.matcher(name).matches()) {
            throw new IllegalArgumentException("Task name must be letters, digits, '_' or '-' (it names the output vertex), "
                    + "received " + (name == null ? "null" : "'" + name + "'") + ": rename the task, e.g. 'body_mass'.");
        }
        Objects.requireNonNull(type, () -> "Task '" + name + "': type is null; expected one of REGRESSION, BINARY, MULTICLASS, MULTILABEL.");
        if (width < 1) {
            throw new IllegalArgumentException("Task '" + name + "': output width must be >= 1, received " + width + ".");
        }
        if (type == TaskType.BINARY && width != 1) {
            throw new IllegalArgumentException("Task '" + name + "': a BINARY task has exactly one output unit, received width "
                    + width + ": use MULTICLASS for " + width + " exclusive classes or MULTILABEL for " + width + " independent labels.");
        }
        if (type == TaskType.MULTICLASS && width < 2) {
            throw new IllegalArgumentException("Task '" + name + "': a MULTICLASS task needs at least 2 classes, received width "
                    + width + ": use BINARY for one yes/no label.");
        }
        if (!Double.isFinite(weight) || weight < 0) {
            throw new IllegalArgumentException("Task '" + name + "': loss weight must be finite and >= 0, received " + weight + ".");
        }
        loss = loss == null ? type.defaultLoss() : loss;
        activation = activation == null ? type.defaultActivation() : activation;
        headWidths = headWidths == null ? List.of() : List.copyOf(headWidths);
        for (int w : headWidths) {
            if (w < 1) {
                throw new IllegalArgumentException("Task '" + name + "': head layer widths must be >= 1, received " + headWidths + ".");
            }
        }
        if (softLabels && type == TaskType.REGRESSION) {
            throw new IllegalArgumentException("Task '" + name + "': soft labels apply to classification tasks (BINARY, MULTICLASS, "
                    + "MULTILABEL); a REGRESSION target is any finite number already: drop withSoftLabels().");
        }
    }

    /** A task with hard labels (see the record components). */
    public Task(String name, TaskType type, int width, ILossFunction loss, Activation activation, double weight,
                List<Integer> headWidths) {
        this(name, type, width, loss, activation, weight, headWidths, false);
    }

    /** A regression task with one target. */
    public static Task regression(String name) {
        return new Task(name, TaskType.REGRESSION, 1, null, null, 1.0, List.of());
    }

    /** A regression task with {@code targets} targets. */
    public static Task regression(String name, int targets) {
        return new Task(name, TaskType.REGRESSION, targets, null, null, 1.0, List.of());
    }

    /** A binary classification task (one sigmoid unit). */
    public static Task binary(String name) {
        return new Task(name, TaskType.BINARY, 1, null, null, 1.0, List.of());
    }

    /** A classification task with {@code classes} exclusive classes (softmax). */
    public static Task multiclass(String name, int classes) {
        return new Task(name, TaskType.MULTICLASS, classes, null, null, 1.0, List.of());
    }

    /** A multi-label task with {@code labels} independent yes/no labels. */
    public static Task multilabel(String name, int labels) {
        return new Task(name, TaskType.MULTILABEL, labels, null, null, 1.0, List.of());
    }

    /** This task with another loss weight. */
    public Task withWeight(double newWeight) {
        return new Task(name, type, width, loss, activation, newWeight, headWidths, softLabels);
    }

    /** This task with hidden head layers of the given widths (none: the output reads the shared representation). */
    public Task withHead(int... widths) {
        return new Task(name, type, width, loss, activation, weight, java.util.Arrays.stream(widths).boxed().toList(), softLabels);
    }

    /** This task with another loss. */
    public Task withLoss(ILossFunction newLoss) {
        return new Task(name, type, width, newLoss, activation, weight, headWidths, softLabels);
    }

    /** This task with another output activation. */
    public Task withActivation(Activation newActivation) {
        return new Task(name, type, width, loss, newActivation, weight, headWidths, softLabels);
    }

    /**
     * This binary task with its positive class weighted by {@code positiveWeight}: the loss becomes
     * {@link PositiveWeightedBinaryXent} (a positive label's term counts {@code positiveWeight}
     * times). For imbalanced tasks, negatives / positives of the training rows gives both classes equal total weight.
     * Saved with the model (the loss is part of the graph configuration). A weight of 1 restores the plain loss.
     *
     * @throws IllegalArgumentException for a task that is not BINARY, or a weight that is not finite and {@code > 0}
     */
    public Task withPositiveWeight(double positiveWeight) {
        if (type != TaskType.BINARY) {
            throw new IllegalArgumentException("Task '" + name + "': a positive-class weight applies to a BINARY task, this one is "
                    + type + ".");
        }
        if (!Double.isFinite(positiveWeight) || positiveWeight <= 0) {
            throw new IllegalArgumentException("Task '" + name + "': positive-class weight must be finite and > 0, received "
                    + positiveWeight + "; e.g. negatives / positives of the training rows.");
        }
        return withLoss(positiveWeight == 1.0 ? type.defaultLoss() : new PositiveWeightedBinaryXent(positiveWeight));
    }

    /** The weight of the positive class's loss term ({@link #withPositiveWeight}); 1 for a plain loss. */
    public double positiveWeight() {
        return loss instanceof PositiveWeightedBinaryXent weighted ? weighted.getPositiveWeight() : 1.0;
    }

    /**
     * This task with soft labels: targets may be probabilities (label smoothing, a teacher's outputs for distillation)
     * instead of hard labels. Training then accepts, per labelled row, binary and multilabel values in [0, 1], and
     * multiclass rows of values in [0, 1] that sum to 1 within {@link io.github.mtldl4j.data.LabelValidator#SOFT_SUM_TOLERANCE}; without
     * it only 0/1 labels (one-hot rows for multiclass) are accepted ({@link io.github.mtldl4j.data.LabelValidator}).
     * Saved with the model.
     *
     * @throws IllegalArgumentException for a regression task (its targets are any finite numbers already)
     */
    public Task withSoftLabels() {
        return new Task(name, type, width, loss, activation, weight, headWidths, true);
    }
}
