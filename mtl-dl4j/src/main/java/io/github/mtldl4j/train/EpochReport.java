package io.github.mtldl4j.train;

import io.github.mtldl4j.affinity.TaskAffinity;
import io.github.mtldl4j.eval.GateUtilization;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one epoch of multi-task training did, by task name. Immutable; handed to {@link EpochListener}s and kept
 * in the {@link TrainingHistory}.
 *
 * @param epoch 1-based epoch number
 * @param tasks per-task figures, in task order
 * @param criterion the early-stopping criterion's value after this epoch
 * @param seconds wall time of the epoch (training plus evaluation)
 * @param best whether this epoch's parameters are the best so far by the criterion
 * @param gates per task the mean gate weight of each expert on the validation data (or, without it, the training
 *              data) after this epoch, when the trainer was asked for it ({@code gateUtilization(true)}); else null
 * @param affinity task affinity averaged over this epoch's measured steps, when the trainer was asked for it
 *                 ({@code affinityEvery(n)}); else null
 */
public record EpochReport(int epoch, Map<String, TaskEpochStats> tasks, double criterion, double seconds, boolean best,
                          GateUtilization gates, TaskAffinity affinity) {

    /** Copies the map, keeping task order. */
    public EpochReport {
        tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    }

    /** A report without task affinity. */
    public EpochReport(int epoch, Map<String, TaskEpochStats> tasks, double criterion, double seconds, boolean best,
                       GateUtilization gates) {
        this(epoch, tasks, criterion, seconds, best, gates, null);
    }

    /** A report without gate utilization. */
    public EpochReport(int epoch, Map<String, TaskEpochStats> tasks, double criterion, double seconds, boolean best) {
        this(epoch, tasks, criterion, seconds, best, null, null);
    }

    /** The figures of one task. */
    public TaskEpochStats task(String name) {
        TaskEpochStats stats = tasks.get(name);
        if (stats == null) {
            throw new IllegalArgumentException("Unknown task '" + name + "'; the tasks are " + tasks.keySet() + ".");
        }
        return stats;
    }
}
