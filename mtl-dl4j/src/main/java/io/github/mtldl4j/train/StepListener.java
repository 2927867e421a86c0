package io.github.mtldl4j.train;

import java.util.Map;

/** Hears of every training step, e.g. to drive a progress bar. */
@FunctionalInterface
public interface StepListener {
    /**
     * Called after each step, on the training thread.
     *
     * @param epoch 1-based epoch number
     * @param losses the step's per-task losses (mean over labelled rows; tasks without labels in the batch absent)
     */
    void stepDone(int epoch, Map<String, Double> losses);
}
