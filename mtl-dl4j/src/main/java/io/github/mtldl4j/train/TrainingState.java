package io.github.mtldl4j.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A copy of a graph's training state at one moment: parameters, optimizer state, iteration and epoch counters. The
 * trainers keep one for the last complete epoch (put back when training diverges) and one for the best epoch (put
 * back when {@link KeptParameters#BEST} is kept). Restoring writes into the graph's own arrays, so views of them
 * (e.g. those a {@link DirectTrainingStep} holds) stay valid.
 */
public final class TrainingState {
    private final INDArray parameters;
    private final INDArray optimizer;
    private int iterations;
    private int epochs;

    private TrainingState(INDArray parameters, INDArray optimizer, int iterations, int epochs) {
        this.parameters = parameters;
        this.optimizer = optimizer;
        this.iterations = iterations;
        this.epochs = epochs;
    }

    /** The graph's current state, copied (the optimizer state is created first if the graph has none yet). */
    public static TrainingState of(ComputationGraph graph) {
        INDArray state = graph.getUpdater(true) == null ? null : graph.getUpdater().getStateViewArray();
        return new TrainingState(graph.params().dup(), state == null ? null : state.dup(),
                graph.getConfiguration().getIterationCount(), graph.getConfiguration().getEpochCount());
    }

    /**
     * A state read back from a checkpoint.
     *
     * @param optimizer the optimizer state, or null when unknown (restoring then leaves the graph's own)
     * @param iterations the iteration counter, or a negative number when unknown (restoring then leaves the graph's)
     * @param epochs the epoch counter, or a negative number when unknown
     */
    static TrainingState of(INDArray parameters, INDArray optimizer, int iterations, int epochs) {
        return new TrainingState(parameters.dup(), optimizer == null ? null : optimizer.dup(), iterations, epochs);
    }

    /** Overwrites this copy with the graph's current state. */
    public void keep(ComputationGraph graph) {
        parameters.assign(graph.params());
        if (optimizer != null && graph.getUpdater() != null && graph.getUpdater().getStateViewArray() != null) {
            optimizer.assign(graph.getUpdater().getStateViewArray());
        }
        iterations = graph.getConfiguration().getIterationCount();
        epochs = graph.getConfiguration().getEpochCount();
    }

    /** Puts this state back into the graph. */
    public void restore(ComputationGraph graph) {
        graph.params().assign(parameters);
        if (optimizer != null) {
            graph.getUpdater(true).getStateViewArray().assign(optimizer);
        }
        if (iterations >= 0) {
            graph.getConfiguration().setIterationCount(iterations);
        }
        if (epochs >= 0) {
            graph.getConfiguration().setEpochCount(epochs);
        }
    }

    /** The parameters (the copy itself: do not change it). */
    public INDArray parameters() {
        return parameters;
    }

    /** The optimizer state (the copy itself), or null when the graph has none or it is unknown. */
    public INDArray optimizer() {
        return optimizer;
    }

    /** The iteration counter, negative when unknown. */
    public int iterations() {
        return iterations;
    }

    /** The epoch counter, negative when unknown. */
    public int epochs() {
        return epochs;
    }
}
