package io.github.mtldl4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-task losses of one pass, by task name, with the regularization term apart (DL4J folds the whole
 * regularization term into its first output's score).
 *
 * @param weighted each task's contribution to the total: weight x loss
 * @param unweighted each task's own loss (weighted / weight); NaN for a task whose weight is 0, since its
 *     contribution carries no information then (evaluate it with a non-zero weight)
 * @param regularization the l1/l2/weight-decay term of the whole network
 */
public record TaskLosses(Map<String, Double> weighted, Map<String, Double> unweighted, double regularization) {

    /** Copies the maps, keeping task order. */
    public TaskLosses {
        weighted = Collections.unmodifiableMap(new LinkedHashMap<>(weighted));
        unweighted = Collections.unmodifiableMap(new LinkedHashMap<>(unweighted));
    }

    /** The network's score: the weighted task losses plus regularization. */
    public double total() {
        return weighted.values().stream().mapToDouble(Double::doubleValue).sum() + regularization;
    }
}
