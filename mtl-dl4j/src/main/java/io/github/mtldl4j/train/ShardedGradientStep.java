package io.github.mtldl4j.train;

import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.gradient.ElementwiseAggregator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MultiSampleAggregator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.StepObservation;
import io.github.mtldl4j.weighting.WeightingContext;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Synchronous data-parallel steps for the per-step methods (gradient aggregators, uncertainty, RLW, GradNorm, ...):
 * the step of {@link MultiTaskTrainer} on a global batch whose rows are split over workers.
 *
 * <p>Each worker ({@link Worker}) computes, on its shard at the current parameters, every task's gradient summed over
 * the shard's labelled rows (the trainer's per-task passes, {@code TaskGradientEngine}), its labelled-row count and
 * loss sum, and for a representation-gradient aggregator (MGDA-UB) the K x K Gram matrix of the tasks' representation
 * gradients. These {@link ShardGradients} are added up over the workers (sums, not means: a task's mean over the
 * global batch weighs each worker by its labelled rows; the Gram matrix of parameter gradients is formed only after
 * the sum, because the Gram matrix of a sum is not the sum of Gram matrices; the representation Gram matrices may be
 * summed because the workers' rows, and so the coordinates of their representation gradients, are disjoint). The
 * driver ({@link #apply}) then does what one machine does with the concatenated batch: the weighting's weights, the
 * aggregator once with one seeded generator (PCGrad's order, RLW's draws), one update through the graph's own
 * updater, the weighting's update from the global step losses. The updated parameters go back to the workers.
 */
public final class ShardedGradientStep {
    private final MultiTaskModel model;
    private final List<String> tasks;
    private final LossWeighting weighting;
    private final GradientAggregator aggregator;
    private final Random random;
    private final TaskGradientEngine engine;

    /**
     * What one worker sends for one step, or the sum over workers ({@link #plus}): plain arrays, serializable.
     *
     * @param rows rows of the shard
     * @param labelled per task the rows with its label
     * @param lossSums per task its loss summed over its labelled rows (0 without labels)
     * @param gradientSums K x P row-major: row t task t's gradient summed over its labelled rows (DL4J's parameter order)
     * @param representationGram K x K row-major Gram matrix of the tasks' representation gradients (summed over labelled
     *     rows), or null when the aggregator does not use them
     */
    public record ShardGradients(long rows, long[] labelled, double[] lossSums, double[] gradientSums, double[] representationGram)
            implements Serializable {

        /** Nothing: the zero of the sum. */
        public static ShardGradients none(int tasks, long parameters, boolean representation) {
            return new ShardGradients(0, new long[tasks], new double[tasks], new double[Math.toIntExact(tasks * parameters)],
                    representation ? new double[tasks * tasks] : null);
        }

        /** The element-wise sum with {@code other} (new arrays). */
        public ShardGradients plus(ShardGradients other) {
            long[] n = labelled.clone();
            double[] losses = lossSums.clone();
            double[] gradients = gradientSums.clone();
            double[] gram = representationGram == null ? null : representationGram.clone();
            for (int t = 0; t < n.length; t++) {
                n[t] += other.labelled[t];
                losses[t] += other.lossSums[t];
            }
            for (int i = 0; i < gradients.length; i++) {
                gradients[i] += other.gradientSums[i];
            }
            if (gram != null) {
                for (int i = 0; i < gram.length; i++) {
                    gram[i] += other.representationGram[i];
                }
            }
            return new ShardGradients(rows + other.rows, n, losses, gradients, gram);
        }

        /** Bytes of the numbers (8 each): what one worker's result weighs on the wire, before serialization overhead. */
        public long payloadBytes() {
            return 8L * (1 + labelled.length + lossSums.length + gradientSums.length
                    + (representationGram == null ? 0 : representationGram.length));
        }
    }

    /** One step's outcome on the driver. */
    public record Step(Map<String, Double> losses, Map<String, Double> weights, LabelCoverage coverage) {
    }

    /**
     * The driver's side, which owns the optimizer state: starts the weighting (with a generator seeded by {@code seed},
     * shared with the aggregator, as {@link MultiTaskTrainer} does) and the aggregator.
     *
     * @param aggregator the gradient aggregator, or null for the weighted sum
     * @throws IllegalArgumentException for a weighting that needs the losses after the step (FAMO: another pass over
     *     every shard per step), a multi-sample or element-wise aggregator (SDMGrad, MoDo, GradDrop), or a representation-gradient aggregator on a graph without a representation tap
     */
    public ShardedGradientStep(MultiTaskModel model, LossWeighting weighting, GradientAggregator aggregator, long seed) {
        this.model = model;
        this.tasks = model.taskNames();
        this.weighting = weighting;
        this.aggregator = aggregator;
        if (weighting.needsLossesAfterStep()) {
            throw new IllegalArgumentException("Weighting '" + weighting.name() + "' needs each batch's losses after the update, "
                    + "a second pass over every worker's shard per step, which data-parallel steps do not run; train it on one machine.");
        }
        if (aggregator instanceof MultiSampleAggregator || aggregator instanceof ElementwiseAggregator) {
            throw new IllegalArgumentException("Aggregator " + aggregator.getClass().getSimpleName() + " splits each batch into "
                    + "independent samples or masks representation gradients element by element, which data-parallel steps do not "
                    + "do across shards; train it on one machine.");
        }
        ComputationGraph graph = model.graph();
        if (graph.getFlattenedGradients() == null) {
            graph.initGradientsView();
        }
        this.engine = new TaskGradientEngine(model, true);
        if (usesRepresentationGram() && !engine.hasRepresentationTap()) {
            throw noTap(aggregator);
        }
        this.random = new Random(seed);
        weighting.start(new WeightingContext(tasks, model.weights().asMap(), updaterOf(graph), random));
        if (aggregator != null) {
            aggregator.start();
        }
    }

    /** Whether workers must send the representation Gram matrix (a representation-gradient aggregator, MGDA-UB). */
    public boolean usesRepresentationGram() {
        return aggregator != null && aggregator.usesRepresentationGradients();
    }

    /** Parameters of the model: the width of a worker's gradient rows. */
    public long parameters() {
        return engine.ranges().total();
    }

    /**
     * One optimizer step from the workers' summed {@link ShardGradients}, as {@link MultiTaskTrainer} takes it on the
     * concatenated batch.
     *
     * @param epoch for the message of a diverged loss
     * @return the step's losses and weights; null when no task has a label in the global batch (skipped, as on one machine)
     * @throws TrainingDivergedException when a labelled task's loss is not finite (nothing applied)
     */
    public Step apply(ShardGradients global, int epoch) {
        int k = tasks.size();
        LabelCoverage coverage = LabelCoverage.of(global.rows(), global.labelled());
        boolean byStepLosses = weighting.weighsByStepLosses();
        Map<String, Double> weights = byStepLosses ? null : weighting.nextStepWeights();
        if (!coverage.anyLabel()) {
            return null;
        }
        double[] losses = new double[k];
        Map<String, Double> lossMap = new LinkedHashMap<>();
        for (int t = 0; t < k; t++) {
            losses[t] = coverage.labelled(t) == 0 ? Double.NaN : global.lossSums()[t] / coverage.labelled(t);
            if (coverage.labelled(t) > 0) {
                lossMap.put(tasks.get(t), losses[t]);
                if (!Double.isFinite(losses[t])) {
                    throw new TrainingDivergedException(tasks.get(t), epoch, losses[t], null);
                }
            }
        }
        if (byStepLosses) {
            weights = weighting.stepWeights(lossMap);
        }
        double[] w = new double[k];
        for (int t = 0; t < k; t++) {
            w[t] = coverage.labelled(t) > 0 ? weights.get(tasks.get(t)) : 0.0;
        }
        // Row t at the single-machine engine's scale: N / n_t times the sum over task t's labelled rows.
        long p = parameters();
        double[] scaled = global.gradientSums().clone();
        for (int t = 0; t < k; t++) {
            double factor = coverage.factor(t);
            for (long i = t * p; i < (t + 1) * p; i++) {
                scaled[(int) i] *= factor;
            }
        }
        ComputationGraph graph = model.graph();
        INDArray gradients = Nd4j.create(scaled, new long[] {k, p}, 'c').castTo(graph.params().dataType());
        double[][] gram = null;
        if (usesRepresentationGram()) {
            gram = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    long ni = coverage.labelled(i);
                    long nj = coverage.labelled(j);
                    gram[i][j] = ni == 0 || nj == 0 ? 0.0 : global.representationGram()[i * k + j] / ((double) ni * nj);
                }
            }
        }
        TaskGradientEngine.Combined combined = engine.combineRows(gradients, losses, null, gram, coverage, w, aggregator,
                weighting.needsSharedGradientNorms(), random);
        Map<String, Double> norms = null;
        if (combined.sharedNorms() != null) {
            norms = new LinkedHashMap<>();
            for (int t = 0; t < k; t++) {
                norms.put(tasks.get(t), combined.sharedNorms()[t]);
            }
        }
        engine.apply(combined.gradient(), Math.toIntExact(coverage.rows()), combined.score());
        if (gradients != combined.gradient() && gradients.closeable()) {
            gradients.close();
        }
        weighting.afterStep(new StepObservation(lossMap, weights, norms));
        return new Step(lossMap, weights, coverage);
    }

    /** A worker's side: per-task gradient sums of its shards at its model's current parameters. */
    public static final class Worker {
        private final TaskGradientEngine engine;
        private final int k;
        private final boolean representation;

        /**
         * @param model the worker's replica (its parameters set to the driver's before each step)
         * @param representationGram whether to send the representation Gram matrix ({@link ShardedGradientStep#usesRepresentationGram()})
         */
        public Worker(MultiTaskModel model, boolean representationGram) {
            this.engine = new TaskGradientEngine(model, true);
            this.k = model.taskNames().size();
            this.representation = representationGram;
            if (representationGram && !engine.hasRepresentationTap()) {
                throw new IllegalArgumentException("The representation Gram matrix needs a graph with a representation tap "
                        + "(MultiTaskGraphBuilder.representationTap()).");
            }
        }

        /** The shard's sums ({@code none} for a shard of 0 rows or without labels). */
        public ShardGradients gradients(MultiDataSet shard) {
            long p = engine.ranges().total();
            if (shard == null || shard.getFeatures(0).size(0) == 0) {
                return ShardGradients.none(k, p, representation);
            }
            LabelCoverage coverage = LabelCoverage.of(shard);
            if (!coverage.anyLabel()) {
                ShardGradients none = ShardGradients.none(k, p, representation);
                return new ShardGradients(coverage.rows(), none.labelled(), none.lossSums(), none.gradientSums(),
                        none.representationGram());
            }
            TaskGradientEngine.Result result = engine.compute(shard, coverage, representation);
            // Row t is N / n_t times the sum over task t's labelled rows: back to the sum.
            INDArray perRow = Nd4j.create(DataType.DOUBLE, k, 1);
            long[] labelled = new long[k];
            double[] lossSums = new double[k];
            for (int t = 0; t < k; t++) {
                labelled[t] = coverage.labelled(t);
                perRow.putScalar(t, 0, (double) labelled[t] / coverage.rows());
                lossSums[t] = labelled[t] == 0 ? 0.0 : result.losses()[t] * labelled[t];
            }
            INDArray sums = result.gradients().castTo(DataType.DOUBLE).muliColumnVector(perRow);
            double[] gram = null;
            if (representation) {
                INDArray r = result.representationGradients().castTo(DataType.DOUBLE).muliColumnVector(perRow);
                INDArray products = Nd4j.gemm(r, r, false, true);
                gram = products.reshape('c', new long[] {(long) k * k}).toDoubleVector();
            }
            return new ShardGradients(coverage.rows(), labelled, lossSums, sums.reshape('c', new long[] {k * p}).toDoubleVector(), gram);
        }
    }

    private static IllegalArgumentException noTap(GradientAggregator aggregator) {
        return new IllegalArgumentException("Aggregator '" + aggregator.name() + "' works on gradients with respect to the "
                + "shared representation, but the graph has no representation tap: build it with hard sharing and "
                + "MultiTaskGraphBuilder.representationTap(), or use the aggregator's parameter-gradient variant.");
    }

    private static org.nd4j.linalg.learning.config.IUpdater updaterOf(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null) {
                return base.getIUpdater();
            }
        }
        throw new IllegalStateException("The graph has no layer with an updater to train with.");
    }
}
