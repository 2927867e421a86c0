package io.github.mtldl4j.graph;

import java.util.List;
import org.nd4j.linalg.activations.Activation;

/**
 * The shape of a trunk (shared, or one per task) and the settings of its dense layers.
 *
 * @param widths the widths of the dense layers, input side first; empty: heads read the input
 * @param activation activation of trunk and hidden head layers
 * @param dropoutRate probability of dropping a trunk layer's activation in training, in {@code [0, 1)}
 * @param l2 L2 regularization coefficient of trunk and head layers, {@code >= 0}
 * @param bias whether layers have bias terms
 */
public record TrunkSpec(List<Integer> widths, Activation activation, double dropoutRate, double l2, boolean bias) {

    /** Validates the settings. */
    public TrunkSpec {
        widths = List.copyOf(widths);
        for (int w : widths) {
            if (w < 1) {
                throw new IllegalArgumentException("Shared layer widths must be >= 1, received " + widths + ".");
            }
        }
        if (activation == null) {
            throw new IllegalArgumentException("Trunk activation is null; expected an Activation such as Activation.RELU.");
        }
        if (!(dropoutRate >= 0 && dropoutRate < 1)) {
            throw new IllegalArgumentException("Dropout rate is the probability of dropping a unit and must be in [0, 1), received "
                    + dropoutRate + ".");
        }
        if (!Double.isFinite(l2) || l2 < 0) {
            throw new IllegalArgumentException("l2 must be finite and >= 0, received " + l2 + ".");
        }
    }
}
