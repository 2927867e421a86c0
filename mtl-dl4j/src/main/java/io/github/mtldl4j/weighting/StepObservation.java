package io.github.mtldl4j.weighting;

import java.util.Map;

/**
 * What one training step saw, handed to {@link LossWeighting#afterStep}.
 *
 * @param losses per-task unweighted loss of the step (mean over labelled rows), only tasks with labels in the batch
 * @param weights the weights the step used
 * @param sharedGradientNorms per task, the norm of the gradient of its unweighted loss with respect to the last
 *     shared layer's weights; {@code null} unless the weighting asked for it
 * @param lossesAfterStep per-task unweighted loss of the same batch after the parameter update (same tasks as
 *     {@code losses}); {@code null} unless the weighting asked for it ({@link LossWeighting#needsLossesAfterStep()})
 */
public record StepObservation(Map<String, Double> losses, Map<String, Double> weights, Map<String, Double> sharedGradientNorms,
                              Map<String, Double> lossesAfterStep) {

    /** Without the losses after the step. */
    public StepObservation(Map<String, Double> losses, Map<String, Double> weights, Map<String, Double> sharedGradientNorms) {
        this(losses, weights, sharedGradientNorms, null);
    }
}
