package io.github.mtldl4j.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One task's figures for one epoch.
 *
 * @param trainLoss mean training loss over the epoch's labelled rows (unweighted; NaN if the task had no labels)
 * @param validLoss validation loss over the labelled rows (NaN without validation data)
 * @param weight mean weight the task's steps used during the epoch
 * @param metrics validation metrics by name (training data when there is no validation data); may be empty
 */
public record TaskEpochStats(double trainLoss, double validLoss, double weight, Map<String, Double> metrics) {

    /** Copies the metrics, keeping their order. */
    public TaskEpochStats {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }
}
