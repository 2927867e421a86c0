package io.github.mtldl4j.weighting;

import java.util.Map;

/** Checks on a loss weighting's saved state ({@link LossWeighting#restoreState}). */
final class LossWeightingState {
    private LossWeightingState() {
    }

    /** The array {@code name} of {@code state}, which must have {@code length} values. */
    static double[] require(Map<String, double[]> state, String name, int length, String method) {
        double[] values = state.get(name);
        if (values == null || values.length != length) {
            throw new IllegalArgumentException("Checkpoint state of weighting '" + method + "': expected '" + name + "' with "
                    + length + " values, found " + (values == null ? "none" : values.length + " values") + " (keys " + state.keySet()
                    + "); it was written for another method or another number of tasks.");
        }
        return values;
    }

    /** Per task in {@code tasks} order, NaN for a task absent from {@code byTask}. */
    static double[] inTaskOrder(java.util.List<String> tasks, Map<String, Double> byTask) {
        double[] values = new double[tasks.size()];
        for (int i = 0; i < values.length; i++) {
            Double value = byTask.get(tasks.get(i));
            values[i] = value == null ? Double.NaN : value;
        }
        return values;
    }

    /** The inverse of {@link #inTaskOrder}: NaN entries are left out. */
    static Map<String, Double> byTask(java.util.List<String> tasks, double[] values) {
        Map<String, Double> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (!Double.isNaN(values[i])) {
                map.put(tasks.get(i), values[i]);
            }
        }
        return map;
    }
}
