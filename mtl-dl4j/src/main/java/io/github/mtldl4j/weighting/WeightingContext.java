package io.github.mtldl4j.weighting;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * What a loss weighting knows at the start of training.
 *
 * @param tasks task names in output order
 * @param initialWeights the model's weights when training starts (the user's fixed weights)
 * @param updater the network's optimizer configuration, for methods that learn their weights with "the same
 *     optimizer" (a fresh instance with its own state is made from it)
 * @param random seeded by the trainer, for methods that draw weights
 */
public record WeightingContext(List<String> tasks, Map<String, Double> initialWeights, IUpdater updater, Random random) {

    /** Copies the collections. */
    public WeightingContext {
        tasks = List.copyOf(tasks);
        initialWeights = Map.copyOf(initialWeights);
    }
}
