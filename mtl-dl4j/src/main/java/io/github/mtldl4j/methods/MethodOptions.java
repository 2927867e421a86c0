package io.github.mtldl4j.methods;

import java.util.Map;

/**
 * The settings a method's factory may read, as the command line gives them.
 *
 * @param weights fixed task weights by task name (tasks not named: 1), for {@code fixed} and the aggregators' losses
 * @param experts experts (shared experts for CGC and PLE) of the mixture-of-experts sharing modes
 * @param taskExperts task-specific experts per task for CGC and PLE
 * @param topK experts each example may use in DSelect-k (its number of selectors k)
 * @param calibratorWeight AITM's calibrator weight alpha (the paper's: 0.6)
 */
public record MethodOptions(Map<String, Double> weights, int experts, int taskExperts, int topK, double calibratorWeight) {
    /** The command line's defaults: no weights, 4 experts, 1 task expert, top-2, AITM's alpha 0.6. */
    public static final MethodOptions DEFAULTS = new MethodOptions(Map.of(), 4, 1, 2);

    /** These settings with AITM's calibrator weight from its paper (0.6). */
    public MethodOptions(Map<String, Double> weights, int experts, int taskExperts, int topK) {
        this(weights, experts, taskExperts, topK, 0.6);
    }

    /** These settings with the default top-k. */
    public MethodOptions(Map<String, Double> weights, int experts, int taskExperts) {
        this(weights, experts, taskExperts, 2);
    }

    /** The defaults with these fixed weights. */
    public static MethodOptions withWeights(Map<String, Double> weights) {
        return new MethodOptions(weights, DEFAULTS.experts(), DEFAULTS.taskExperts());
    }

    /** Copies the weights. */
    public MethodOptions {
        weights = Map.copyOf(weights);
    }
}
