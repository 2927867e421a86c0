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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
 * summed because the workers' rows, and so the coordinates of their representation gradients, are disjoint). Each
 * task's gradient travels only on the parameters its loss reaches ({@link #gradientWidth()}: for hard sharing the trunk and
 * its own head, so K S + (P - S) numbers instead of K P); the rest of its row is exactly zero and is not sent. The
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
    private final long[][] columns;

    /**
     * What one worker sends for one step, or the sum over workers ({@link #plus}): plain arrays, serializable.
     *
     * @param rows rows of the shard
     * @param labelled per task the rows with its label
     * @param lossSums per task its loss summed over its labelled rows (0 without labels)
     * @param gradientSums per task t its gradient summed over its labelled rows on the parameters its loss reaches
     *     ({@link ShardedGradientStep#gradientWidth()}, in DL4J's parameter order), the tasks one after the other
     * @param representationGram K x K row-major Gram matrix of the tasks' representation gradients (summed over labelled
     *     rows), or null when the aggregator does not use them
     */
    public record ShardGradients(long rows, long[] labelled, double[] lossSums, double[] gradientSums, double[] representationGram)
            implements Serializable {

        /** Nothing: the zero of the sum; {@code width} numbers of gradient sums ({@link ShardedGradientStep#gradientWidth()}). */
        public static ShardGradients none(int tasks, long width, boolean representation) {
            return new ShardGradients(0, new long[tasks], new double[tasks], new double[Math.toIntExact(width)],
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
        this.columns = taskColumns(graph, engine.ranges(), tasks.size());
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

    /** Parameters of the model (P). */
    public long parameters() {
        return engine.ranges().total();
    }

    /**
     * Numbers of gradient sums a worker sends per step: per task the parameters its loss reaches (the vertices from which
     * its output is reachable), K S + (P - S) for hard sharing with a trunk of S parameters.
     */
    public long gradientWidth() {
        return width(columns);
    }

    /**
     * Per task the parameters its loss can move, as [start, end) pairs in DL4J's parameter order: those of the
     * vertices from which its output is reachable (the trunk, its head, a cascade source's head; a fused head layer is
     * reached by every task). On any other parameter the task's gradient is exactly zero (its backward pass weighs the
     * other outputs by 0 and never reaches them), so sending these columns only loses nothing.
     */
    static long[][] taskColumns(ComputationGraph graph, ParameterRanges ranges, int tasks) {
        Map<String, List<String>> inputs = graph.getConfiguration().getVertexInputs();
        List<String> outputs = graph.getConfiguration().getNetworkOutputs();
        long[][] columns = new long[tasks][];
        for (int t = 0; t < tasks; t++) {
            Set<String> upstream = new HashSet<>();
            Deque<String> todo = new ArrayDeque<>(List.of(outputs.get(t)));
            while (!todo.isEmpty()) {
                String vertex = todo.pop();
                if (upstream.add(vertex)) {
                    todo.addAll(inputs.getOrDefault(vertex, List.of()));
                }
            }
            List<long[]> merged = new ArrayList<>();
            for (Map.Entry<String, long[]> vertex : ranges.vertices().entrySet()) {
                if (upstream.contains(vertex.getKey())) {
                    long[] r = vertex.getValue();
                    if (!merged.isEmpty() && merged.get(merged.size() - 1)[1] == r[0]) {
                        merged.get(merged.size() - 1)[1] = r[1];
                    } else {
                        merged.add(r.clone());
                    }
                }
            }
            columns[t] = new long[2 * merged.size()];
            for (int i = 0; i < merged.size(); i++) {
                columns[t][2 * i] = merged.get(i)[0];
                columns[t][2 * i + 1] = merged.get(i)[1];
            }
        }
        return columns;
    }

    private static long width(long[][] columns) {
        long width = 0;
        for (long[] ranges : columns) {
            for (int i = 0; i < ranges.length; i += 2) {
                width += ranges[i + 1] - ranges[i];
            }
        }
        return width;
    }

    /** The sent numbers back in a K x P row-major array, zeros where a task's loss does not reach. */
    private static double[] unpack(double[] packed, long[][] columns, long p) {
        double[] full = new double[Math.toIntExact(columns.length * p)];
        int at = 0;
        for (int t = 0; t < columns.length; t++) {
            for (int i = 0; i < columns[t].length; i += 2) {
                int n = (int) (columns[t][i + 1] - columns[t][i]);
                System.arraycopy(packed, at, full, (int) (t * p + columns[t][i]), n);
                at += n;
            }
        }
        return full;
    }

    /** A K x P row-major array's numbers on each task's columns, the tasks one after the other. */
    private static double[] pack(double[] full, long[][] columns, long p) {
        double[] packed = new double[Math.toIntExact(width(columns))];
        int at = 0;
        for (int t = 0; t < columns.length; t++) {
            for (int i = 0; i < columns[t].length; i += 2) {
                int n = (int) (columns[t][i + 1] - columns[t][i]);
                System.arraycopy(full, (int) (t * p + columns[t][i]), packed, at, n);
                at += n;
            }
        }
        return packed;
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
        double[] scaled = unpack(global.gradientSums(), columns, p);
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
        private final long[][] columns;

        /**
         * @param model the worker's replica (its parameters set to the driver's before each step)
         * @param representationGram whether to send the representation Gram matrix ({@link ShardedGradientStep#usesRepresentationGram()})
         */
        public Worker(MultiTaskModel model, boolean representationGram) {
            this.engine = new TaskGradientEngine(model, true);
            this.k = model.taskNames().size();
            this.representation = representationGram;
            this.columns = taskColumns(model.graph(), engine.ranges(), k);
            if (representationGram && !engine.hasRepresentationTap()) {
                throw new IllegalArgumentException("The representation Gram matrix needs a graph with a representation tap "
                        + "(MultiTaskGraphBuilder.representationTap()).");
            }
        }

        /** The shard's sums ({@code none} for a shard of 0 rows or without labels). */
        public ShardGradients gradients(MultiDataSet shard) {
            long p = engine.ranges().total();
            long width = width(columns);
            if (shard == null || shard.getFeatures(0).size(0) == 0) {
                return ShardGradients.none(k, width, representation);
            }
            LabelCoverage coverage = LabelCoverage.of(shard);
            if (!coverage.anyLabel()) {
                ShardGradients none = ShardGradients.none(k, width, representation);
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
            return new ShardGradients(coverage.rows(), labelled, lossSums, pack(sums.reshape('c', new long[] {k * p}).toDoubleVector(), columns, p),
                    gram);
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
