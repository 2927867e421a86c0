package io.github.mtldl4j.weighting;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * A loss weighting driven by one learned scalar per task (uncertainty's log-variances, IMTL-L's scales, FAMO's
 * logits), stepped by its own optimizer after every training step: the parameters, their epoch counter and their
 * checkpoint state, so that a subclass says only how the parameters become weights and what their gradient is.
 */
abstract class LearnedPerTaskWeighting implements LossWeighting {
    private final String statePrefix;
    /** The tasks, in parameter order; set by {@link #learn}. */
    List<String> tasks;
    /** One parameter per task; set by {@link #learn}. */
    LearnedWeightParameters parameters;

    /** @param statePrefix the prefix of the parameters' names in checkpoint state, e.g. {@code "scale_"} */
    LearnedPerTaskWeighting(String statePrefix) {
        this.statePrefix = statePrefix;
    }

    /** Starts the parameters at 0 for {@code tasks}, with an own instance of {@code updater}. */
    final void learn(List<String> tasks, IUpdater updater) {
        this.tasks = tasks;
        this.parameters = new LearnedWeightParameters(new double[tasks.size()], updater);
    }

    @Override
    public final void afterEpoch(int finishedEpoch, Map<String, Double> meanTrainLosses) {
        parameters.epochFinished(finishedEpoch);
    }

    /** The parameters, their optimizer state and step counter, and the epoch counter. */
    @Override
    public final Map<String, double[]> state() {
        Map<String, double[]> state = new LinkedHashMap<>();
        parameters.saveTo(state, statePrefix);
        return state;
    }

    @Override
    public final void restoreState(Map<String, double[]> state) {
        parameters.restoreFrom(state, statePrefix, name());
    }
}
