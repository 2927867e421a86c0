package io.github.mtldl4j.weighting;

import java.util.Map;

/**
 * What one training step saw, handed to {@link LossWeighting#afterStep}.
 *
 * @param losses per-task unweighted loss of the step (mean over labelled rows), only tasks with labels in the batch
 * @param weights the weights the step used
 * @param sharedGradientNorms per task, the norm of the gradient of its unweighted loss with respect to the last
 *     shared layer's weights; {@code null} unless the weighting asked for it
 */
public record StepObservation(Map<String, Double> losses, Map<String, Double> weights, Map<String, Double> sharedGradientNorms) {
}
