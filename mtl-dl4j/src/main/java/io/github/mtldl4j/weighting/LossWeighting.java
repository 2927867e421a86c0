package io.github.mtldl4j.weighting;

import java.util.Map;

/**
 * Sets the task weights w_t of the total loss Σ_t w_t L_t from what it sees of the task losses (and, for
 * methods that ask, per-task gradient norms). One implementation per method, each citing its paper.
 *
 * <p>The trainer calls {@link #start} once, then for every step {@link #nextStepWeights()} (exactly once;
 * the returned map is what the step uses and what is reported), then {@link #afterStep}; at the end of every
 * epoch {@link #afterEpoch}. Losses handed in are unweighted per-task means over the rows that have the task's
 * label; a task without any label in a batch is absent from that step's map.
 */
public interface LossWeighting {

    /** Short lower-case name used on the command line and in reports, e.g. {@code dwa}. */
    String name();

    /** Prepares for a training run. */
    void start(WeightingContext context);

    /** The weights of the next step, by task name in task order (finite, {@code >= 0}). */
    Map<String, Double> nextStepWeights();

    /** What the last step saw. */
    default void afterStep(StepObservation observation) {
    }

    /**
     * End of an epoch.
     *
     * @param epoch 1-based epoch number
     * @param meanTrainLosses each task's mean training loss over the epoch
     */
    default void afterEpoch(int epoch, Map<String, Double> meanTrainLosses) {
    }

    /**
     * The method's state after {@link #start} and any number of steps, for a training checkpoint: named arrays of
     * doubles (e.g. DWA's loss history, uncertainty weighting's log-variances and their optimizer state). Empty for a
     * method without state. {@link #restoreState} on a freshly started instance must make it behave exactly as this one.
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
            throw new IllegalArgumentException("Weighting '" + name() + "' has no state, but the checkpoint holds " + state.keySet()
                    + ": it was written by another weighting method.");
        }
    }

    /** True if the method needs, after each step, the per-task gradient norms on the last shared layer. */
    default boolean needsSharedGradientNorms() {
        return false;
    }

    /**
     * True if a step's weights depend on that step's own losses (e.g. GLS's w_t = GLS / (K L_t), FAMO's z_t / L_t):
     * the trainer then computes the batch's losses before the backward pass and calls {@link #stepWeights} instead
     * of {@link #nextStepWeights()}. The direct step gets them from its own forward pass at no extra cost; a step
     * through {@code ComputationGraph.fit} scores the batch first (one more forward pass, in inference mode).
     */
    default boolean weighsByStepLosses() {
        return false;
    }

    /**
     * The weights of the step whose unweighted losses, at the parameters before the step, are {@code stepLosses}
     * (tasks with labels in the batch only); called exactly once per step, instead of {@link #nextStepWeights()}, when
     * {@link #weighsByStepLosses()}. Every task must have a weight (finite, {@code >= 0}).
     */
    default Map<String, Double> stepWeights(Map<String, Double> stepLosses) {
        return nextStepWeights();
    }

    /**
     * True if {@link #afterStep} needs the losses of the same batch after the parameter update
     * ({@link StepObservation#lossesAfterStep()}, e.g. FAMO's rate of log-loss decrease): one forward pass more per step.
     */
    default boolean needsLossesAfterStep() {
        return false;
    }
}
