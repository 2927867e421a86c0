package io.github.mtldl4j.train;

import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.loss.WeightedLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAdd;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training step of a {@link ComputationGraph} made of dense layers (the hard-sharing graphs of
 * {@code MultiTaskGraphBuilder}, with or without fused heads), computed with the same arithmetic as
 * {@link ComputationGraph#fit(org.nd4j.linalg.dataset.api.MultiDataSet)} but with far fewer ND4J operations: every
 * activation, pre-activation and epsilon lives in a buffer allocated once per batch size; each product is one GEMM
 * written into its buffer or straight into the graph's gradient view; ReLU runs in place; a layer fed by the graph's
 * input computes no epsilon; a representation read by several heads accumulates their epsilons in its GEMMs (beta 1);
 * fused-head slices are views. The losses are the layers' own {@link ILossFunction}s (per-task weights and label masks
 * as in DL4J) and the update is the graph's own updater (Adam or any other, with its regularization, gradient
 * normalization and constraints), so parameters, updater state and iteration count stay those of the graph.
 *
 * <p>Measured side by side ({@code InterleavedStepRatio}, docs/performance.md): DL4J's per-operation cost, not its
 * arithmetic, dominated a step of these small dense graphs; this step runs the same arithmetic in fewer operations.
 *
 * <p>Supported: input vertices, {@link DenseLayer} and {@link OutputLayer} without dropout, weight noise, layer
 * normalization or input preprocessors, {@link SubsetVertex}, and identity vertices the caller names (the library's
 * representation tap). {@link #unsupportedReason} says what else a graph contains; use {@code fit} for such graphs.
 * Feature masks are not supported ({@link #fit} refuses them); label masks are.
 *
 * <p>Not thread-safe (it owns the step's buffers), like the graph it trains. It holds views of the graph's parameter
 * and gradient arrays: make a new one if the graph is initialized again.
 */
public final class DirectTrainingStep {
    private static final Logger LOG = LoggerFactory.getLogger(DirectTrainingStep.class);
    private final ComputationGraph graph;
    private final Node[] nodes;
    private final Node[] outputs;
    private final Gradient gradient;
    /** Vertex name to node; identity vertices map to the node they pass on. */
    private final Map<String, Node> byName;
    /** Per output, the nodes its value depends on. */
    private final boolean[][] reaches;
    /** Per representation name, where the heads split from the trunk (computed on first use). */
    private final Map<String, Split> splits = new HashMap<>();
    private final DataType dataType;
    private int bufferRows = -1;
    /** A row of ones, one per batch row (bias gradients). */
    private INDArray ones;

    private enum Kind { INPUT, DENSE, OUTPUT, SUBSET }

    /** One vertex of the graph with its buffers for the current batch size. */
    private static final class Node {
        final String name;
        final Kind kind;
        final int width;
        Node input;
        int inputIndex;
        int from;
        INDArray weights;
        INDArray bias;
        INDArray weightGradient;
        INDArray biasGradient;
        /** The bias gradient as a 1 x nOut row, for its GEMM. */
        INDArray biasGradientRow;
        /** The bias as a vector, for the bias-add op. */
        INDArray biasVector;
        IActivation activation;
        boolean relu;
        boolean identity;
        ILossFunction loss;
        /** Whether the loss is a mean squared error (maybe weighted) with an identity output, computed here. */
        boolean squaredError;
        int outputIndex;
        /**
         * The subset vertices that read this node, when they split its columns into consecutive blocks and nothing
         * else reads it: their epsilons are concatenated into this node's epsilon in one op.
         */
        Node[] partition;
        /** Output of the vertex (activations), rows x width. */
        INDArray out;
        /** Pre-activations, kept only when the activation's derivative needs them (and for outputs). */
        INDArray preOut;
        /** ReLU's derivative (1 where the output is positive), or the squared-error output's residual. */
        INDArray scratch;
        /** Vector views of scratch and epsilon (a squared-error output's dot product). */
        INDArray scratchVector;
        INDArray epsilonVector;
        /** An output's dL/dz for the current step. */
        INDArray delta;
        /** The loss weight {@link #delta} was computed with. */
        double deltaWeight;
        /** dL/d(out), rows x width. */
        INDArray epsilon;
        /** Whether {@link #epsilon} has been written this step (later consumers accumulate). */
        boolean epsilonWritten;
        /** The sibling group this ReLU layer is computed in, or null. */
        SiblingGroup group;

        Node(String name, Kind kind, int width) {
            this.name = name;
            this.kind = kind;
            this.width = width;
        }
    }

    /**
     * Two or more ReLU dense layers that read the same node (e.g. the first layers of separate heads): computed as one
     * layer with their weights side by side, so one GEMM, one bias add and one ReLU replace one of each per layer, and
     * in a full backward pass one ReLU derivative and one input-gradient GEMM replace one per layer. Each member's
     * output is a view of the group's; its own parameters and gradients stay where the graph keeps them.
     */
    private static final class SiblingGroup {
        final Node[] members;
        final Node input;
        final int width;
        INDArray weights;
        INDArray bias;
        INDArray out;
        INDArray epsilon;
        INDArray scratch;

        SiblingGroup(Node[] members) {
            this.members = members;
            this.input = members[0].input;
            this.width = Arrays.stream(members).mapToInt(member -> member.width).sum();
        }
    }

    private DirectTrainingStep(ComputationGraph graph, Node[] nodes, Node[] outputs, Map<String, Node> byName) {
        this.graph = graph;
        this.nodes = nodes;
        this.outputs = outputs;
        this.byName = byName;
        List<Node> order = Arrays.asList(nodes);
        this.reaches = new boolean[outputs.length][nodes.length];
        for (int t = 0; t < outputs.length; t++) {
            for (Node node = outputs[t]; node != null; node = node.input) {
                reaches[t][order.indexOf(node)] = true;
            }
        }
        this.dataType = graph.params().dataType();
        this.gradient = new UpdaterStep.FlatViewGradient(graph.getFlattenedGradients());
        for (Node node : nodes) {
            if (node.weights != null) {
                gradient.setGradientFor(node.name + "_" + DefaultParamInitializer.WEIGHT_KEY, node.weightGradient);
                if (node.biasGradient != null) {
                    gradient.setGradientFor(node.name + "_" + DefaultParamInitializer.BIAS_KEY, node.biasGradient);
                }
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
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) {
            return Optional.of("the graph has " + conf.getNetworkInputs().size() + " inputs; one is supported");
        }
        for (Map.Entry<String, GraphVertex> entry : conf.getVertices().entrySet()) {
            String name = entry.getKey();
            GraphVertex vertex = entry.getValue();
            if (vertex instanceof LayerVertex layerVertex) {
                if (layerVertex.getPreProcessor() != null) {
                    return Optional.of("vertex '" + name + "' has an input preprocessor");
                }
                org.deeplearning4j.nn.conf.layers.Layer layer = layerVertex.getLayerConf().getLayer();
                if (!(layer instanceof DenseLayer) && !(layer instanceof OutputLayer)) {
                    return Optional.of("vertex '" + name + "' is a " + layer.getClass().getSimpleName()
                            + "; dense and output layers are supported");
                }
                BaseLayer base = (BaseLayer) layer;
                if (base.getIDropout() != null) {
                    return Optional.of("layer '" + name + "' uses dropout");
                }
                if (base.getWeightNoise() != null) {
                    return Optional.of("layer '" + name + "' uses weight noise");
                }
                if (layer instanceof DenseLayer dense && dense.hasLayerNorm()) {
                    return Optional.of("layer '" + name + "' uses layer normalization");
                }
            } else if (!(vertex instanceof SubsetVertex) && !isIdentity(vertex, identityVertices)) {
                return Optional.of("vertex '" + name + "' is a " + vertex.getClass().getSimpleName()
                        + "; dense and output layers, subset and identity vertices are supported");
            }
        }
        for (Map.Entry<String, List<String>> inputs : conf.getVertexInputs().entrySet()) {
            if (inputs.getValue().size() != 1) {
                return Optional.of("vertex '" + inputs.getKey() + "' has " + inputs.getValue().size()
                        + " inputs; one is supported");
            }
        }
        return Optional.empty();
    }

    private static boolean isIdentity(GraphVertex vertex, Class<?>[] identityVertices) {
        return Arrays.stream(identityVertices).anyMatch(type -> type.isInstance(vertex));
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
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, Node> byName = new HashMap<>();
        List<Node> ordered = new ArrayList<>();
        String inputName = conf.getNetworkInputs().get(0);
        List<String> outputNames = conf.getNetworkOutputs();
        Node[] outputs = new Node[outputNames.size()];
        for (int index : graph.topologicalSortOrder()) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex runtime = graph.getVertices()[index];
            String name = runtime.getVertexName();
            Node node;
            if (name.equals(inputName)) {
                node = new Node(name, Kind.INPUT, 0);
            } else {
                Node input = byName.get(conf.getVertexInputs().get(name).get(0));
                GraphVertex vertex = conf.getVertices().get(name);
                if (!(vertex instanceof LayerVertex) && !(vertex instanceof SubsetVertex)) {
                    // An identity: its consumers read its input directly.
                    byName.put(name, input);
                    continue;
                }
                if (vertex instanceof LayerVertex layerVertex) {
                    node = layerNode(name, layerVertex, runtime.getLayer(), input);
                    if (node.kind == Kind.OUTPUT) {
                        node.outputIndex = outputNames.indexOf(name);
                        outputs[node.outputIndex] = node;
                    }
                } else {
                    SubsetVertex subset = (SubsetVertex) vertex;
                    node = new Node(name, Kind.SUBSET, subset.getTo() - subset.getFrom() + 1);
                    node.from = subset.getFrom();
                }
                node.input = input;
            }
            byName.put(name, node);
            ordered.add(node);
        }
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i] == null) {
                throw new IllegalArgumentException("DirectTrainingStep cannot train this graph: output '" + outputNames.get(i)
                        + "' is not an output layer. Train it with ComputationGraph.fit instead.");
            }
        }
        findPartitions(ordered);
        findSiblingGroups(ordered);
        return new DirectTrainingStep(graph, ordered.toArray(Node[]::new), outputs, byName);
    }

    private static void findSiblingGroups(List<Node> nodes) {
        for (Node node : nodes) {
            List<Node> siblings = nodes.stream().filter(other -> other.input == node && other.kind == Kind.DENSE && other.relu
                    && other.partition == null)
                    .toList();
            if (siblings.size() < 2 || siblings.stream().map(sibling -> sibling.bias != null).distinct().count() != 1) {
                continue;
            }
            SiblingGroup group = new SiblingGroup(siblings.toArray(Node[]::new));
            for (Node sibling : siblings) {
                sibling.group = group;
            }
        }
    }

    private static void findPartitions(List<Node> nodes) {
        for (Node node : nodes) {
            List<Node> readers = nodes.stream().filter(other -> other.input == node).toList();
            if (readers.isEmpty() || readers.stream().anyMatch(reader -> reader.kind != Kind.SUBSET)) {
                continue;
            }
            List<Node> blocks = new ArrayList<>(readers);
            blocks.sort(java.util.Comparator.comparingInt(block -> block.from));
            int next = 0;
            for (Node block : blocks) {
                next = block.from == next ? next + block.width : -1;
            }
            if (next == node.width) {
                node.partition = blocks.toArray(Node[]::new);
            }
        }
    }

    private static Node layerNode(String name, LayerVertex vertex, Layer layer, Node input) {
        org.deeplearning4j.nn.conf.layers.FeedForwardLayer conf =
                (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) vertex.getLayerConf().getLayer();
        boolean output = conf instanceof BaseOutputLayer;
        Node node = new Node(name, output ? Kind.OUTPUT : Kind.DENSE, (int) conf.getNOut());
        node.weights = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
        node.bias = layer.paramTable().get(DefaultParamInitializer.BIAS_KEY);
        node.biasVector = node.bias == null ? null : node.bias.reshape(node.bias.length());
        Map<String, INDArray> gradients = conf.initializer().getGradientsFromFlattened(vertex.getLayerConf(),
                layer.getGradientsViewArray());
        node.weightGradient = gradients.get(DefaultParamInitializer.WEIGHT_KEY);
        node.biasGradient = gradients.get(DefaultParamInitializer.BIAS_KEY);
        node.biasGradientRow = node.biasGradient == null ? null : node.biasGradient.reshape(1, node.biasGradient.length());
        node.activation = conf.getActivationFn();
        node.relu = node.activation.equals(new ActivationReLU());
        node.identity = node.activation instanceof ActivationIdentity;
        if (output) {
            node.loss = ((BaseOutputLayer) conf).getLossFn();
            ILossFunction inner = node.loss instanceof WeightedLoss weighted ? weighted.getInner() : node.loss;
            if (node.identity && inner.getClass() == LossMSE.class && ((LossMSE) inner).getWeights() == null) {
                node.squaredError = true;
            }
        }
        return node;
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

    /** Number of sibling groups (layers computed together), for tests. */
    int siblingGroups() {
        return (int) Arrays.stream(nodes).filter(node -> node.group != null && node == node.group.members[0]).count();
    }

    /** The per-parameter views of the graph's gradient view, keyed as DL4J's updater expects. */
    Gradient gradientViews() {
        return gradient;
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
        double[] scores = forwardAndLosses(batch);
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
                backward(reaches[t]);
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
        Split split = splits.computeIfAbsent(representation, this::split);
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
                split.perTask[t] = Nd4j.create(dataType, own.shape());
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

    /** Whether the heads split from the trunk at {@code representation} (see {@link #backwardThroughRepresentation}). */
    public boolean splitsAt(String representation) {
        return splits.computeIfAbsent(representation, this::split).problem == null;
    }

    /**
     * Where the heads leave the trunk at a representation: per output its head's nodes below it, the trunk's nodes,
     * and a buffer per task for the representation's gradient; or why the graph does not split there.
     */
    private static final class Split {
        Node node;
        boolean[][] heads;
        boolean[] trunk;
        INDArray[] perTask;
        String problem;
    }

    private Split split(String representation) {
        Split split = new Split();
        Node node = byName.get(representation);
        if (node == null || node.kind != Kind.DENSE) {
            split.problem = "The graph has no dense representation '" + representation + "' to split at; use backwardPerTask.";
            return split;
        }
        List<Node> order = Arrays.asList(nodes);
        int index = order.indexOf(node);
        boolean[] seen = new boolean[nodes.length];
        split.node = node;
        split.heads = new boolean[outputs.length][];
        for (int t = 0; t < outputs.length; t++) {
            boolean[] head = new boolean[nodes.length];
            for (Node member = outputs[t]; member != node; member = member.input) {
                int i = order.indexOf(member);
                if (member.kind == Kind.INPUT || i < index || seen[i]) {
                    split.problem = "Graph does not split at '" + representation + "': a head reads the trunk other than "
                            + "through it, or heads share vertices; use backwardPerTask.";
                    return split;
                }
                head[i] = true;
                seen[i] = true;
            }
            split.heads[t] = head;
        }
        split.trunk = new boolean[nodes.length];
        for (Node member = node; member.kind != Kind.INPUT; member = member.input) {
            split.trunk[order.indexOf(member)] = true;
        }
        return split;
    }

    /** The forward pass and every output's loss: score and dL/dz at the loss weights as they are now. */
    private double[] forwardAndLosses(MultiDataSet batch) {
        if (!accepts(batch)) {
            throw new IllegalArgumentException("DirectTrainingStep does not support feature masks; train such batches with "
                    + "ComputationGraph.fit.");
        }
        if (batch.numFeatureArrays() != 1 || batch.numLabelsArrays() != outputs.length) {
            throw new IllegalArgumentException("Expected a batch with 1 feature array and " + outputs.length
                    + " label arrays (one per output), received " + batch.numFeatureArrays() + " and "
                    + batch.numLabelsArrays() + ".");
        }
        INDArray features = batch.getFeatures(0);
        if (features.dataType() != dataType) {
            features = features.castTo(dataType);
        }
        int rows = (int) features.rows();
        allocate(rows);
        nodes[0].out = features;
        for (int i = 1; i < nodes.length; i++) {
            forward(nodes[i]);
        }
        double[] scores = new double[outputs.length];
        for (Node node : outputs) {
            INDArray labels = batch.getLabels(node.outputIndex);
            if (labels == null || labels.rank() != 2 || labels.rows() != rows || labels.columns() != node.width) {
                throw new IllegalArgumentException("Labels of output '" + node.name + "': expected shape [" + rows + ", "
                        + node.width + "] (one row per feature row, one column per output unit), received "
                        + (labels == null ? "none" : Arrays.toString(labels.shape())) + ".");
            }
            labels = labels.dataType() == dataType ? labels : labels.castTo(dataType);
            INDArray mask = batch.getLabelsMaskArray(node.outputIndex);
            mask = mask == null || mask.dataType() == dataType ? mask : mask.castTo(dataType);
            if (mask != null) {
                // As DL4J's output layers do (BaseLayer.preOutput applies the mask array): no change for the 0/1
                // masks of missing labels, but DL4J's function for fractional masks.
                if (mask.columns() == 1 && node.width > 1) {
                    node.preOut.muliColumnVector(mask);
                } else {
                    node.preOut.muli(mask);
                }
            }
            node.deltaWeight = lossWeight(node);
            if (node.squaredError) {
                scores[node.outputIndex] = squaredError(node, labels, mask) / rows;
            } else {
                Pair<Double, INDArray> scoreAndDelta = node.loss.computeGradientAndScore(labels, node.preOut,
                        node.activation, mask, false);
                scores[node.outputIndex] = scoreAndDelta.getFirst() / rows;
                node.delta = scoreAndDelta.getSecond();
            }
        }
        return scores;
    }

    private static double lossWeight(Node output) {
        return output.loss instanceof WeightedLoss weighted ? weighted.getWeight() : 1.0;
    }

    /** An output's dL/dz for the loss weight it has now (callers change weights between per-task passes). */
    private static void rescaleDelta(Node output) {
        double weight = lossWeight(output);
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
            }
        }
        for (int i = nodes.length - 1; i > 0; i--) {
            Node node = nodes[i];
            if (visit != null && !visit[i]) {
                continue;
            }
            if (node.kind == Kind.OUTPUT) {
                backwardLayer(node, node.delta);
            } else if (node.kind == Kind.DENSE && node.group != null && visit == null) {
                // A full pass: the group's members are done together when the first of them (in graph order) comes.
                if (node == node.group.members[0]) {
                    backwardGroup(node.group);
                }
            } else if (node.kind == Kind.DENSE) {
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
                } else if (!node.epsilonWritten) {
                    node.epsilon.assign(0);
                }
                backwardLayer(node, delta(node));
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
     * One training step, as {@code graph.fit(batch)} takes it: the gradient ({@link #computeGradient}), then the
     * graph's updater, the parameter update, the listeners' {@code iterationDone}, the iteration count and the
     * constraints. Sets the graph's score (the outputs' scores plus the regularization term).
     *
     * @return each output's score, as {@link #computeGradient} returns them
     */
    public double[] fit(MultiDataSet batch) {
        double[] scores = computeGradient(batch);
        double score = Arrays.stream(scores).sum() + graph.calcRegularizationScore(true);
        UpdaterStep.apply(graph, gradient, (int) batch.getFeatures(0).rows(), score);
        return scores;
    }

    private void forward(Node node) {
        switch (node.kind) {
            case SUBSET -> {
                if (node.input.kind == Kind.INPUT) {
                    node.out = node.input.out.get(NDArrayIndex.all(), NDArrayIndex.interval(node.from, node.from + node.width));
                }
            }
            case DENSE, OUTPUT -> {
                if (node.group != null) {
                    if (node == node.group.members[0]) {
                        forwardGroup(node.group);
                    }
                    return;
                }
                INDArray target = node.preOut != null ? node.preOut : node.out;
                Nd4j.gemm(node.input.out, node.weights, target, false, false, 1.0, 0.0);
                if (node.bias != null) {
                    Nd4j.exec(new BiasAdd(target, node.biasVector, target, false));
                }
                if (node.kind == Kind.OUTPUT) {
                    return;
                }
                if (node.relu) {
                    Nd4j.getExecutioner().exec(new RectifiedLinear(node.out, node.out, 0.0));
                } else if (!node.identity) {
                    node.out.assign(node.preOut);
                    INDArray activated = node.activation.getActivation(node.out, true);
                    if (activated != node.out) {
                        node.out.assign(activated);
                    }
                }
            }
            default -> throw new IllegalStateException("input vertex after the first");
        }
    }

    private void forwardGroup(SiblingGroup group) {
        INDArray[] weights = new INDArray[group.members.length];
        for (int m = 0; m < weights.length; m++) {
            weights[m] = group.members[m].weights;
        }
        Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(weights).addOutputs(group.weights).addIntegerArguments(1).build());
        Nd4j.gemm(group.input.out, group.weights, group.out, false, false, 1.0, 0.0);
        if (group.bias != null) {
            INDArray[] biases = new INDArray[group.members.length];
            for (int m = 0; m < biases.length; m++) {
                biases[m] = group.members[m].biasVector;
            }
            Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(biases).addOutputs(group.bias).addIntegerArguments(0).build());
            Nd4j.exec(new BiasAdd(group.out, group.bias, group.out, false));
        }
        Nd4j.getExecutioner().exec(new RectifiedLinear(group.out, group.out, 0.0));
    }

    /**
     * A full backward pass through a sibling group, once every member's epsilon is in: one ReLU derivative over the
     * group, each member's weight and bias gradient from its block, and one GEMM for the input's epsilon.
     */
    private void backwardGroup(SiblingGroup group) {
        INDArray[] epsilons = new INDArray[group.members.length];
        for (int m = 0; m < epsilons.length; m++) {
            Node member = group.members[m];
            if (!member.epsilonWritten) {
                member.epsilon.assign(0);
            }
            epsilons[m] = member.epsilon;
        }
        Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(epsilons).addOutputs(group.epsilon).addIntegerArguments(1).build());
        Nd4j.getExecutioner().exec(new Step(group.out, group.scratch, 0.0));
        Nd4j.getExecutioner().exec(new MulOp(group.epsilon, group.scratch, group.epsilon));
        int from = 0;
        for (Node member : group.members) {
            INDArray delta = group.epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + member.width));
            Nd4j.gemm(group.input.out, delta, member.weightGradient, true, false, 1.0, 0.0);
            if (member.biasGradient != null) {
                Nd4j.gemm(ones, delta, member.biasGradientRow, false, false, 1.0, 0.0);
            }
            from += member.width;
        }
        Node source = group.input;
        if (source.kind == Kind.INPUT || source.kind == Kind.SUBSET && source.input.kind == Kind.INPUT) {
            return;
        }
        Nd4j.gemm(group.epsilon, group.weights, source.epsilon, false, true, 1.0, source.epsilonWritten ? 1.0 : 0.0);
        source.epsilonWritten = true;
    }

    /** dL/dz of a hidden dense layer from its epsilon dL/d(out). */
    private INDArray delta(Node node) {
        if (node.identity) {
            return node.epsilon;
        }
        if (node.relu) {
            // ReLU's derivative as a 0/1 step times the epsilon: two plain element-wise ops, measured faster than
            // ND4J's fused relu-derivative op (docs/performance.md); the same values (x * 1 and x * 0).
            Nd4j.getExecutioner().exec(new Step(node.out, node.scratch, 0.0));
            Nd4j.getExecutioner().exec(new MulOp(node.epsilon, node.scratch, node.epsilon));
            return node.epsilon;
        }
        // DL4J's activations may overwrite their input; per-task passes reuse the pre-activations, so pass a copy.
        node.scratch.assign(node.preOut);
        return node.activation.backprop(node.scratch, node.epsilon).getFirst();
    }

    private void backwardLayer(Node node, INDArray delta) {
        Node source = node.input;
        Nd4j.gemm(source.out, delta, node.weightGradient, true, false, 1.0, 0.0);
        if (node.biasGradient != null) {
            // The column sums as a product with a row of ones: one GEMM, measured faster than the sum reduction.
            Nd4j.gemm(ones, delta, node.biasGradientRow, false, false, 1.0, 0.0);
        }
        if (source.kind == Kind.INPUT || source.kind == Kind.SUBSET && source.input.kind == Kind.INPUT) {
            return;
        }
        // Into the source's epsilon buffer (a subset passes it on in its own turn).
        Nd4j.gemm(delta, node.weights, source.epsilon, false, true, 1.0, source.epsilonWritten ? 1.0 : 0.0);
        source.epsilonWritten = true;
    }

    private void allocate(int rows) {
        if (rows == bufferRows) {
            return;
        }
        for (int i = 1; i < nodes.length; i++) {
            Node node = nodes[i];
            switch (node.kind) {
                case DENSE -> {
                    node.out = node.group != null ? null : Nd4j.create(dataType, rows, node.width);
                    node.scratch = node.identity ? null : Nd4j.create(dataType, rows, node.width);
                    node.preOut = node.relu || node.identity ? null : Nd4j.create(dataType, rows, node.width);
                    node.epsilon = Nd4j.create(dataType, rows, node.width);
                }
                case OUTPUT -> {
                    node.preOut = Nd4j.create(dataType, rows, node.width);
                    if (node.squaredError) {
                        node.scratch = Nd4j.create(dataType, rows, node.width);
                        node.epsilon = Nd4j.create(dataType, rows, node.width);
                        node.scratchVector = node.scratch.reshape(node.scratch.length());
                        node.epsilonVector = node.epsilon.reshape(node.epsilon.length());
                    }
                }
                case SUBSET -> {
                    if (node.input.kind != Kind.INPUT) {
                        node.out = node.input.out.get(NDArrayIndex.all(), NDArrayIndex.interval(node.from, node.from + node.width));
                        node.epsilon = Nd4j.create(dataType, rows, node.width);
                    }
                }
                default -> throw new IllegalStateException("input vertex after the first");
            }
        }
        for (Node node : nodes) {
            SiblingGroup group = node.group;
            if (group != null && node == group.members[0]) {
                group.out = Nd4j.create(dataType, rows, group.width);
                group.epsilon = Nd4j.create(dataType, rows, group.width);
                group.scratch = Nd4j.create(dataType, rows, group.width);
                if (group.weights == null) {
                    group.weights = Nd4j.create(dataType, new long[] {group.members[0].weights.rows(), group.width}, 'f');
                    group.bias = group.members[0].bias == null ? null : Nd4j.create(dataType, group.width);
                }
                int from = 0;
                for (Node member : group.members) {
                    member.out = group.out.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + member.width));
                    from += member.width;
                }
            }
        }
        ones = Nd4j.ones(dataType, 1, rows);
        bufferRows = rows;
    }

    /**
     * Mean squared error with an identity output, as {@code LossMSE} (times the loss weight) computes it: the score
     * {@code w * sum(mask * (z - y)^2) / nOut} and, left in the node's gradient buffer, the gradient
     * {@code w * 2 (z - y) * mask / nOut}; in three or four ops instead of the loss function's dozen.
     */
    private static double squaredError(Node node, INDArray labels, INDArray mask) {
        INDArray residual = node.scratch;
        Nd4j.getExecutioner().exec(new SubOp(node.preOut, labels, residual));
        INDArray gradient = residual;
        if (mask != null) {
            gradient = node.epsilon;
            if (mask.columns() == 1 && node.width > 1) {
                Nd4j.exec(new BroadcastMulOp(residual, mask, gradient, 0));
            } else {
                Nd4j.getExecutioner().exec(new MulOp(residual, mask, gradient));
            }
        }
        double sum = Nd4j.getBlasWrapper().dot(node.scratchVector, gradient == residual ? node.scratchVector : node.epsilonVector);
        // Read every step: trainers change loss weights between steps.
        double weight = lossWeight(node);
        gradient.muli(2.0 * weight / node.width);
        node.delta = gradient;
        return weight * sum / node.width;
    }
}
