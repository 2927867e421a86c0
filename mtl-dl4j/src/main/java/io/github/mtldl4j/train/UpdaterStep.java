package io.github.mtldl4j.train;

import java.util.Map;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The optimizer half of a training step taken outside {@code ComputationGraph.fit}, in the order {@code fit} takes it. */
final class UpdaterStep {
    private UpdaterStep() {
    }

    /**
     * Applies the gradient held in the graph's flattened gradient view ({@code gradient} names its per-parameter
     * views; a sum over the batch like DL4J's own) as one optimizer step: the graph's updater turns it into an update
     * (dividing by the batch size, adding regularization, normalizing gradients as configured), the parameters move,
     * the score is set, listeners hear of the backward pass, the gradient and the iteration, the iteration count
     * advances and constraints are applied.
     */
    static void apply(ComputationGraph graph, Gradient gradient, int batchSize, double score) {
        apply(graph, gradient, batchSize, score, null);
    }

    /**
     * {@link #apply(ComputationGraph, Gradient, int, double)}, with the update taken by {@code adam} (a {@link HostAdam}
     * of this graph, or null) when it can take it, else by the graph's updater.
     */
    static void apply(ComputationGraph graph, Gradient gradient, int batchSize, double score, HostAdam adam) {
        // As fit does: the gradient is the model's (listeners read model.gradient()), and listeners hear of the
        // backward pass and of the gradient before the updater turns it into the update.
        graph.setGradient(gradient);
        graph.setScore(score);
        for (TrainingListener listener : graph.getListeners()) {
            listener.onBackwardPass(graph);
            listener.onGradientCalculation(graph);
        }
        if (adam == null || !adam.apply(batchSize)) {
            INDArray flat = graph.getFlattenedGradients();
            Gradient viewed = gradient.gradient() == flat ? gradient : new FlatViewGradient(flat, gradient);
            graph.getUpdater(true).update(viewed, graph.getIterationCount(), graph.getEpochCount(), batchSize,
                    LayerWorkspaceMgr.noWorkspaces());
            graph.params().subi(flat.reshape(graph.params().shape()));
        }
        for (TrainingListener listener : graph.getListeners()) {
            listener.iterationDone(graph, graph.getIterationCount(), graph.getEpochCount());
        }
        BaseOptimizer.incrementIterationCount(graph, 1);
        BaseOptimizer.applyConstraints(graph);
    }

    /**
     * A gradient whose {@link #gradient()} is the graph's flattened gradient view itself. DL4J's
     * {@code DefaultGradient.gradient()} returns a reshaped copy of the view object, which makes the updater treat
     * every step as an "external" gradient and build two views per parameter per step for its regularization pass
     * (10 % of a direct step in the profile); with the view itself it takes its standard route over precomputed
     * views. The same arithmetic on the same memory either way.
     */
    static final class FlatViewGradient extends DefaultGradient {
        private static final long serialVersionUID = 1L;
        private final transient INDArray flat;

        /** Over {@code flat}, with no per-variable views yet ({@link #setGradientFor} adds them). */
        FlatViewGradient(INDArray flat) {
            super(flat);
            this.flat = flat;
        }

        FlatViewGradient(INDArray flat, Gradient perVariable) {
            this(flat);
            for (Map.Entry<String, INDArray> variable : perVariable.gradientForVariable().entrySet()) {
                setGradientFor(variable.getKey(), variable.getValue());
            }
        }

        @Override
        public INDArray gradient() {
            return flat;
        }
    }
}
