package io.github.mtldl4j.gradient;

import java.util.Map;
import java.util.Random;

/**
 * Combines the per-task gradients g_1..g_K of the shared parameters into one update direction.
 *
 * <p>An aggregator sees only the K x K Gram matrix {@code G[i][j] = g_i . g_j} and returns coefficients c:
 * the shared gradient applied is {@code d = Σ_k c[k] g_k}, and the parameters move by {@code -lr * d} (the
 * gradients are of losses to be minimized). The trainer computes G with one matrix product and d with
 * another, so every method runs in plain Java on a matrix of at most a few dozen entries.
 *
 * <p><b>Scale.</b> Every implementation returns coefficients on the scale of {@link SumAggregator}: K equal
 * gradients g give {@code d = K g}, as the plain sum of the task losses would (CAGrad gives
 * {@code K (1 + c) / (1 + c²) g}, its authors' rescaling). Methods whose papers define weights on the simplex
 * (MGDA, IMTL-G) or around the mean gradient (CAGrad, UPGrad) are therefore multiplied by K, so one learning rate
 * serves all of them; each class says what its paper's own weights are.
 *
 * <p>Heads are not aggregated: each task head receives its own task's gradient.
 */
public interface GradientAggregator {

    /** Short lower-case name, e.g. "pcgrad" (used on the command line and in reports). */
    String name();

    /**
     * @param gram K x K Gram matrix of the task gradients on the shared parameters (symmetric, PSD up to rounding)
     * @param random for methods with a random element (PCGrad's task order); the trainer passes a seeded one.
     *               Methods without a random element ignore it and accept {@code null}.
     * @return coefficients c of length K: the shared gradient applied is Σ_k c[k] g_k
     * @throws IllegalArgumentException if {@code gram} is not a square, symmetric, finite Gram matrix
     */
    double[] coefficients(double[][] gram, Random random);

    /**
     * True when the method wants the Gram matrix of gradients w.r.t. the shared representation (MGDA-UB) instead
     * of the shared parameters. The returned coefficients are applied to the parameter gradients either way.
     */
    default boolean usesRepresentationGradients() {
        return false;
    }

    /** Called once before a training run's first step: a method with state (GradVac) forgets earlier runs. */
    default void start() {
    }

    /**
     * The method's state after any number of steps, for a training checkpoint (e.g. GradVac's target cosines): named
     * arrays of doubles, empty for a method without state. {@link #restoreState} on a freshly started instance must
     * make it behave exactly as this one.
     */
    default Map<String, double[]> state() {
        return Map.of();
    }

    /**
     * Restores what {@link #state()} returned; called after {@link #start} when a training run resumes.
     *
     * @throws IllegalArgumentException if the state is not this method's (names or sizes differ)
     */
    default void restoreState(Map<String, double[]> state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException(name() + ": this aggregator has no state, but the checkpoint holds "
                    + state.keySet() + ": it was written with another aggregator; resume with the same method.");
        }
    }
}
