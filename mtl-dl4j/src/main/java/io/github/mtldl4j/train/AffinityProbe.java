package io.github.mtldl4j.train;

import io.github.mtldl4j.affinity.AffinityAccumulator;
import io.github.mtldl4j.affinity.GradientAffinity;
import io.github.mtldl4j.affinity.LookaheadAffinity;
import io.github.mtldl4j.affinity.TaskAffinity;
import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Measures both task-affinity matrices on a training batch every {@code every} steps, before the step itself, and
 * leaves parameters, optimizer state and task weights exactly as it found them.
 *
 * <p>Per measurement: one forward and K backward passes for the per-task gradients (as the aggregators use), one
 * K x K Gram product on the shared parameters (gradient cosine), then per task i one gradient step
 * {@code theta_s - lr grad L_i} on the shared parameters (lr: the optimizer's current learning rate) and one inference
 * pass for every task's loss (lookahead, Fifty et al. 2021), each followed by a restore of the parameters. Roughly
 * 2K + 2 passes: the overhead is timed and reported. The optimizer's state is never touched.
 */
final class AffinityProbe {
    private final MultiTaskModel model;
    private final MultiTaskComputationGraph graph;
    private final TaskGradientEngine engine;
    private final List<String> tasks;
    private final int every;
    private long steps;
    private AffinityAccumulator epoch;

    AffinityProbe(MultiTaskModel model, int every) {
        this.model = model;
        this.graph = model.graph();
        this.engine = new TaskGradientEngine(model);
        this.tasks = model.taskNames();
        this.every = every;
        if (!engine.ranges().hasShared()) {
            throw new IllegalArgumentException("Task affinity is measured on the shared parameters, but sharing mode '"
                    + model.layout().sharing() + "' has none: use hard sharing (or a mixture of experts) for affinity.");
        }
    }

    void startEpoch() {
        epoch = new AffinityAccumulator(tasks);
    }

    TaskAffinity endEpoch() {
        return epoch.mean();
    }

    /** Measures on {@code batch} if this step is due (steps 1, 1 + every, 1 + 2 every, ... of the run). */
    void maybeMeasure(MultiDataSet batch, LabelCoverage coverage) {
        if (steps++ % every != 0) {
            return;
        }
        long start = System.nanoTime();
        int k = tasks.size();
        boolean[] labelled = new boolean[k];
        for (int t = 0; t < k; t++) {
            labelled[t] = coverage.labelled(t) > 0;
        }
        TaskGradientEngine.Result result = engine.compute(batch, coverage, false);
        INDArray shared = result.gradients().mulRowVector(engine.ranges().sharedMask());
        INDArray gramArray = shared.mmul(shared.transpose());
        double[][] gram = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                gram[i][j] = labelled[i] && labelled[j] ? gramArray.getDouble(i, j) : Double.NaN;
            }
        }
        double[][] cosine = GradientAffinity.cosine(gram);

        double[] before = inferenceLosses(batch, coverage);
        double[][] after = new double[k][k];
        INDArray params = graph.params();
        INDArray savedParams = params.dup();
        double rate = learningRate();
        // Row i of the gradients is N x the gradient of task i's mean loss: the step is rate / N times the row.
        double scale = rate / coverage.rows();
        try {
            for (int i = 0; i < k; i++) {
                if (!labelled[i]) {
                    Arrays.fill(after[i], Double.NaN);
                    continue;
                }
                params.subi(shared.getRow(i).reshape(params.shape()).mul(scale));
                after[i] = inferenceLosses(batch, coverage);
                params.assign(savedParams);
            }
        } finally {
            params.assign(savedParams);
        }
        epoch.add(cosine, LookaheadAffinity.fromLosses(before, after), (System.nanoTime() - start) / 1e9);
    }

    /** The learning rate of the graph's updater at the current iteration (the lookahead's step size). */
    private double learningRate() {
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null) {
                double rate = base.getIUpdater().getLearningRate(graph.getIterationCount(), graph.getEpochCount());
                if (!(rate > 0) || Double.isInfinite(rate)) {
                    throw new IllegalArgumentException("The lookahead affinity steps with the optimizer's learning rate, but "
                            + base.getIUpdater().getClass().getSimpleName() + " has none (" + rate + "): use Sgd, Adam, "
                            + "Nesterovs or another updater with a learning rate.");
                }
                return rate;
            }
        }
        throw new IllegalStateException("The graph has no layer with an updater.");
    }

    /** Each task's mean loss over its labelled rows of the batch, in inference mode; NaN without labels. */
    private double[] inferenceLosses(MultiDataSet batch, LabelCoverage coverage) {
        int k = tasks.size();
        Map<String, Double> saved = model.weights().asMap();
        double[] losses = new double[k];
        try {
            for (int t = 0; t < k; t++) {
                model.weights().set(tasks.get(t), coverage.factor(t));
            }
            graph.score(batch, false);
            graph.clearLayerMaskArrays();
            double regularization = graph.calcRegularizationScore(true);
            for (int t = 0; t < k; t++) {
                losses[t] = coverage.labelled(t) == 0 ? Double.NaN
                        : graph.getOutputLayer(t).score() - (t == 0 ? regularization : 0.0);
            }
        } finally {
            model.weights().setAll(saved);
        }
        return losses;
    }
}
