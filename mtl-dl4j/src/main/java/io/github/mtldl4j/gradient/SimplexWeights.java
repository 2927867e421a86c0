package io.github.mtldl4j.gradient;

import java.util.Arrays;
import java.util.Map;

/**
 * Task weights on the simplex that a method keeps from step to step (MoDo's λ, SDMGrad's w): uniform 1/K until the
 * first step, then whatever the method sets; saved and restored as one named entry of the method's checkpoint state.
 */
final class SimplexWeights {
    private final String method;
    private final String entry;
    private double[] values;

    /**
     * @param method the method's name, for messages
     * @param entry the name of the checkpoint state's entry
     */
    SimplexWeights(String method, String entry) {
        this.method = method;
        this.entry = entry;
    }

    /** Forgets the weights: the next {@link #forTasks} starts uniform. */
    void reset() {
        values = null;
    }

    /** The weights for {@code k} tasks: the kept ones, or 1/K each when there are none for {@code k} tasks. */
    double[] forTasks(int k) {
        if (values == null || values.length != k) {
            values = new double[k];
            Arrays.fill(values, 1.0 / k);
        }
        return values;
    }

    /** Keeps {@code next} as the weights. */
    void set(double[] next) {
        values = next;
    }

    /** A copy of the weights, or null before the first step. */
    double[] copy() {
        return values == null ? null : values.clone();
    }

    /** The checkpoint state: one entry, or none before the first step. */
    Map<String, double[]> state() {
        return values == null ? Map.of() : Map.of(entry, values.clone());
    }

    /** Restores {@link #state()}'s output; an empty map leaves the weights as they are. */
    void restore(Map<String, double[]> state) {
        if (state.isEmpty()) {
            return;
        }
        double[] saved = state.get(entry);
        if (state.size() != 1 || saved == null || saved.length == 0) {
            throw new IllegalArgumentException(method + ": expected a saved state with the entry '" + entry + "' (K), received "
                    + state.keySet() + ": resume from a checkpoint written with " + method + ".");
        }
        values = saved.clone();
    }
}
