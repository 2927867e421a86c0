package io.github.mtldl4j.train;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;

/** The optimizer half of a training step taken outside {@code ComputationGraph.fit}, in the order {@code fit} takes it. */
final class UpdaterStep {
    private UpdaterStep() {
    }

    /**
     * Applies the gradient held in the graph's flattened gradient view ({@code gradient} names its per-parameter
     * views; a sum over the batch like DL4J's own) as one optimizer step: the graph's updater turns it into an update
     * (dividing by the batch size, adding regularization, normalizing gradients as configured), the parameters move,
     * the score is set, listeners hear of the iteration, the iteration count advances and constraints are applied.
     */
    static void apply(ComputationGraph graph, Gradient gradient, int batchSize, double score) {
        graph.getUpdater(true).update(gradient, graph.getIterationCount(), graph.getEpochCount(), batchSize,
                LayerWorkspaceMgr.noWorkspaces());
        graph.params().subi(graph.getFlattenedGradients().reshape(graph.params().shape()));
        graph.setScore(score);
        for (TrainingListener listener : graph.getListeners()) {
            listener.iterationDone(graph, graph.getIterationCount(), graph.getEpochCount());
        }
        BaseOptimizer.incrementIterationCount(graph, 1);
        BaseOptimizer.applyConstraints(graph);
    }
}
