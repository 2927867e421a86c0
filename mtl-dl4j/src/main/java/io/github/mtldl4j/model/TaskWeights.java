package io.github.mtldl4j.model;

import io.github.mtldl4j.loss.WeightedLoss;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The live loss weights of a model's tasks, read and changed by task name. A change applies from the next
 * forward/backward pass on, without rebuilding the graph: each call looks the weight up in the running
 * graph, so the view stays valid after the graph's parameters are replaced.
 */
public final class TaskWeights {
    private final ComputationGraph graph;
    private final List<String> taskNames;

    TaskWeights(ComputationGraph graph, List<String> taskNames) {
        this.graph = graph;
        this.taskNames = taskNames;
    }

    /** The current weight of {@code task}. */
    public double get(String task) {
        return lossOf(graph, taskNames, task).getWeight();
    }

    /**
     * Sets the weight of {@code task}.
     *
     * @throws IllegalArgumentException for an unknown task or a weight that is NaN, infinite or negative
     */
    public TaskWeights set(String task, double weight) {
        WeightedLoss loss = lossOf(graph, taskNames, task);
        if (!Double.isFinite(weight) || weight < 0) {
            throw new IllegalArgumentException("Task '" + task + "': loss weight must be finite and >= 0, received " + weight + ".");
        }
        loss.setWeight(weight);
        return this;
    }

    /** Sets several weights at once; all are validated before any is changed. */
    public TaskWeights setAll(Map<String, Double> weights) {
        weights.forEach((task, weight) -> {
            lossOf(graph, taskNames, task);
            if (weight == null || !Double.isFinite(weight) || weight < 0) {
                throw new IllegalArgumentException("Task '" + task + "': loss weight must be finite and >= 0, received " + weight + ".");
            }
        });
        weights.forEach(this::set);
        return this;
    }

    /** All weights by task name, in task order. */
    public Map<String, Double> asMap() {
        Map<String, Double> weights = new LinkedHashMap<>();
        for (String task : taskNames) {
            weights.put(task, get(task));
        }
        return weights;
    }

    @Override
    public String toString() {
        return asMap().toString();
    }

    /** The weighted loss of a task's output layer in a running graph. */
    static WeightedLoss lossOf(ComputationGraph graph, List<String> taskNames, String task) {
        if (!taskNames.contains(task)) {
            throw new IllegalArgumentException("Unknown task '" + task + "': this model's tasks are " + taskNames + ".");
        }
        Layer layer = graph.getLayer(task);
        if (layer == null) {
            throw new IllegalStateException("Task '" + task + "' has no output layer named '" + task + "' in the graph.");
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        ILossFunction loss;
        if (conf instanceof BaseOutputLayer output) {
            loss = output.getLossFn();
        } else if (conf instanceof LossLayer lossLayer) {
            loss = lossLayer.getLossFn();
        } else {
            throw new IllegalStateException("Vertex '" + task + "' is a " + conf.getClass().getSimpleName() + ", not an output layer.");
        }
        if (loss instanceof WeightedLoss weighted) {
            return weighted;
        }
        throw new IllegalStateException("Task '" + task + "' has loss " + loss + ", expected a WeightedLoss: "
                + "build the graph with MultiTaskGraphBuilder.");
    }
}
