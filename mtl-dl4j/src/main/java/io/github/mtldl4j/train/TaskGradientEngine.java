package io.github.mtldl4j.train;

import io.github.mtldl4j.graph.RepresentationTap;
import io.github.mtldl4j.graph.VertexNames;
import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Per-task gradients of one minibatch, and the application of a combined gradient through the graph's own
 * updater (so optimizer state is shared with plain {@code fit}).
 *
 * <p>Task k's gradient comes from a backward pass with weight N/n_k on task k and 0 on every other task (see
 * {@link LabelCoverage}): the gradient of task k's mean loss over its labelled rows. The rows of the K x P matrix
 * are therefore unweighted; the trainer scales them by the step's weights. Cost: one forward pass and K backward
 * passes ({@link MultiTaskComputationGraph#backwardPerTask}), so all tasks see the same dropout masks.
 */
final class TaskGradientEngine {
    private final MultiTaskModel model;
    private final MultiTaskComputationGraph graph;
    private final List<String> tasks;
    private final ParameterRanges ranges;
    private final RepresentationTap tap;
    private INDArray perTask;

    TaskGradientEngine(MultiTaskModel model) {
        this.model = model;
        this.graph = model.graph();
        this.tasks = model.taskNames();
        this.ranges = new ParameterRanges(graph, model.layout());
        this.tap = graph.getVertex(VertexNames.SHARED_REPRESENTATION) instanceof RepresentationTap t ? t : null;
    }

    /** Whether the graph has a shared representation tap (built with {@code representationTap()}). */
    boolean hasRepresentationTap() {
        return tap != null;
    }

    ParameterRanges ranges() {
        return ranges;
    }

    /**
     * Per-task gradients and losses of one batch.
     *
     * @param gradients K x P, row k the gradient of task k's mean loss times the batch size (DL4J's scale)
     * @param losses per-task mean loss over labelled rows (NaN without labels)
     * @param representationGradients K x (N * width): the same for the gradient at the shared representation, or null
     */
    record Result(INDArray gradients, double[] losses, INDArray representationGradients) {
    }

    /**
     * Computes task k's gradient into row k for every task with labels in the batch (rows of tasks without
     * labels are zero and their loss NaN). Leaves the model's weights as they were.
     */
    Result compute(MultiDataSet batch, LabelCoverage coverage, boolean withRepresentationGradients) {
        int k = tasks.size();
        long p = ranges.total();
        if (perTask == null || perTask.rows() != k || perTask.columns() != p) {
            perTask = Nd4j.create(graph.params().dataType(), k, p);
        }
        Map<String, Double> saved = model.weights().asMap();
        INDArray[] representation = new INDArray[1];
        if (withRepresentationGradients) {
            tap.capture(true);
        }
        double[] losses;
        try {
            for (int t = 0; t < k; t++) {
                model.weights().set(tasks.get(t), coverage.factor(t));
                if (coverage.labelled(t) == 0) {
                    perTask.getRow(t).assign(0);
                }
            }
            losses = graph.backwardPerTask(batch, t -> coverage.labelled(t) > 0,
                    t -> {
                        for (int other = 0; other < k; other++) {
                            model.weights().set(tasks.get(other), other == t ? coverage.factor(t) : 0.0);
                        }
                    },
                    t -> {
                        perTask.getRow(t).assign(graph.getFlattenedGradients());
                        if (withRepresentationGradients) {
                            INDArray captured = tap.captured();
                            if (representation[0] == null) {
                                try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                                    representation[0] = Nd4j.zeros(captured.dataType(), k, captured.length());
                                }
                            }
                            representation[0].getRow(t).assign(captured.reshape(captured.length()));
                        }
                    });
            for (int t = 0; t < k; t++) {
                if (coverage.labelled(t) == 0) {
                    losses[t] = Double.NaN;
                }
            }
        } finally {
            model.weights().setAll(saved);
            if (withRepresentationGradients) {
                tap.capture(false);
            }
        }
        return new Result(perTask, losses, representation[0]);
    }

    /**
     * Applies a combined gradient (a row vector over all parameters, a sum over the batch like DL4J's own) as one
     * optimizer step: the graph's updater turns it into an update (dividing by the batch size, adding
     * regularization), the parameters move, listeners hear of the iteration, and the iteration count advances.
     */
    void apply(INDArray combined, int batchSize, double score) {
        INDArray flat = graph.getFlattenedGradients();
        flat.assign(combined.reshape(flat.shape()));
        graph.getUpdater(true).update(graph.gradient(), graph.getIterationCount(), graph.getEpochCount(), batchSize,
                LayerWorkspaceMgr.noWorkspaces());
        graph.params().subi(flat.reshape(graph.params().shape()));
        graph.setScore(score);
        for (TrainingListener listener : graph.getListeners()) {
            listener.iterationDone(graph, graph.getIterationCount(), graph.getEpochCount());
        }
        BaseOptimizer.incrementIterationCount(graph, 1);
        BaseOptimizer.applyConstraints(graph);
    }

    /** Columns [start, end) of a row as a view. */
    static INDArray columns(INDArray matrix, int row, long[] range) {
        return matrix.get(NDArrayIndex.point(row), NDArrayIndex.interval(range[0], range[1]));
    }
}
