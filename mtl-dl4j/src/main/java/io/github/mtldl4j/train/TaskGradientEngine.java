package io.github.mtldl4j.train;

import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.gradient.ElementwiseAggregator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.GradientMatrixAggregator;
import io.github.mtldl4j.gradient.MultiSampleAggregator;
import io.github.mtldl4j.graph.RepresentationTap;
import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.SpecifiedIndex;

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
    /** The direct step's passes for dense graphs (same gradients in fewer ops), or null: the graph's own passes. */
    private final DirectTrainingStep direct;
    private INDArray perTask;
    /** Row views of {@link #perTask}, made once with it (a view per task and step was garbage for the collector). */
    private INDArray[] perTaskRows;

    TaskGradientEngine(MultiTaskModel model) {
        this(model, false);
    }

    /** With {@code directSteps}, dense graphs take {@link DirectTrainingStep}'s passes (see the trainer's option). */
    TaskGradientEngine(MultiTaskModel model, boolean directSteps) {
        this.model = model;
        this.graph = model.graph();
        this.tasks = model.taskNames();
        this.ranges = new ParameterRanges(graph, model.layout());
        this.tap = graph.getVertex(VertexNames.SHARED_REPRESENTATION) instanceof RepresentationTap t ? t : null;
        this.direct = directSteps ? DirectTrainingStep.forLibraryGraph(graph) : null;
    }

    private boolean direct(MultiDataSet batch) {
        return direct != null && DirectTrainingStep.accepts(batch);
    }

    /** Whether the graph has a shared representation tap (built with {@code representationTap()}). */
    boolean hasRepresentationTap() {
        return tap != null;
    }

    /**
     * Whether a representation-gradient aggregator can take the short way ({@link #combineAtRepresentation}): the
     * graph has a tap and every head reads the trunk only through it.
     */
    boolean splitsAtRepresentation() {
        return tap != null && graph.splitsAt(VertexNames.SHARED_REPRESENTATION);
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
            perTaskRows = new INDArray[k];
            for (int t = 0; t < k; t++) {
                perTaskRows[t] = perTask.getRow(t);
            }
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
                    perTaskRows[t].assign(0);
                }
            }
            IntPredicate include = t -> coverage.labelled(t) > 0;
            IntConsumer before = t -> {
                for (int other = 0; other < k; other++) {
                    model.weights().set(tasks.get(other), other == t ? coverage.factor(t) : 0.0);
                }
            };
            IntConsumer after = t -> {
                perTaskRows[t].assign(graph.getFlattenedGradients());
                if (withRepresentationGradients) {
                    INDArray captured = tap.captured();
                    if (representation[0] == null) {
                        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                            representation[0] = Nd4j.zeros(captured.dataType(), k, captured.length());
                        }
                    }
                    representation[0].getRow(t).assign(captured.reshape(captured.length()));
                }
            };
            // The tap records representation gradients only in the graph's own passes.
            losses = direct(batch) && !withRepresentationGradients ? direct.backwardPerTask(batch, include, before, after)
                    : graph.backwardPerTask(batch, include, before, after);
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
     * MGDA-UB's own route (Sener &amp; Koltun, NeurIPS 2018, section 3.3): one forward pass; per task a backward
     * pass through its head only, with weight {@code w_t N/n_t}, giving {@code w_t} times the gradient of its mean
     * loss at the shared representation Z; the aggregator's coefficients {@code c} from the Gram matrix of those K
     * gradients (over the batch, divided by N as the per-task path does); then one backward pass through the trunk
     * with {@code Σ c_t w_t dL_t/dZ}. Leaves in {@link #gradientView()} the step's combined gradient: every head
     * {@code w_t} times its task's gradient, the trunk the combination. Equal to {@link #compute} followed by the
     * combination over the rows, at the cost of about one plain step instead of K backward passes.
     *
     * @param w the step's weight per task (0 for tasks without labels)
     * @return per-task mean loss over labelled rows (NaN without labels)
     */
    double[] combineAtRepresentation(MultiDataSet batch, LabelCoverage coverage, double[] w, GradientAggregator aggregator,
                                     Random random) {
        int k = tasks.size();
        double rows = coverage.rows();
        Map<String, Double> saved = model.weights().asMap();
        double[] losses;
        try {
            weighByCoverage(coverage);
            IntPredicate include = t -> coverage.labelled(t) > 0;
            IntConsumer before = weighOnly(coverage, w);
            Function<INDArray[], INDArray> combine = perTask -> combine(perTask, rows, aggregator, random);
            losses = direct(batch)
                    ? direct.backwardThroughRepresentation(batch, VertexNames.SHARED_REPRESENTATION, include, before, combine)
                    : graph.backwardThroughRepresentation(batch, VertexNames.SHARED_REPRESENTATION, include, before, combine);
        } finally {
            model.weights().setAll(saved);
        }
        for (int t = 0; t < k; t++) {
            if (coverage.labelled(t) == 0) {
                losses[t] = Double.NaN;
            }
        }
        return losses;
    }

    /** The K representation gradients (null: zero) combined with the aggregator's coefficients from their Gram matrix. */
    private static INDArray combine(INDArray[] perTask, double rows, GradientAggregator aggregator, Random random) {
        if (aggregator instanceof ElementwiseAggregator elementwise) {
            for (INDArray g : perTask) {
                if (g != null && !Double.isFinite(g.sumNumber().doubleValue())) {
                    throw new NonFiniteGradients();
                }
            }
            return elementwise.combineAtRepresentation(perTask, random);
        }
        INDArray any = Arrays.stream(perTask).filter(Objects::nonNull).findFirst().orElseThrow();
        int k = perTask.length;
        try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray matrix = Nd4j.zeros(any.dataType(), k, any.length());
            for (int t = 0; t < k; t++) {
                if (perTask[t] != null) {
                    matrix.getRow(t).assign(perTask[t].reshape('c', new long[] {any.length()}));
                }
            }
            INDArray products = Nd4j.gemm(matrix, matrix, false, true);
            double[][] gram = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    gram[i][j] = products.getDouble(i, j) / (rows * rows);
                }
            }
            products.close();
            for (double[] row : gram) {
                for (double value : row) {
                    if (!Double.isFinite(value)) {
                        matrix.close();
                        throw new NonFiniteGradients();
                    }
                }
            }
            double[] c = aggregator.coefficients(gram, random);
            INDArray coefficients = Nd4j.create(any.dataType(), 1, k);
            for (int t = 0; t < k; t++) {
                coefficients.putScalar(0, t, c[t]);
            }
            INDArray combined = Nd4j.gemm(coefficients, matrix, false, false).reshape('c', any.shape());
            coefficients.close();
            matrix.close();
            return combined;
        }
    }

    /**
     * Thrown by {@link #combineAtRepresentation} when a task's representation gradient is not finite, before anything
     * is applied: the caller takes the per-task route, which names the diverging task.
     */
    static final class NonFiniteGradients extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NonFiniteGradients() {
            super("a representation gradient is not finite", null, false, false);
        }
    }

    /**
     * One step's gradient, the per-task gradients combined: every head {@code w_t} times its own task's gradient;
     * the shared parameters {@code sum_t w_t g_t}, or with an aggregator {@code sum_t c_t w_t g_t} with the
     * aggregator's coefficients {@code c} from the K x K Gram matrix of the weighted task gradients on the shared part
     * (or, for a representation-gradient aggregator, at the shared representation).
     *
     * @param gradient the combined gradient (a sum over the batch, for {@link #apply}); null when a labelled task's
     *     loss is not finite: nothing was combined, the caller stops
     * @param losses per-task mean loss over labelled rows (NaN without labels)
     * @param sharedNorms per task the L2 norm of its gradient on the last shared layer's weights, when asked for and
     *     the per-task route or GradNorm's head-only route ({@link #combineWithSharedNorms}) was taken; else null
     * @param score {@code sum_t w_t loss_t} over the labelled tasks
     */
    record Combined(INDArray gradient, double[] losses, double[] sharedNorms, double score) {
    }

    /**
     * Computes and combines the task gradients of one batch (see {@link Combined}). A representation-gradient
     * aggregator takes the short way ({@link #combineAtRepresentation}) when {@code shortcut} is on and the graph
     * splits at the representation; a non-finite gradient there falls back to the per-task route.
     *
     * @param w the step's weight per task (0 for tasks without labels)
     * @param aggregator the aggregator of the shared gradients, or null for the plain weighted sum
     * @param withNorms whether to measure {@link Combined#sharedNorms} (GradNorm; without an aggregator through head-only
     *     passes where the graph allows)
     */
    Combined combine(MultiDataSet batch, LabelCoverage coverage, double[] w, GradientAggregator aggregator, boolean shortcut,
                     boolean withNorms, Random random) {
        if (aggregator instanceof MultiSampleAggregator sampled) {
            return combineSampled(batch, coverage, w, sampled, random);
        }
        boolean representation = aggregator != null && aggregator.usesRepresentationGradients();
        if (representation && shortcut && splitsAtRepresentation()) {
            try {
                double[] losses = combineAtRepresentation(batch, coverage, w, aggregator, random);
                return new Combined(gradientView(), losses, null, score(losses, w, coverage));
            } catch (NonFiniteGradients e) {
                // Nothing applied yet: the per-task route below finds and names the diverging task.
            }
        }
        if (aggregator instanceof GradientMatrixAggregator) {
            representation = false; // an element-wise method (GradDrop) off its route: its rule on the shared parameters
        }
        if (withNorms && aggregator == null) {
            Combined headOnly = combineWithSharedNorms(batch, coverage, w);
            if (headOnly != null) {
                return headOnly;
            }
        }
        Result result = compute(batch, coverage, representation);
        return combineRows(result.gradients(), result.losses(), result.representationGradients(), null, coverage, w, aggregator,
                withNorms, random);
    }

    /**
     * The second half of {@link #combine}'s per-task route, on per-task gradients computed elsewhere too (summed over
     * the shards of a data-parallel step, {@link ShardedGradientStep}).
     *
     * @param gradients K x P, row t N/n_t times the sum of task t's per-row gradients over its labelled rows
     * @param representationGradients K x (N * width) at the same scale, or null
     * @param meanRepresentationGram with a representation-gradient aggregator and no {@code representationGradients}: the
     *     K x K Gram matrix of the tasks' mean-loss gradients at the representation, unweighted
     */
    Combined combineRows(INDArray gradients, double[] losses, INDArray representationGradients, double[][] meanRepresentationGram,
                         LabelCoverage coverage, double[] w, GradientAggregator aggregator, boolean withNorms, Random random) {
        int k = tasks.size();
        boolean representation = aggregator != null && aggregator.usesRepresentationGradients();
        for (int t = 0; t < k; t++) {
            if (coverage.labelled(t) > 0 && !Double.isFinite(losses[t])) {
                return new Combined(null, losses, null, Double.NaN);
            }
        }
        double[] norms = null;
        if (withNorms) {
            norms = new double[k];
            for (int t = 0; t < k; t++) {
                norms[t] = columns(gradients, t, ranges.lastSharedWeights()).norm2Number().doubleValue();
            }
        }
        // Row t is N x the gradient of task t's mean loss (a sum over the batch, as DL4J's updater expects).
        int n = (int) coverage.rows();
        // Products through Nd4j.gemm (the Mmul op reads strided views in place), and temporaries closed at once: INDArray.mmul
        // copies a view operand on the Java side, and every such K x P copy waited for a garbage collection to free its
        // native memory, which made a long PCGrad run's resident memory grow with the epochs (docs/performance.md, Memory).
        INDArray weightRow = row(gradients, w);
        INDArray heads = Nd4j.gemm(weightRow, gradients, false, false);
        weightRow.close();
        INDArray combined;
        if (aggregator == null) {
            combined = heads;
        } else if (aggregator instanceof GradientMatrixAggregator matrixAggregator) {
            combined = combineMatrix(gradients, losses, w, n, matrixAggregator, random);
        } else {
            long[] block = ranges.sharedBlock();
            double[] c;
            if (representation && representationGradients == null) {
                // The shards' Gram matrix, summed over disjoint rows (ShardedGradientStep): weighted as gram() weighs.
                double[][] weighted = new double[k][k];
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        weighted[i][j] = w[i] * w[j] * meanRepresentationGram[i][j];
                    }
                }
                c = aggregator.coefficients(weighted, random);
            } else {
                INDArray sharedColumns = representation ? representationGradients
                        : block != null ? gradients.get(NDArrayIndex.all(), NDArrayIndex.interval(block[0], block[1]))
                        : gradients.mulRowVector(ranges.sharedMask());
                c = aggregator.coefficients(gram(sharedColumns, w, n), random);
                if (!representation && block == null) {
                    sharedColumns.close(); // the masked copy above; the other two are the engine's own arrays or views of them
                }
            }
            double[] cw = new double[k];
            for (int t = 0; t < k; t++) {
                cw[t] = c[t] * w[t];
            }
            INDArray coefficientRow = row(gradients, cw);
            if (block != null) {
                // Heads keep their own task's gradient; only the shared block takes the aggregator's combination.
                INDArray sharedRows = gradients.get(NDArrayIndex.all(), NDArrayIndex.interval(block[0], block[1]));
                INDArray mixed = Nd4j.gemm(coefficientRow, sharedRows, false, false);
                heads.get(NDArrayIndex.point(0), NDArrayIndex.interval(block[0], block[1])).assign(mixed);
                mixed.close();
                combined = heads;
            } else {
                INDArray shared = Nd4j.gemm(coefficientRow, gradients, false, false);
                combined = shared.muliRowVector(ranges.sharedMask()).addi(heads.muliRowVector(ranges.headMask()));
                heads.close();
            }
            coefficientRow.close();
        }
        return new Combined(combined, losses, norms, score(losses, w, coverage));
    }

    /**
     * The step's gradient for a {@link GradientMatrixAggregator}: it receives the weighted mean-loss gradients on the
     * shared parameters (K x S) and returns the shared direction; heads take {@code w_t} times the method's head scale
     * times their task's gradient. Sums over the batch (times {@code n}), as DL4J's updater expects.
     */
    private INDArray combineMatrix(INDArray gradients, double[] losses, double[] w, int n, GradientMatrixAggregator aggregator,
                                   Random random) {
        int k = w.length;
        long[] block = ranges.sharedBlock();
        INDArray sharedRows = block != null ? gradients.get(NDArrayIndex.all(), NDArrayIndex.interval(block[0], block[1])).dup()
                : gradients.mulRowVector(ranges.sharedMask());
        double[] perRow = new double[k];
        for (int t = 0; t < k; t++) {
            perRow[t] = w[t] / n;
        }
        sharedRows.muliColumnVector(row(gradients, perRow).reshape(k, 1));
        double[] headScales = new double[k];
        Arrays.fill(headScales, 1.0);
        INDArray direction = aggregator.combine(sharedRows, losses.clone(), headScales, random).reshape(1, sharedRows.columns()).mul(n);
        double[] headWeights = new double[k];
        for (int t = 0; t < k; t++) {
            headWeights[t] = w[t] * headScales[t];
        }
        INDArray heads = row(gradients, headWeights).mmul(gradients);
        if (block != null) {
            heads.get(NDArrayIndex.point(0), NDArrayIndex.interval(block[0], block[1])).assign(direction);
            return heads;
        }
        return direction.muliRowVector(ranges.sharedMask()).addi(heads.muliRowVector(ranges.headMask()));
    }

    /**
     * The step's gradient for a {@link MultiSampleAggregator}: the batch split at random (seeded by {@code random}) into
     * its number of disjoint parts of nearly equal size, the K task gradients computed on each part (one forward and K
     * backward passes per part), the method's direction from those samples of the weighted mean-loss gradients on the
     * shared parameters, and every head {@code w_t} times its task's gradient over the whole batch (the parts' gradients
     * weighted by their labelled rows: exactly the whole batch's mean). A batch with fewer rows than parts gives every
     * sample all its rows. Losses are over the whole batch; sums over the batch as DL4J's updater expects.
     */
    private Combined combineSampled(MultiDataSet batch, LabelCoverage coverage, double[] w, MultiSampleAggregator aggregator,
                                    Random random) {
        int k = tasks.size();
        int n = (int) coverage.rows();
        int parts = aggregator.samples();
        boolean split = n >= parts;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (split) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        long[] block = ranges.sharedBlock();
        List<INDArray> samples = new ArrayList<>(parts);
        INDArray heads = Nd4j.zeros(graph.params().dataType(), 1, ranges.total());
        double[] lossSums = new double[k];
        long[] labelled = new long[k];
        for (int s = 0; s < (split ? parts : 1); s++) {
            MultiDataSet part = split ? rows(batch, Arrays.copyOfRange(order, s * n / parts, (s + 1) * n / parts)) : batch;
            LabelCoverage partCoverage = split ? LabelCoverage.of(part) : coverage;
            long partRows = partCoverage.rows();
            if (!partCoverage.anyLabel()) {
                samples.add(Nd4j.zeros(heads.dataType(), k, block != null ? block[1] - block[0] : ranges.total()));
                continue;
            }
            Result result = compute(part, partCoverage, false);
            INDArray gradients = result.gradients();
            double[] perRow = new double[k];
            double[] headWeights = new double[k];
            for (int t = 0; t < k; t++) {
                long rowsOfTask = partCoverage.labelled(t);
                if (rowsOfTask == 0) {
                    continue;
                }
                if (!Double.isFinite(result.losses()[t])) {
                    double[] losses = new double[k]; // only the diverging task's loss matters: the caller names it
                    losses[t] = result.losses()[t];
                    return new Combined(null, losses, null, Double.NaN);
                }
                lossSums[t] += result.losses()[t] * rowsOfTask;
                labelled[t] += rowsOfTask;
                perRow[t] = w[t] / partRows;
                headWeights[t] = w[t] * n * rowsOfTask / (double) coverage.labelled(t) / partRows;
            }
            INDArray sharedRows = block != null ? gradients.get(NDArrayIndex.all(), NDArrayIndex.interval(block[0], block[1])).dup()
                    : gradients.mulRowVector(ranges.sharedMask());
            sharedRows.muliColumnVector(row(gradients, perRow).reshape(k, 1));
            samples.add(sharedRows);
            INDArray headRow = row(gradients, headWeights);
            heads.addi(Nd4j.gemm(headRow, gradients, false, false));
            headRow.close();
        }
        while (samples.size() < parts) {
            samples.add(samples.get(0).dup()); // a batch too small to split: every sample is the whole batch
        }
        double[] losses = new double[k];
        for (int t = 0; t < k; t++) {
            losses[t] = labelled[t] > 0 ? lossSums[t] / labelled[t] : Double.NaN;
        }
        long width = samples.get(0).columns();
        INDArray direction = aggregator.combine(samples, random).reshape(1, width).mul(n);
        for (INDArray sample : samples) {
            if (sample.closeable()) {
                sample.close(); // K x S copies used once: freed now, not at a later garbage collection
            }
        }
        INDArray combined;
        if (block != null) {
            heads.get(NDArrayIndex.point(0), NDArrayIndex.interval(block[0], block[1])).assign(direction);
            combined = heads;
        } else {
            combined = direction.muliRowVector(ranges.sharedMask()).addi(heads.muliRowVector(ranges.headMask()));
        }
        return new Combined(combined, losses, null, score(losses, w, coverage));
    }

    /** The given rows of a batch (features, labels and their masks). */
    private static MultiDataSet rows(MultiDataSet batch, int[] picked) {
        return new org.nd4j.linalg.dataset.MultiDataSet(rows(batch.getFeatures(), picked), rows(batch.getLabels(), picked),
                rows(batch.getFeaturesMaskArrays(), picked), rows(batch.getLabelsMaskArrays(), picked));
    }

    private static INDArray[] rows(INDArray[] arrays, int[] picked) {
        if (arrays == null) {
            return null;
        }
        INDArray[] out = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i] == null) {
                continue;
            }
            if (arrays[i].rank() == 2) {
                out[i] = Nd4j.pullRows(arrays[i], 1, picked);
            } else {
                INDArrayIndex[] index = new INDArrayIndex[arrays[i].rank()];
                index[0] = new SpecifiedIndex(picked);
                for (int d = 1; d < index.length; d++) {
                    index[d] = NDArrayIndex.all();
                }
                out[i] = arrays[i].get(index).dup();
            }
        }
        return out;
    }

    /**
     * GradNorm's route (Chen et al., ICML 2018, which needs only the last shared layer's gradient norms): one forward
     * pass; per task a backward pass through its head only, down to the last shared layer's output, with weight
     * {@code w_t N/n_t}; from it, the norm of that task's gradient on the layer's weights ({@code w_t} divided out);
     * then one backward pass through the trunk with the sum of the K gradients. The same {@link Combined} as the
     * per-task route without an aggregator, at about the cost of one plain step plus one product per task.
     *
     * @return null when the route does not apply: no direct step for this graph or batch, heads that do not read the
     *     trunk only through the last shared layer, no labelled task, a labelled task of weight 0 (its norm cannot be
     *     divided out), or a gradient that is not finite (the per-task route then names the diverging task)
     */
    Combined combineWithSharedNorms(MultiDataSet batch, LabelCoverage coverage, double[] w) {
        String layer = ranges.lastSharedLayer();
        int k = tasks.size();
        if (layer == null || !direct(batch) || !direct.splitsAt(layer)) {
            return null;
        }
        boolean anyLabelled = false;
        for (int t = 0; t < k; t++) {
            if (coverage.labelled(t) > 0 && !(w[t] > 0)) {
                return null;
            }
            anyLabelled |= coverage.labelled(t) > 0;
        }
        if (!anyLabelled) {
            return null;
        }
        double[] norms = new double[k];
        Map<String, Double> saved = model.weights().asMap();
        double[] losses;
        try {
            weighByCoverage(coverage);
            IntPredicate include = t -> coverage.labelled(t) > 0;
            IntConsumer before = weighOnly(coverage, w);
            Function<INDArray[], INDArray> sum = perTask -> {
                INDArray total = null;
                for (int t = 0; t < k; t++) {
                    if (perTask[t] == null) {
                        continue;
                    }
                    norms[t] = direct.weightGradientNorm(layer, perTask[t]) / w[t];
                    if (!Double.isFinite(norms[t])) {
                        throw new NonFiniteGradients();
                    }
                    total = total == null ? perTask[t].dup() : total.addi(perTask[t]);
                }
                return total;
            };
            losses = direct.backwardThroughRepresentation(batch, layer, include, before, sum);
        } catch (NonFiniteGradients e) {
            return null;
        } finally {
            model.weights().setAll(saved);
        }
        for (int t = 0; t < k; t++) {
            if (coverage.labelled(t) == 0) {
                losses[t] = Double.NaN;
            } else if (!Double.isFinite(losses[t])) {
                return null;
            }
        }
        return new Combined(gradientView(), losses, norms, score(losses, w, coverage));
    }

    /** Every task's loss weight set to its coverage factor (N / its labelled rows: a mean over its labelled rows). */
    private void weighByCoverage(LabelCoverage coverage) {
        for (int t = 0; t < tasks.size(); t++) {
            model.weights().set(tasks.get(t), coverage.factor(t));
        }
    }

    /** Before task t's backward pass: its loss weight {@code w_t} times its coverage factor, every other task's 0. */
    private IntConsumer weighOnly(LabelCoverage coverage, double[] w) {
        return t -> {
            for (int other = 0; other < tasks.size(); other++) {
                model.weights().set(tasks.get(other), other == t ? coverage.factor(t) * w[t] : 0.0);
            }
        };
    }

    private static INDArray row(INDArray like, double[] values) {
        INDArray row = Nd4j.create(like.dataType(), 1, values.length);
        for (int t = 0; t < values.length; t++) {
            row.putScalar(0, t, values[t]);
        }
        return row;
    }

    private static double score(double[] losses, double[] w, LabelCoverage coverage) {
        double total = 0;
        for (int t = 0; t < losses.length; t++) {
            if (coverage.labelled(t) > 0) {
                total += w[t] * losses[t];
            }
        }
        return total;
    }

    /** K x K Gram matrix of the weighted mean-loss task gradients (rows: the tasks' gradients on the shared part): one GEMM. */
    private static double[][] gram(INDArray shared, double[] w, int rows) {
        INDArray gram = Nd4j.gemm(shared, shared, false, true);
        int k = w.length;
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = w[i] * w[j] * gram.getDouble(i, j) / ((double) rows * rows);
            }
        }
        gram.close();
        return out;
    }

    /** The graph's gradient view (all parameters, flattened). */
    INDArray gradientView() {
        return graph.getFlattenedGradients();
    }

    /**
     * Applies a combined gradient (a row vector over all parameters, a sum over the batch like DL4J's own) as one
     * optimizer step: the graph's updater turns it into an update (dividing by the batch size, adding
     * regularization), the parameters move, listeners hear of the iteration, and the iteration count advances.
     * {@code combined}, when it is not the gradient view itself, is released ({@link #combine}'s own, used once).
     */
    void apply(INDArray combined, int batchSize, double score) {
        INDArray flat = graph.getFlattenedGradients();
        if (combined != flat) {
            flat.assign(combined.reshape(flat.shape()));
            if (combined.closeable()) {
                combined.close(); // combine's own result, used once: freed now rather than at some later garbage collection
            }
        }
        UpdaterStep.apply(graph, direct != null ? direct.gradientViews() : graph.gradient(), batchSize, score,
                direct != null ? direct.hostAdam() : null);
    }

    /** Columns [start, end) of a row as a view. */
    static INDArray columns(INDArray matrix, int row, long[] range) {
        return matrix.get(NDArrayIndex.point(row), NDArrayIndex.interval(range[0], range[1]));
    }
}
