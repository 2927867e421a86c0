package io.github.mtldl4j.train;

import io.github.mtldl4j.graph.CrossStitchLayer;
import io.github.mtldl4j.graph.CrossStitchParamInitializer;
import io.github.mtldl4j.graph.GatedSumVertex;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import io.github.mtldl4j.train.DirectStepPlan.Split;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training step of a {@link ComputationGraph} made of dense layers (the hard-sharing graphs of
 * {@code MultiTaskGraphBuilder}, with or without fused heads, and its mixtures of experts), computed with the same arithmetic as
 * {@link ComputationGraph#fit(org.nd4j.linalg.dataset.api.MultiDataSet)} but with far fewer ND4J operations: every
 * activation, pre-activation and epsilon lives in a buffer allocated once per batch size; each product is one GEMM
 * written into its buffer or straight into the graph's gradient view; ReLU runs in place; a layer fed by the graph's
 * input computes no epsilon; a representation read by several heads accumulates their epsilons in its GEMMs (beta 1);
 * fused-head slices are views. The losses are the layers' own {@link ILossFunction}s (per-task weights and label masks
 * as in DL4J), except three computed here in fused form with DL4J's scores: mean squared error with an identity output,
 * sigmoid with binary cross-entropy and softmax with multi-class cross-entropy (gradient {@code p - y}; see
 * {@code CrossEntropyKernel} for the one deliberate difference, at clipped sigmoid probabilities). The update is the graph's own updater (Adam or any other, with its regularization, gradient
 * normalization and constraints), so parameters, updater state and iteration count stay those of the graph.
 *
 * <p>Measured side by side ({@code InterleavedStepRatio}, docs/performance.md): DL4J's per-operation cost, not its
 * arithmetic, dominated a step of these small dense graphs; this step runs the same arithmetic in fewer operations.
 * Graphs too small for even that ({@code HostTrainingPass}: dense layers and squared-error outputs, a few tens of
 * thousands of multiply-adds a pass) take the whole gradient pass as Java loops, and graphs of a few thousand
 * parameters trained by plain Adam take the update as one Java loop ({@code HostAdam}); both with DL4J's arithmetic.
 *
 * <p>Supported: input vertices, {@link DenseLayer} and {@link OutputLayer} without weight noise, layer normalization or
 * input preprocessors (dense and output layers may have DL4J's plain {@code Dropout(p)}: the masks {@code fit} draws
 * from the same state of ND4J's generator, each used for its layer's loss and gradients alike; where several output
 * layers read one vertex, {@code fit} drops an earlier one's input out twice and this step does not, see
 * {@code DirectStepKernels.dropOut}), {@link SubsetVertex}, {@link MergeVertex} (columns), {@link LossLayer} with the
 * identity activation (a cascade's source: {@code <task>_pred} then its loss), the cross-stitch units'
 * {@link CrossStitchLayer} reading a merge of the towers (FLOAT or DOUBLE; {@code CrossStitchKernel}), the mixtures of experts'
 * {@link GatedSumVertex} over dense layers (MMoE, OMoE, CGC, PLE; FLOAT or DOUBLE; its arithmetic is in
 * {@code GatedSumKernel}), identity vertices the caller names (the library's representation tap), and convolutional
 * trunks: DL4J's {@code ConvolutionLayer} (NCHW, Truncate or Strict mode; im2col and one GEMM, {@code ConvolutionKernel}),
 * {@code SubsamplingLayer} max or average pooling, with the {@code FeedForwardToCnnPreProcessor} into them and the
 * {@code CnnToFeedForwardPreProcessor} out of them.
 * {@link #unsupportedReason} says what else a graph contains; use {@code fit} for such graphs.
 * Feature masks are not supported ({@link #fit} refuses them); label masks are.
 *
 * <p>Not thread-safe (it owns the step's buffers), like the graph it trains. It holds views of the graph's parameter
 * and gradient arrays: make a new one if the graph is initialized again.
 */
public final class DirectTrainingStep {
    private static final Logger LOG = LoggerFactory.getLogger(DirectTrainingStep.class);
    private final ComputationGraph graph;
    private final DirectStepPlan plan;
    /** {@link #weightGradientNorm}'s buffers: delta, the activation's derivative, the weight gradient. */
    private INDArray[] normScratch;
    private final Node[] nodes;
    private final Node[] outputs;
    private final Gradient gradient;
    /** The whole gradient pass in Java for graphs this small, or null. */
    private HostTrainingPass host;
    /** The Adam update in Java for graphs this small (it says when it cannot take it). */
    private final HostAdam adam;

    private DirectTrainingStep(ComputationGraph graph, DirectStepPlan plan) {
        this.graph = graph;
        this.plan = plan;
        this.host = HostTrainingPass.of(plan, graph).orElse(null);
        this.adam = new HostAdam(graph);
        this.nodes = plan.nodes;
        this.outputs = plan.outputs;
        this.gradient = new UpdaterStep.FlatViewGradient(graph.getFlattenedGradients());
        for (Node node : nodes) {
            if (node.weights != null) {
                gradient.setGradientFor(node.name + "_" + DefaultParamInitializer.WEIGHT_KEY, node.weightGradient);
                if (node.biasGradient != null) {
                    gradient.setGradientFor(node.name + "_" + DefaultParamInitializer.BIAS_KEY, node.biasGradient);
                }
            } else if (node.alphaGradient != null) {
                gradient.setGradientFor(node.name + "_" + CrossStitchParamInitializer.ALPHA, node.alphaGradient);
            }
        }
    }

    /**
     * Why this step cannot train {@code graph}, naming the vertex, or empty when it can.
     *
     * @param identityVertices classes of parameter-free vertices whose output equals their input (e.g. the library's
     *                         representation tap), treated as identities
     */
    public static Optional<String> unsupportedReason(ComputationGraph graph, Class<?>... identityVertices) {
        return DirectStepPlan.unsupportedReason(graph, identityVertices);
    }

    /**
     * A direct step for {@code graph}.
     *
     * @throws IllegalArgumentException naming the vertex when the graph has something this step does not support
     */
    public static DirectTrainingStep of(ComputationGraph graph, Class<?>... identityVertices) {
        Optional<String> reason = unsupportedReason(graph, identityVertices);
        if (reason.isPresent()) {
            throw new IllegalArgumentException("DirectTrainingStep cannot train this graph: " + reason.get()
                    + ". Train it with ComputationGraph.fit instead.");
        }
        if (graph.getFlattenedGradients() == null) {
            graph.initGradientsView();
        }
        return new DirectTrainingStep(graph, DirectStepPlan.compile(graph, identityVertices));
    }

    /**
     * The direct step for a graph built by this library (its representation tap is an identity), or null, with the
     * reason logged at debug level, when the graph needs {@code fit}.
     */
    static DirectTrainingStep forLibraryGraph(ComputationGraph graph) {
        Optional<String> unsupported = unsupportedReason(graph, RepresentationTapVertex.class);
        if (unsupported.isPresent()) {
            LOG.debug("Training passes through ComputationGraph.fit: {}.", unsupported.get());
            return null;
        }
        LOG.debug("Training passes through DirectTrainingStep.");
        return of(graph, RepresentationTapVertex.class);
    }

    /** Whether this step can take {@code batch}: it has no feature masks (label masks are fine). */
    public static boolean accepts(MultiDataSet batch) {
        INDArray[] masks = batch.getFeaturesMaskArrays();
        return masks == null || Arrays.stream(masks).allMatch(mask -> mask == null);
    }

    /** The compiled plan (its nodes' buffers, dropout masks included), for tests. */
    DirectStepPlan plan() {
        return plan;
    }

    /** Number of sibling groups (layers computed together), for tests. */
    int siblingGroups() {
        return plan.siblingGroups();
    }

    /** Each output's loss path (fused here, or the layer's own), in output order, for tests. */
    CrossEntropyKernel.FusedLoss[] outputLosses() {
        return Arrays.stream(outputs).map(node -> node.fusedLoss).toArray(CrossEntropyKernel.FusedLoss[]::new);
    }

    /** The per-parameter views of the graph's gradient view, keyed as DL4J's updater expects. */
    Gradient gradientViews() {
        return gradient;
    }

    /** Whether a gradient pass on {@code batch} (a valid one) runs as Java loops ({@link HostTrainingPass}), for tests. */
    boolean hostPass(MultiDataSet batch) {
        validate(batch);
        return host != null && host.accepts(batch);
    }

    /** This step without the Java gradient pass (every pass through the plan's ND4J operations), for tests. */
    DirectTrainingStep withoutHostPass() {
        host = null;
        return this;
    }

    /** The Adam update in Java when the graph is small enough, for the aggregators' steps. */
    HostAdam hostAdam() {
        return adam;
    }

    /** The graph this step trains. */
    public ComputationGraph graph() {
        return graph;
    }

    /**
     * Computes the gradient of the graph's loss on {@code batch} into the graph's gradient view (a sum over the
     * batch, as DL4J's layers leave it for the updater) without updating anything.
     *
     * @return each output's score (its loss summed over the batch and divided by the batch size, as DL4J's output
     *         layers report it), in the graph's output order, without the regularization term
     * @throws IllegalArgumentException if the batch has feature masks or does not match the graph's inputs and outputs
     */
    public double[] computeGradient(MultiDataSet batch) {
        validate(batch);
        if (host != null && host.accepts(batch)) {
            return host.computeGradient(batch);
        }
        double[] scores = validatedForwardAndLosses(batch, true);
        backward(null);
        return scores;
    }

    /**
     * Per-task backward passes, as {@code MultiTaskComputationGraph.backwardPerTask} takes them: one forward pass and
     * each output's score with the loss weights as they are when called; then for every task {@code t} with
     * {@code include.test(t)}: {@code before} (set the loss weights for this pass), a backward pass through the
     * vertices task t's output depends on (the gradient view zeroed first), and {@code after} (read the graph's
     * gradient view before the next pass overwrites it).
     *
     * @return the output scores, in output order
     */
    public double[] backwardPerTask(MultiDataSet batch, IntPredicate include, IntConsumer before, IntConsumer after) {
        double[] scores = forwardAndLosses(batch);
        INDArray flat = graph.getFlattenedGradients();
        for (int t = 0; t < outputs.length; t++) {
            if (include.test(t)) {
                before.accept(t);
                flat.assign(0);
                rescaleDelta(outputs[t]);
                backward(plan.reaches[t]);
                after.accept(t);
            }
        }
        return scores;
    }

    /**
     * The backward pass of MGDA-UB (Sener &amp; Koltun, NeurIPS 2018), as
     * {@code MultiTaskComputationGraph.backwardThroughRepresentation} takes it: one forward pass and each output's
     * score; for every task {@code t} with {@code include.test(t)}: {@code before} (set the loss weights), a backward
     * pass through task t's head only, down to {@code representation}; then {@code combine} turns the K gradients at
     * the representation (entry t null for tasks left out) into one, and a single backward pass takes it through the
     * trunk. Afterwards the gradient view holds every head's gradient from its own pass (0 for tasks left out) and the
     * trunk's gradient of the combined representation gradient.
     *
     * @return the output scores, in output order
     * @throws IllegalStateException if the heads do not split from the trunk at {@code representation}
     */
    public double[] backwardThroughRepresentation(MultiDataSet batch, String representation, IntPredicate include,
                                                  IntConsumer before, Function<INDArray[], INDArray> combine) {
        Split split = plan.splitAt(representation);
        if (split.problem != null) {
            throw new IllegalStateException(split.problem);
        }
        double[] scores = forwardAndLosses(batch);
        graph.getFlattenedGradients().assign(0);
        Node node = split.node;
        INDArray own = node.epsilon;
        if (split.perTask == null || split.perTask[0].rows() != own.rows()) {
            split.perTask = new INDArray[outputs.length];
            for (int t = 0; t < outputs.length; t++) {
                split.perTask[t] = Nd4j.create(plan.dataType, own.shape());
            }
        }
        INDArray[] atRepresentation = new INDArray[outputs.length];
        try {
            for (int t = 0; t < outputs.length; t++) {
                if (include.test(t)) {
                    before.accept(t);
                    rescaleDelta(outputs[t]);
                    node.epsilon = split.perTask[t];
                    node.epsilonWritten = false;
                    backward(split.heads[t]);
                    atRepresentation[t] = node.epsilonWritten ? node.epsilon : null;
                }
            }
            INDArray combined = combine.apply(atRepresentation);
            node.epsilon = own;
            own.assign(combined.reshape(own.shape()));
            node.epsilonWritten = true;
            backward(split.trunk, false);
        } finally {
            node.epsilon = own;
        }
        return scores;
    }

    /**
     * Inside {@link #backwardThroughRepresentation}'s {@code combine} (the forward pass's activations still in place):
     * the Frobenius norm of the weight gradient of the dense layer {@code representation} that a gradient
     * {@code epsilon} at its output gives, {@code ||a^T (epsilon * f'(z))||} with {@code a} the layer's input; the
     * layer's own buffers are left as they are. GradNorm reads these norms (its last shared layer's) without a
     * backward pass through the trunk per task.
     */
    double weightGradientNorm(String representation, INDArray epsilon) {
        Node node = plan.splitAt(representation).node;
        if (normScratch == null || normScratch[0].rows() != epsilon.rows()) {
            normScratch = new INDArray[] {Nd4j.create(plan.dataType, epsilon.shape()), Nd4j.create(plan.dataType, epsilon.shape()),
                Nd4j.create(plan.dataType, new long[] {node.weights.rows(), node.width}, 'f')};
        }
        INDArray delta;
        if (node.identity) {
            delta = epsilon;
        } else if (node.relu) {
            delta = normScratch[0];
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.scalar.Step(node.out, normScratch[1], 0.0));
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp(epsilon,
                    normScratch[1], delta));
        } else {
            // DL4J's activations may overwrite their arguments: copies.
            normScratch[0].assign(node.preOut);
            normScratch[1].assign(epsilon);
            delta = node.activation.backprop(normScratch[0], normScratch[1]).getFirst();
        }
        // The layer's input as its forward pass read it: dropped out when the layer has dropout.
        Nd4j.gemm(node.in != null ? node.in : node.input.out, delta, normScratch[2], true, false, 1.0, 0.0);
        return normScratch[2].norm2Number().doubleValue();
    }

    /** Whether the heads split from the trunk at {@code representation} (see {@link #backwardThroughRepresentation}). */
    public boolean splitsAt(String representation) {
        return plan.splitAt(representation).problem == null;
    }

    /** Refuses feature masks and batches that do not match the graph's inputs and outputs. */
    private void validate(MultiDataSet batch) {
        if (!accepts(batch)) {
            throw new IllegalArgumentException("DirectTrainingStep does not support feature masks; train such batches with "
                    + "ComputationGraph.fit.");
        }
        if (batch.numFeatureArrays() != 1 || batch.numLabelsArrays() != outputs.length) {
            throw new IllegalArgumentException("Expected a batch with 1 feature array and " + outputs.length
                    + " label arrays (one per output), received " + batch.numFeatureArrays() + " and "
                    + batch.numLabelsArrays() + ".");
        }
        long rows = batch.getFeatures(0).rows();
        for (Node node : outputs) {
            INDArray labels = batch.getLabels(node.outputIndex);
            if (labels == null || labels.rank() != 2 || labels.rows() != rows || labels.columns() != node.width) {
                throw new IllegalArgumentException("Labels of output '" + node.name + "': expected shape [" + rows + ", "
                        + node.width + "] (one row per feature row, one column per output unit), received "
                        + (labels == null ? "none" : Arrays.toString(labels.shape())) + ".");
            }
        }
    }

    /** The training forward pass and every output's loss: score and dL/dz at the loss weights as they are now. */
    private double[] forwardAndLosses(MultiDataSet batch) {
        validate(batch);
        return validatedForwardAndLosses(batch, true);
    }

    /** {@code training}: with dropout (and the generator draws it makes), as {@code fit}; else as DL4J's {@code score}. */
    private double[] validatedForwardAndLosses(MultiDataSet batch, boolean training) {
        INDArray features = batch.getFeatures(0);
        if (features.dataType() != plan.dataType) {
            features = features.castTo(plan.dataType);
        }
        int rows = (int) features.rows();
        plan.allocate(rows);
        plan.forwardPass++;
        nodes[0].out = features;
        // Output layers last, in reverse graph order: DL4J's fit computes them in its backward pass, and draws their
        // dropout masks there, after the hidden layers' (same masks from the same generator state).
        for (int i = 1; i < nodes.length; i++) {
            if (nodes[i].kind != Kind.OUTPUT) {
                DirectStepKernels.forward(nodes[i], plan.forwardPass, training);
            }
        }
        for (int i = nodes.length - 1; i > 0; i--) {
            if (nodes[i].kind == Kind.OUTPUT) {
                DirectStepKernels.forward(nodes[i], plan.forwardPass, training);
            }
        }
        double[] scores = new double[outputs.length];
        for (Node node : outputs) {
            INDArray labels = batch.getLabels(node.outputIndex);
            labels = labels.dataType() == plan.dataType ? labels : labels.castTo(plan.dataType);
            INDArray mask = batch.getLabelsMaskArray(node.outputIndex);
            mask = mask == null || mask.dataType() == plan.dataType ? mask : mask.castTo(plan.dataType);
            if (mask != null && node.kind == Kind.OUTPUT) {
                // As DL4J's output layers do (a loss layer leaves its input alone) (BaseLayer.preOutput applies the mask array): no change for the 0/1
                // masks of missing labels, but DL4J's function for fractional masks.
                if (mask.columns() == 1 && node.width > 1) {
                    node.preOut.muliColumnVector(mask);
                } else {
                    node.preOut.muli(mask);
                }
            }
            node.deltaWeight = DirectStepKernels.lossWeight(node);
            if (node.fusedLoss == CrossEntropyKernel.FusedLoss.SQUARED_ERROR) {
                scores[node.outputIndex] = DirectStepKernels.squaredError(node, labels, mask) / rows;
            } else if (node.fusedLoss != CrossEntropyKernel.FusedLoss.NONE) {
                scores[node.outputIndex] = CrossEntropyKernel.lossAndGradient(node, labels, mask) / rows;
            } else {
                Pair<Double, INDArray> scoreAndDelta = node.loss.computeGradientAndScore(labels, node.preOut,
                        node.activation, mask, false);
                scores[node.outputIndex] = scoreAndDelta.getFirst() / rows;
                node.delta = scoreAndDelta.getSecond();
            }
        }
        return scores;
    }

    /** An output's dL/dz for the loss weight it has now (callers change weights between per-task passes). */
    private static void rescaleDelta(Node output) {
        double weight = DirectStepKernels.lossWeight(output);
        if (weight != output.deltaWeight) {
            if (output.deltaWeight == 0.0) {
                throw new IllegalStateException("Output '" + output.name + "' had loss weight 0 when its loss was computed; "
                        + "set the weights of every included task before the pass.");
            }
            output.delta.muli(weight / output.deltaWeight);
            output.deltaWeight = weight;
        }
    }

    /** A backward pass over the nodes marked in {@code visit} (all when null), from the outputs' current deltas. */
    private void backward(boolean[] visit) {
        backward(visit, true);
    }

    private void backward(boolean[] visit, boolean resetEpsilons) {
        if (resetEpsilons) {
            for (Node node : nodes) {
                node.epsilonWritten = false;
                if (node.group != null) {
                    node.group.epsilonWritten = false;
                }
            }
        }
        for (int i = nodes.length - 1; i > 0; i--) {
            Node node = nodes[i];
            if (node.kind == Kind.DENSE && node.group != null && groupPass(node.group, visit)) {
                // The group's members are done together when the first of them (in graph order) comes.
                if (node == node.group.members[0] && anyVisited(node.group, visit)) {
                    DirectStepKernels.backwardGroup(node.group, plan.ones);
                }
                continue;
            }
            if (visit != null && !visit[i]) {
                continue;
            }
            if (node.partition != null) {
                INDArray[] blocks = new INDArray[node.partition.length];
                for (int b = 0; b < blocks.length; b++) {
                    blocks[b] = node.partition[b].epsilon;
                }
                for (Node block : node.partition) {
                    if (!block.epsilonWritten) {
                        block.epsilon.assign(0);
                    }
                }
                Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(blocks).addOutputs(node.epsilon)
                        .addIntegerArguments(1).build());
                node.epsilonWritten = true;
            }
            if (node.kind == Kind.OUTPUT) {
                DirectStepKernels.backwardLayer(node, node.delta, plan.ones);
            } else if (node.kind == Kind.LOSS) {
                if (DirectStepKernels.takesGradient(node.input)) {
                    DirectStepKernels.accumulate(node.input, node.delta);
                }
            } else if (node.kind == Kind.MERGE) {
                if (node.epsilonWritten) {
                    DirectStepKernels.backwardMerge(node);
                }
            } else if (node.kind == Kind.CROSS_STITCH) {
                CrossStitchKernel.backward(node);
            } else if (node.kind == Kind.CONVOLUTION || node.kind == Kind.POOLING) {
                ConvolutionKernel.backward(node);
            } else if (node.kind == Kind.DENSE || node.kind == Kind.GATED_SUM) {
                if (node.kind == Kind.GATED_SUM) {
                    GatedSumKernel.backward(node, plan.forwardPass);
                    continue;
                }
                GatedSumKernel.flush(node);
                if (!node.epsilonWritten) {
                    node.epsilon.assign(0);
                }
                DirectStepKernels.backwardLayer(node, DirectStepKernels.delta(node), plan.ones);
            } else if (node.kind == Kind.SUBSET) {
                if (!node.epsilonWritten || node.input.kind == Kind.INPUT || node.input.partition != null) {
                    continue;
                }
                Node input = node.input;
                INDArray target = input.epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(node.from, node.from + node.width));
                if (input.epsilonWritten) {
                    target.addi(node.epsilon);
                } else {
                    input.epsilon.assign(0);
                    target.assign(node.epsilon);
                    input.epsilonWritten = true;
                }
            }
        }
    }

    /**
     * Whether a sibling group's backward pass runs as one (else member by member): in a full pass; when every member is
     * visited; and always when gated sums accumulate into the group's epsilon (members not visited get zero gradients).
     */
    private static boolean groupPass(DirectStepPlan.SiblingGroup group, boolean[] visit) {
        if (visit == null || group.epsilonFromMixes) {
            return true;
        }
        for (Node member : group.members) {
            if (!visit[member.index]) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyVisited(DirectStepPlan.SiblingGroup group, boolean[] visit) {
        if (visit == null) {
            return true;
        }
        for (Node member : group.members) {
            if (visit[member.index]) {
                return true;
            }
        }
        return false;
    }

    /**
     * One training step, as {@code graph.fit(batch)} takes it: the gradient ({@link #computeGradient}), then the
     * graph's updater, the parameter update, the listeners' {@code iterationDone}, the iteration count and the
     * constraints. Sets the graph's score (the outputs' scores plus the regularization term).
     *
     * @return each output's score, as {@link #computeGradient} returns them
     */
    public double[] fit(MultiDataSet batch) {
        double[] scores = computeGradient(batch);
        double score = Arrays.stream(scores).sum() + graph.calcRegularizationScore(true);
        UpdaterStep.apply(graph, gradient, (int) batch.getFeatures(0).rows(), score, adam);
        return scores;
    }

    /**
     * One training step whose loss weights are chosen from the step's own losses (loss weightings such as GLS or
     * FAMO): the forward pass and every output's score at the loss weights as they are, then {@code reweight}, handed
     * those scores in output order, sets the loss weights of this step (an output whose weight was 0 in the forward
     * pass must stay 0), then the backward pass and update of {@link #fit(MultiDataSet)} with the new weights. Costs
     * what {@code fit} costs.
     *
     * @return the scores of the forward pass, at the weights before {@code reweight}
     */
    public double[] fit(MultiDataSet batch, Consumer<double[]> reweight) {
        double[] scores = forwardAndLosses(batch);
        reweight.accept(scores.clone());
        double score = graph.calcRegularizationScore(true);
        for (Node output : outputs) {
            double before = output.deltaWeight;
            rescaleDelta(output);
            score += before == 0.0 ? 0.0 : scores[output.outputIndex] * (output.deltaWeight / before);
        }
        backward(null);
        UpdaterStep.apply(graph, gradient, (int) batch.getFeatures(0).rows(), score, adam);
        return scores;
    }

    /**
     * Each output's score on {@code batch} at the current parameters and loss weights (as {@link #computeGradient}
     * returns them), in inference mode as DL4J's {@code score(batch, false)}: a forward pass without dropout; no
     * gradient is written, nothing is updated and no random number is drawn.
     */
    public double[] scores(MultiDataSet batch) {
        validate(batch);
        return validatedForwardAndLosses(batch, false);
    }
}
