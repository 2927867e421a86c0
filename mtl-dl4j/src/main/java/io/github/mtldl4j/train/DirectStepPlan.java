package io.github.mtldl4j.train;

import io.github.mtldl4j.graph.CrossStitchLayer;
import io.github.mtldl4j.graph.CrossStitchParamInitializer;
import io.github.mtldl4j.graph.GatedSumVertex;
import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.train.CrossEntropyKernel.FusedLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * The compiled plan of a {@link DirectTrainingStep}: the graph's vertices in topological order as {@link Node}s with
 * their parameter and gradient views and their buffers for the current batch size, the sibling groups computed as one
 * layer, the subset partitions, which nodes each output depends on, and where the heads split from the trunk. Built
 * once per graph by {@link #compile}; the arithmetic on it is in {@link DirectStepKernels}.
 */
final class DirectStepPlan {
    final Node[] nodes;
    final Node[] outputs;
    /** Vertex name to node; identity vertices map to the node they pass on. */
    final Map<String, Node> byName;
    /** Per output, the nodes its value depends on. */
    final boolean[][] reaches;
    final DataType dataType;
    /** Per representation name, where the heads split from the trunk (computed on first use). */
    private final Map<String, Split> splits = new HashMap<>();
    private int bufferRows = -1;
    /** Counts forward passes: host copies of activations loaded in an earlier pass are stale. */
    int forwardPass;
    /** A row of ones, one per batch row (bias gradients). */
    INDArray ones;

    /**
     * What a node computes: the network input, a hidden dense layer, an output layer, a subset of its input's columns,
     * a mixture of experts' gated sum ({@link GatedSumVertex}: inputs a gate and E experts), a merge (its inputs'
     * columns side by side, {@link MergeVertex}), a loss layer on its input ({@link LossLayer} with the identity
     * activation: a cascade's source task), a cross-stitch unit ({@link CrossStitchLayer}), a 2-D convolution
     * ({@link ConvolutionLayer}) or a pooling ({@link SubsamplingLayer}, max or average). A convolution's or pooling's
     * buffers are rows x (channels x height x width), each row one image in DL4J's NCHW order, so DL4J's
     * {@code FeedForwardToCnnPreProcessor} and {@code CnnToFeedForwardPreProcessor} (row-major reshapes) are views here.
     */
    enum Kind { INPUT, DENSE, OUTPUT, SUBSET, GATED_SUM, MERGE, LOSS, CROSS_STITCH, CONVOLUTION, POOLING }

    /** One vertex of the graph with its buffers for the current batch size. */
    static final class Node {
        final String name;
        final Kind kind;
        final int width;
        /** Position in the plan's topological order. */
        int index;
        /** The node read (a gated sum's gate). */
        Node input;
        /** Every node read, in the vertex's input order: one, except for a gated sum (its gate, then its experts). */
        Node[] inputs;
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
        /** The output's loss when it is computed here (maybe weighted), else {@code NONE}: the layer's own. */
        CrossEntropyKernel.FusedLoss fusedLoss = CrossEntropyKernel.FusedLoss.NONE;
        /** The cross-entropy's clipping epsilon ({@code clipEps} or {@code softmaxClipEps}). */
        double clipEps;
        /** Host copies for a fused cross-entropy. */
        CrossEntropyKernel.Host lossHost;
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
        /** Host copies of {@link #out} and {@link #epsilon} (read by gated sums, or a gated sum's own). */
        HostArray outHost;
        HostArray epsilonHost;
        /** Whether a gated sum reads this node. */
        boolean readByMix;
        /** Whether gated sums are the only readers, so only they write {@link #epsilon} (through its host copy). */
        boolean epsilonFromMixes;
        /** The first column of this member in its sibling group's buffers. */
        int groupOffset;
        /** A cross-stitch unit's T x T mixing matrix (a view of the graph's parameters) and its gradient view. */
        INDArray alpha;
        INDArray alphaGradient;
        /** A cross-stitch unit's number of towers. */
        int towers;
        /** Host copies of a cross-stitch unit's input, output, epsilon and input epsilon ({@code CrossStitchKernel}). */
        HostArray stitchIn;
        HostArray stitchOut;
        HostArray stitchEpsilon;
        HostArray stitchInEpsilon;
        /** The dropout's retain probability on this layer's input (DL4J's {@code Dropout(p)}), or 0 for none. */
        double retain;
        /** The dropout mask of the current pass (0 or 1/p), the dropped-out input, and dL/d(dropped input). */
        INDArray mask;
        INDArray dropped;
        INDArray droppedEpsilon;
        /** What the layer read in the current forward pass: its input's output, or its dropped-out copy. */
        INDArray in;
        /** A convolution's or pooling's input and output as channels, height, width. */
        int[] inShape;
        int[] outShape;
        /** libnd4j's integer arguments of the convolution or pooling op and its backward op ({@code ConvolutionKernel}). */
        int[] spatialArgs;
        /** A pooling's type (max or average). */
        PoolingType pooling;
        /** dL/d(input) of a convolution or pooling, rows x input width, when it goes to the input's ND4J epsilon. */
        INDArray inputGradient;
        /** A convolution's bias gradient as a vector. */
        INDArray biasGradientVector;
        /** A convolution's or pooling's host copies and im2col buffers for the current batch size. */
        ConvolutionKernel.Buffers spatial;
        /** A convolution or pooling with a reader outside the trunk, which reads {@link #out} (else only the host copy is kept). */
        boolean storeOut;
        /**
         * A convolution or pooling whose only reader is a convolution or pooling: that reader writes its gradient into
         * this node's host copy of {@link #epsilon}, never into the ND4J buffer.
         */
        boolean hostEpsilon;

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
    static final class SiblingGroup {
        final Node[] members;
        final Node input;
        final int width;
        INDArray weights;
        INDArray bias;
        INDArray out;
        INDArray epsilon;
        INDArray scratch;
        /**
         * Whether every member is read by gated sums only, which accumulate their gradients straight into
         * {@link #epsilon} (no members' epsilons to concatenate); {@link #epsilonWritten} then says whether one has.
         */
        boolean epsilonFromMixes;
        boolean epsilonWritten;
        /** Host copies of {@link #out} and {@link #epsilon}, for the gated sums that read the members. */
        HostArray outHost;
        HostArray epsilonHost;

        SiblingGroup(Node[] members) {
            this.members = members;
            this.input = members[0].input;
            this.width = Arrays.stream(members).mapToInt(member -> member.width).sum();
        }
    }

    /**
     * A Java copy of one of the plan's contiguous buffers, for the gated sums' loops: mixing E experts for K tasks is
     * many small products, which cost less as plain Java loops than as one ND4J operation each. {@link #load} and
     * {@link #store} copy the whole buffer in one bulk transfer; {@link #pass} is the forward pass the copy was loaded
     * in; {@link #dirty} marks a copy ahead of its buffer (gradients accumulated here, stored before ND4J reads them).
     */
    static final class HostArray {
        final INDArray array;
        final float[] floats;
        final double[] doubles;
        int pass = -1;
        boolean dirty;

        HostArray(INDArray array) {
            if (array.isView() || array.ordering() != 'c' || array.offset() != 0) {
                throw new IllegalStateException("host copies need whole row-major buffers");
            }
            this.array = array;
            int length = (int) array.length();
            this.floats = array.dataType() == DataType.FLOAT ? new float[length] : null;
            this.doubles = array.dataType() == DataType.DOUBLE ? new double[length] : null;
        }

        void load() {
            if (floats != null) {
                ((FloatPointer) array.data().addressPointer()).get(floats, 0, floats.length);
            } else {
                ((DoublePointer) array.data().addressPointer()).get(doubles, 0, doubles.length);
            }
        }

        void store() {
            if (floats != null) {
                ((FloatPointer) array.data().addressPointer()).put(floats, 0, floats.length);
            } else {
                ((DoublePointer) array.data().addressPointer()).put(doubles, 0, doubles.length);
            }
            dirty = false;
        }

        void zero() {
            if (floats != null) {
                Arrays.fill(floats, 0f);
            } else {
                Arrays.fill(doubles, 0.0);
            }
        }
    }

    /**
     * Where the heads leave the trunk at a representation: per output its head's nodes below it, the trunk's nodes,
     * and a buffer per task for the representation's gradient; or why the graph does not split there.
     */
    static final class Split {
        Node node;
        boolean[][] heads;
        boolean[] trunk;
        INDArray[] perTask;
        String problem;
    }

    private DirectStepPlan(ComputationGraph graph, Node[] nodes, Node[] outputs, Map<String, Node> byName) {
        this.nodes = nodes;
        this.outputs = outputs;
        this.byName = byName;
        for (int i = 0; i < nodes.length; i++) {
            nodes[i].index = i;
        }
        this.reaches = new boolean[outputs.length][nodes.length];
        for (int t = 0; t < outputs.length; t++) {
            markAncestors(outputs[t], reaches[t]);
        }
        this.dataType = graph.params().dataType();
    }

    private static void markAncestors(Node node, boolean[] marks) {
        if (marks[node.index]) {
            return;
        }
        marks[node.index] = true;
        if (node.inputs != null) {
            for (Node input : node.inputs) {
                markAncestors(input, marks);
            }
        }
    }

    /**
     * Why this step cannot train {@code graph}, naming the vertex, or empty when it can.
     *
     * @param identityVertices classes of parameter-free vertices whose output equals their input (e.g. the library's
     *                         representation tap), treated as identities
     */
    static Optional<String> unsupportedReason(ComputationGraph graph, Class<?>... identityVertices) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        DataType type = graph.params() == null ? null : graph.params().dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE && conf.getVertices().values().stream().anyMatch(
                vertex -> vertex instanceof GatedSumVertex || vertex instanceof LayerVertex layer
                        && (layer.getLayerConf().getLayer() instanceof CrossStitchLayer
                                || layer.getLayerConf().getLayer().getClass() == ConvolutionLayer.class))) {
            return Optional.of("the graph mixes experts or towers, or convolves, in " + type + "; FLOAT and DOUBLE are supported");
        }
        if (conf.getNetworkInputs().size() != 1) {
            return Optional.of("the graph has " + conf.getNetworkInputs().size() + " inputs; one is supported");
        }
        for (Map.Entry<String, GraphVertex> entry : conf.getVertices().entrySet()) {
            String name = entry.getKey();
            GraphVertex vertex = entry.getValue();
            if (vertex instanceof LayerVertex layerVertex) {
                Optional<String> preProcessor = preProcessorProblem(conf, name, layerVertex);
                if (preProcessor.isPresent()) {
                    return preProcessor;
                }
                org.deeplearning4j.nn.conf.layers.Layer layer = layerVertex.getLayerConf().getLayer();
                if (layer.getClass() == SubsamplingLayer.class) {
                    Optional<String> pooling = poolingProblem(name, (SubsamplingLayer) layer);
                    if (pooling.isPresent()) {
                        return pooling;
                    }
                    continue;
                }
                if (layer.getClass() == ConvolutionLayer.class) {
                    ConvolutionLayer conv = (ConvolutionLayer) layer;
                    if (conv.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                        return Optional.of("convolution '" + name + "' uses format " + conv.getCnn2dDataFormat() + "; NCHW is supported");
                    }
                    if (conv.getConvolutionMode() != ConvolutionMode.Truncate && conv.getConvolutionMode() != ConvolutionMode.Strict) {
                        return Optional.of("convolution '" + name + "' uses mode " + conv.getConvolutionMode()
                                + "; Truncate and Strict are supported");
                    }
                    if (conv.getActivationFn() instanceof ActivationSoftmax) {
                        return Optional.of("convolution '" + name + "' has a softmax activation; element-wise activations are supported");
                    }
                } else if (layer instanceof LossLayer loss) {
                    if (!(loss.getActivationFn() instanceof ActivationIdentity)) {
                        return Optional.of("loss layer '" + name + "' has activation " + loss.getActivationFn()
                                + "; the identity is supported");
                    }
                } else if (layer instanceof CrossStitchLayer) {
                    String input = conf.getVertexInputs().get(name).get(0);
                    if (!(conf.getVertices().get(input) instanceof MergeVertex)) {
                        return Optional.of("cross-stitch unit '" + name + "' reads '" + input + "', which is not a merge vertex");
                    }
                } else if (!(layer instanceof DenseLayer) && !(layer instanceof OutputLayer)) {
                    return Optional.of("vertex '" + name + "' is a " + layer.getClass().getSimpleName()
                            + "; dense, output, loss, cross-stitch, convolution and subsampling layers are supported");
                }
                BaseLayer base = (BaseLayer) layer;
                if (base.getIDropout() != null && !(base.getIDropout().getClass() == Dropout.class
                        && ((Dropout) base.getIDropout()).getPSchedule() == null
                        && (layer instanceof DenseLayer || layer instanceof OutputLayer))) {
                    return Optional.of("layer '" + name + "' uses dropout " + base.getIDropout().getClass().getSimpleName()
                            + (base.getIDropout() instanceof Dropout plain && plain.getPSchedule() != null ? " with a schedule" : "")
                            + (layer instanceof DenseLayer || layer instanceof OutputLayer ? ""
                                    : layer instanceof ConvolutionLayer ? " on a convolution" : " on a " + layer.getClass().getSimpleName())
                            + "; plain Dropout(p) on dense and output layers is supported");
                }
                if (base.getWeightNoise() != null) {
                    return Optional.of("layer '" + name + "' uses weight noise");
                }
                if (layer instanceof DenseLayer dense && dense.hasLayerNorm()) {
                    return Optional.of("layer '" + name + "' uses layer normalization");
                }
            } else if (vertex instanceof GatedSumVertex) {
                for (String input : conf.getVertexInputs().get(name)) {
                    if (!(conf.getVertices().get(input) instanceof LayerVertex layer
                            && layer.getLayerConf().getLayer() instanceof DenseLayer)) {
                        return Optional.of("gated sum '" + name + "' reads '" + input + "', which is not a dense layer");
                    }
                }
            } else if (vertex instanceof MergeVertex merge) {
                if (merge.getMergeAxis() != MergeVertex.DEFAULT_MERGE_DIM) {
                    return Optional.of("merge vertex '" + name + "' merges along axis " + merge.getMergeAxis()
                            + "; axis " + MergeVertex.DEFAULT_MERGE_DIM + " (columns) is supported");
                }
            } else if (!(vertex instanceof SubsetVertex) && !isIdentity(vertex, identityVertices)) {
                return Optional.of("vertex '" + name + "' is a " + vertex.getClass().getSimpleName()
                        + "; dense, output, loss and cross-stitch layers, subset, merge, gated-sum and identity vertices "
                        + "are supported");
            }
        }
        for (Map.Entry<String, List<String>> inputs : conf.getVertexInputs().entrySet()) {
            GraphVertex vertex = conf.getVertices().get(inputs.getKey());
            if (!(vertex instanceof LayerVertex) && inputs.getValue().stream().anyMatch(input -> isSpatial(conf, input))) {
                return Optional.of("vertex '" + inputs.getKey() + "' reads images from a convolution or pooling; only layers "
                        + "may read them");
            }
            if (inputs.getValue().size() != 1 && !(vertex instanceof GatedSumVertex) && !(vertex instanceof MergeVertex)) {
                return Optional.of("vertex '" + inputs.getKey() + "' has " + inputs.getValue().size()
                        + " inputs; one is supported");
            }
        }
        return Optional.empty();
    }

    /** Whether vertex {@code name} is a convolution or pooling layer (its output has channels, height and width). */
    private static boolean isSpatial(ComputationGraphConfiguration conf, String name) {
        return conf.getVertices().get(name) instanceof LayerVertex layer
                && (layer.getLayerConf().getLayer().getClass() == ConvolutionLayer.class
                        || layer.getLayerConf().getLayer().getClass() == SubsamplingLayer.class);
    }

    /**
     * The preprocessors supported: a {@code FeedForwardToCnnPreProcessor} on a convolution or pooling reading flat
     * rows, a {@code CnnToFeedForwardPreProcessor} (NCHW) on a dense or output layer reading a convolution or pooling;
     * a convolution or pooling without one must read another.
     */
    private static Optional<String> preProcessorProblem(ComputationGraphConfiguration conf, String name, LayerVertex vertex) {
        InputPreProcessor pre = vertex.getPreProcessor();
        String input = conf.getVertexInputs().get(name).get(0);
        boolean spatialInput = isSpatial(conf, input);
        org.deeplearning4j.nn.conf.layers.Layer layer = vertex.getLayerConf().getLayer();
        boolean spatial = isSpatial(conf, name);
        if (pre == null && spatial == spatialInput
                || pre instanceof FeedForwardToCnnPreProcessor && spatial && !spatialInput
                || pre instanceof CnnToFeedForwardPreProcessor flatten && flatten.getFormat() == CNN2DFormat.NCHW && spatialInput
                        && (layer instanceof DenseLayer || layer instanceof OutputLayer)) {
            return Optional.empty();
        }
        if (pre == null) {
            return Optional.of("vertex '" + name + "' reads '" + input + "' without a FeedForwardToCnnPreProcessor or "
                    + "CnnToFeedForwardPreProcessor between flat rows and images");
        }
        return Optional.of("vertex '" + name + "' has an input preprocessor " + pre.getClass().getSimpleName()
                + (pre instanceof CnnToFeedForwardPreProcessor flatten ? " (format " + flatten.getFormat() + ")" : "")
                + " reading '" + input + "'; FeedForwardToCnnPreProcessor into a convolution or pooling and "
                + "CnnToFeedForwardPreProcessor (NCHW) out of one into a dense layer are supported");
    }

    private static Optional<String> poolingProblem(String name, SubsamplingLayer pool) {
        if (pool.getPoolingType() != PoolingType.MAX && pool.getPoolingType() != PoolingType.AVG) {
            return Optional.of("subsampling layer '" + name + "' pools by " + pool.getPoolingType() + "; MAX and AVG are supported");
        }
        if (pool.getPoolingType() == PoolingType.AVG && Arrays.stream(pool.getPadding()).anyMatch(p -> p != 0)) {
            return Optional.of("subsampling layer '" + name + "' averages with padding; average pooling without padding is supported");
        }
        if (pool.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            return Optional.of("subsampling layer '" + name + "' uses format " + pool.getCnn2dDataFormat() + "; NCHW is supported");
        }
        if (pool.getConvolutionMode() != ConvolutionMode.Truncate && pool.getConvolutionMode() != ConvolutionMode.Strict) {
            return Optional.of("subsampling layer '" + name + "' uses mode " + pool.getConvolutionMode()
                    + "; Truncate and Strict are supported");
        }
        if (pool.getIDropout() != null) {
            return Optional.of("subsampling layer '" + name + "' uses dropout");
        }
        return Optional.empty();
    }

    private static boolean isIdentity(GraphVertex vertex, Class<?>[] identityVertices) {
        return Arrays.stream(identityVertices).anyMatch(type -> type.isInstance(vertex));
    }

    /**
     * The plan for {@code graph}.
     *
     * @throws IllegalArgumentException naming the vertex when the graph has something the direct step does not support
     */
    static DirectStepPlan compile(ComputationGraph graph, Class<?>... identityVertices) {
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
                node = new Node(name, Kind.INPUT, inputWidth(conf, inputName));
            } else {
                Node input = byName.get(conf.getVertexInputs().get(name).get(0));
                GraphVertex vertex = conf.getVertices().get(name);
                if (vertex instanceof GatedSumVertex || vertex instanceof MergeVertex) {
                    Node[] inputs = conf.getVertexInputs().get(name).stream().map(byName::get).toArray(Node[]::new);
                    node = vertex instanceof MergeVertex
                            ? new Node(name, Kind.MERGE, Arrays.stream(inputs).mapToInt(in -> in.width).sum())
                            : new Node(name, Kind.GATED_SUM, inputs[1].width);
                    node.input = input;
                    node.inputs = inputs;
                    byName.put(name, node);
                    ordered.add(node);
                    continue;
                }
                if (!(vertex instanceof LayerVertex) && !(vertex instanceof SubsetVertex)) {
                    // An identity: its consumers read its input directly.
                    byName.put(name, input);
                    continue;
                }
                if (vertex instanceof LayerVertex layerVertex) {
                    node = layerNode(name, layerVertex, runtime.getLayer(), input);
                    if (node.kind == Kind.OUTPUT || node.kind == Kind.LOSS) {
                        node.outputIndex = outputNames.indexOf(name);
                        outputs[node.outputIndex] = node;
                    }
                } else {
                    SubsetVertex subset = (SubsetVertex) vertex;
                    node = new Node(name, Kind.SUBSET, subset.getTo() - subset.getFrom() + 1);
                    node.from = subset.getFrom();
                }
                node.input = input;
                node.inputs = new Node[] {input};
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
        for (Node node : ordered) {
            List<Node> readers = readers(ordered, node);
            if (ConvolutionKernel.isSpatial(node)) {
                node.storeOut = readers.stream().anyMatch(reader -> !ConvolutionKernel.isSpatial(reader));
                node.hostEpsilon = readers.size() == 1 && ConvolutionKernel.isSpatial(readers.get(0));
            }
            node.readByMix = readers.stream().anyMatch(reader -> reader.kind == Kind.GATED_SUM);
            node.epsilonFromMixes = node.readByMix && readers.stream().allMatch(reader -> reader.kind == Kind.GATED_SUM);
        }
        for (Node node : ordered) {
            SiblingGroup group = node.group;
            if (group != null && node == group.members[0]) {
                group.epsilonFromMixes = Arrays.stream(group.members).allMatch(member -> member.epsilonFromMixes);
                int offset = 0;
                for (Node member : group.members) {
                    member.groupOffset = offset;
                    offset += member.width;
                }
            }
        }
        return new DirectStepPlan(graph, ordered.toArray(Node[]::new), outputs, byName);
    }

    /** The network input's width (read by merges), from a layer that reads it; 0 when none does. */
    private static int inputWidth(ComputationGraphConfiguration conf, String inputName) {
        for (Map.Entry<String, List<String>> inputs : conf.getVertexInputs().entrySet()) {
            if (inputs.getValue().contains(inputName) && conf.getVertices().get(inputs.getKey()) instanceof LayerVertex layer
                    && layer.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff
                    && inputs.getValue().size() == 1) {
                if (layer.getPreProcessor() instanceof FeedForwardToCnnPreProcessor images) {
                    return (int) (images.getNumChannels() * images.getInputHeight() * images.getInputWidth());
                }
                return (int) ff.getNIn();
            }
        }
        return 0;
    }

    private static void findSiblingGroups(List<Node> nodes) {
        for (Node node : nodes) {
            List<Node> siblings = nodes.stream().filter(other -> other.input == node && other.kind == Kind.DENSE && other.relu
                    && other.partition == null && other.retain == 0)
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

    /** The nodes that read {@code node}. */
    private static List<Node> readers(List<Node> nodes, Node node) {
        return nodes.stream().filter(other -> other.inputs != null && Arrays.asList(other.inputs).contains(node)).toList();
    }

    private static void findPartitions(List<Node> nodes) {
        for (Node node : nodes) {
            List<Node> readers = readers(nodes, node);
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
        org.deeplearning4j.nn.conf.layers.Layer layerConf = vertex.getLayerConf().getLayer();
        if (layerConf instanceof LossLayer loss) {
            Node node = new Node(name, Kind.LOSS, input.width);
            node.activation = loss.getActivationFn();
            node.identity = true;
            node.loss = loss.getLossFn();
            ILossFunction inner = node.loss instanceof WeightedLoss weighted ? weighted.getInner() : node.loss;
            if (inner.getClass() == LossMSE.class && ((LossMSE) inner).getWeights() == null) {
                node.fusedLoss = FusedLoss.SQUARED_ERROR;
            }
            return node;
        }
        if (layerConf.getClass() == ConvolutionLayer.class || layerConf.getClass() == SubsamplingLayer.class) {
            return spatialNode(name, vertex, layer, input);
        }
        if (vertex.getPreProcessor() instanceof CnnToFeedForwardPreProcessor flatten && (input.outShape == null
                || input.outShape[0] != flatten.getNumChannels() || input.outShape[1] != flatten.getInputHeight()
                || input.outShape[2] != flatten.getInputWidth())) {
            throw new IllegalArgumentException("DirectTrainingStep cannot train this graph: layer '" + name + "' flattens "
                    + flatten.getNumChannels() + " x " + flatten.getInputHeight() + " x " + flatten.getInputWidth()
                    + " images, its input '" + input.name + "' gives " + Arrays.toString(input.outShape) + ".");
        }
        if (layerConf instanceof CrossStitchLayer stitch) {
            Node node = new Node(name, Kind.CROSS_STITCH, stitch.tasks() * stitch.width());
            node.towers = stitch.tasks();
            node.alpha = layer.getParam(CrossStitchParamInitializer.ALPHA);
            node.alphaGradient = stitch.initializer().getGradientsFromFlattened(vertex.getLayerConf(),
                    layer.getGradientsViewArray()).get(CrossStitchParamInitializer.ALPHA);
            return node;
        }
        org.deeplearning4j.nn.conf.layers.FeedForwardLayer conf = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layerConf;
        boolean output = conf instanceof BaseOutputLayer;
        Node node = new Node(name, output ? Kind.OUTPUT : Kind.DENSE, (int) conf.getNOut());
        if (conf.getIDropout() instanceof Dropout dropout) {
            node.retain = dropout.getP();
        }
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
                node.fusedLoss = FusedLoss.SQUARED_ERROR;
            } else if (node.activation.getClass() == ActivationSigmoid.class && inner.getClass() == LossBinaryXENT.class
                    && ((LossBinaryXENT) inner).getWeights() == null && ((LossBinaryXENT) inner).getClipEps() > 0) {
                // Without clipping DL4J's score is NaN or infinite where a probability rounds to 0 or 1: left to DL4J.
                node.fusedLoss = FusedLoss.SIGMOID_BINARY_CROSS_ENTROPY;
                node.clipEps = ((LossBinaryXENT) inner).getClipEps();
            } else if (node.activation.getClass() == ActivationSoftmax.class && inner.getClass() == LossMCXENT.class
                    && ((LossMCXENT) inner).getWeights() == null && ((LossMCXENT) inner).getSoftmaxClipEps() > 0
                    && node.width > 1) {
                node.fusedLoss = FusedLoss.SOFTMAX_CROSS_ENTROPY;
                node.clipEps = ((LossMCXENT) inner).getSoftmaxClipEps();
            }
        }
        return node;
    }

    /**
     * A convolution or pooling node: its input's shape (from the {@code FeedForwardToCnnPreProcessor}, or the
     * convolution or pooling it reads), its output's (DL4J's Truncate arithmetic), libnd4j's op arguments and, for a
     * convolution, its parameter and gradient views (weights [out, in, kH, kW] row-major, libnd4j's weight format 1).
     */
    private static Node spatialNode(String name, LayerVertex vertex, Layer layer, Node input) {
        int[] in;
        if (vertex.getPreProcessor() instanceof FeedForwardToCnnPreProcessor images) {
            in = new int[] {(int) images.getNumChannels(), (int) images.getInputHeight(), (int) images.getInputWidth()};
            if (input.width != in[0] * in[1] * in[2]) {
                throw new IllegalArgumentException("DirectTrainingStep cannot train this graph: layer '" + name + "' reads "
                        + in[0] + " x " + in[1] + " x " + in[2] + " images from '" + input.name + "', which has " + input.width
                        + " columns.");
            }
        } else {
            in = input.outShape;
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = vertex.getLayerConf().getLayer();
        boolean conv = conf instanceof ConvolutionLayer;
        int[] kernel = conv ? ((ConvolutionLayer) conf).getKernelSize() : ((SubsamplingLayer) conf).getKernelSize();
        int[] stride = conv ? ((ConvolutionLayer) conf).getStride() : ((SubsamplingLayer) conf).getStride();
        int[] padding = conv ? ((ConvolutionLayer) conf).getPadding() : ((SubsamplingLayer) conf).getPadding();
        int[] dilation = conv ? ((ConvolutionLayer) conf).getDilation() : ((SubsamplingLayer) conf).getDilation();
        int[] out = new int[3];
        out[0] = conv ? (int) ((ConvolutionLayer) conf).getNOut() : in[0];
        for (int d = 0; d < 2; d++) {
            out[d + 1] = (in[d + 1] + 2 * padding[d] - (dilation[d] * (kernel[d] - 1) + 1)) / stride[d] + 1;
        }
        if (out[1] < 1 || out[2] < 1) {
            throw new IllegalArgumentException("DirectTrainingStep cannot train this graph: layer '" + name + "' receives "
                    + in[1] + " x " + in[2] + " images, too small for its kernel " + Arrays.toString(kernel) + ".");
        }
        Node node = new Node(name, conv ? Kind.CONVOLUTION : Kind.POOLING, out[0] * out[1] * out[2]);
        node.inShape = in;
        node.outShape = out;
        // conv2d and the poolings: kH, kW, sH, sW, pH, pW, dH, dW, same mode (0); then for conv2d the data format
        // (0: NCHW) and the weight format (1: [out, in, kH, kW]); for poolings the extra parameter (average pooling:
        // 0, padding excluded from the divisor; no padding is supported there) and the data format (0: NCHW).
        node.spatialArgs = conv
                ? new int[] {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], 0, 0, 1}
                : new int[] {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], 0, 0, 0};
        if (!conv) {
            node.pooling = ((SubsamplingLayer) conf).getPoolingType();
            node.identity = true;
            return node;
        }
        ConvolutionLayer convolution = (ConvolutionLayer) conf;
        node.weights = layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        node.bias = convolution.hasBias() ? layer.getParam(ConvolutionParamInitializer.BIAS_KEY) : null;
        node.biasVector = node.bias == null ? null : node.bias.reshape(node.bias.length());
        Map<String, INDArray> gradients = convolution.initializer().getGradientsFromFlattened(vertex.getLayerConf(),
                layer.getGradientsViewArray());
        node.weightGradient = gradients.get(ConvolutionParamInitializer.WEIGHT_KEY);
        node.biasGradient = node.bias == null ? null : gradients.get(ConvolutionParamInitializer.BIAS_KEY);
        node.biasGradientVector = node.biasGradient == null ? null : node.biasGradient.reshape(node.biasGradient.length());
        node.activation = convolution.getActivationFn();
        node.relu = node.activation.equals(new ActivationReLU());
        node.identity = node.activation instanceof ActivationIdentity;
        return node;
    }

    /** Number of sibling groups (layers computed together). */
    int siblingGroups() {
        return (int) Arrays.stream(nodes).filter(node -> node.group != null && node == node.group.members[0]).count();
    }

    /** Where the heads split from the trunk at {@code representation} (computed once per name). */
    Split splitAt(String representation) {
        return splits.computeIfAbsent(representation, this::split);
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
                if (member.kind == Kind.INPUT || member.kind == Kind.GATED_SUM || member.kind == Kind.MERGE
                        || member.kind == Kind.CROSS_STITCH || i < index || seen[i]) {
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
            if (member.kind == Kind.GATED_SUM || member.kind == Kind.MERGE || member.kind == Kind.CROSS_STITCH) {
                split.problem = "Graph does not split at '" + representation + "': the trunk mixes experts, merges or "
                        + "stitches below it; "
                        + "use backwardPerTask.";
                return split;
            }
            split.trunk[order.indexOf(member)] = true;
        }
        return split;
    }

    /** Buffers for training on batches of {@code rows} rows (kept while the batch size stays the same). */
    void allocate(int rows) {
        allocate(rows, true);
    }

    /**
     * Buffers for batches of {@code rows} rows: the forward pass's, and the backward pass's too if {@code backward}
     * (inference needs only the former). Kept while the batch size stays the same; a plan allocates one way only.
     */
    void allocate(int rows, boolean backward) {
        if (rows == bufferRows) {
            return;
        }
        for (int i = 1; i < nodes.length; i++) {
            Node node = nodes[i];
            switch (node.kind) {
                case DENSE -> {
                    node.out = node.group != null ? null : Nd4j.create(dataType, rows, node.width);
                    node.scratch = node.identity || !backward ? null : Nd4j.create(dataType, rows, node.width);
                    node.preOut = node.relu || node.identity ? null : Nd4j.create(dataType, rows, node.width);
                    node.epsilon = backward ? Nd4j.create(dataType, rows, node.width) : null;
                }
                case OUTPUT -> {
                    node.preOut = Nd4j.create(dataType, rows, node.width);
                    if (!backward) {
                        break;
                    }
                    if (node.fusedLoss == FusedLoss.SQUARED_ERROR) {
                        node.scratch = Nd4j.create(dataType, rows, node.width);
                        node.epsilon = Nd4j.create(dataType, rows, node.width);
                        node.scratchVector = node.scratch.reshape(node.scratch.length());
                        node.epsilonVector = node.epsilon.reshape(node.epsilon.length());
                    } else if (node.fusedLoss != FusedLoss.NONE) {
                        node.epsilon = Nd4j.create(dataType, rows, node.width);
                        node.lossHost = new CrossEntropyKernel.Host(rows, node.width);
                    }
                }
                case SUBSET -> {
                    if (node.input.kind != Kind.INPUT) {
                        node.out = node.input.out.get(NDArrayIndex.all(), NDArrayIndex.interval(node.from, node.from + node.width));
                        node.epsilon = backward ? Nd4j.create(dataType, rows, node.width) : null;
                    }
                }
                case GATED_SUM -> {
                    node.out = Nd4j.create(dataType, rows, node.width);
                    node.outHost = new HostArray(node.out);
                    if (backward) {
                        node.epsilon = Nd4j.create(dataType, rows, node.width);
                        node.epsilonHost = new HostArray(node.epsilon);
                    }
                }
                case MERGE -> {
                    node.out = Nd4j.create(dataType, rows, node.width);
                    node.epsilon = Nd4j.create(dataType, rows, node.width);
                }
                case LOSS -> {
                    if (node.fusedLoss == FusedLoss.SQUARED_ERROR) {
                        node.scratch = Nd4j.create(dataType, rows, node.width);
                        node.epsilon = Nd4j.create(dataType, rows, node.width);
                        node.scratchVector = node.scratch.reshape(node.scratch.length());
                        node.epsilonVector = node.epsilon.reshape(node.epsilon.length());
                    }
                }
                case CROSS_STITCH -> {
                    node.out = Nd4j.create(dataType, rows, node.width);
                    node.epsilon = Nd4j.create(dataType, rows, node.width);
                    node.stitchIn = new HostArray(node.input.out);
                    node.stitchOut = new HostArray(node.out);
                    node.stitchEpsilon = new HostArray(node.epsilon);
                    node.stitchInEpsilon = new HostArray(node.input.epsilon);
                }
                case CONVOLUTION, POOLING -> {
                    boolean activated = node.kind == Kind.CONVOLUTION && !node.identity && !node.relu;
                    node.out = Nd4j.create(dataType, rows, node.width);
                    node.preOut = activated ? Nd4j.create(dataType, rows, node.width) : null;
                    node.scratch = activated && backward ? Nd4j.create(dataType, rows, node.width) : null;
                    node.epsilon = backward ? Nd4j.create(dataType, rows, node.width) : null;
                    boolean hostTarget = ConvolutionKernel.isSpatial(node.input) && node.input.hostEpsilon;
                    node.inputGradient = backward && DirectStepKernels.takesGradient(node.input) && !hostTarget
                            ? Nd4j.create(dataType, rows, node.input.width) : null;
                    node.spatial = new ConvolutionKernel.Buffers(node, rows, backward);
                }
                default -> throw new IllegalStateException("input vertex after the first");
            }
            if (node.retain > 0) {
                int inputs = (int) node.weights.rows();
                // Row-major, as DL4J's: its mask takes the order of the layer's input (row-major in M2.1), and the
                // generator fills it in buffer order.
                node.mask = Nd4j.create(dataType, rows, inputs);
                node.dropped = Nd4j.create(dataType, rows, inputs);
                node.droppedEpsilon = Nd4j.create(dataType, rows, inputs);
            }
            if (node.readByMix) {
                node.outHost = node.group == null ? new HostArray(node.out) : null;
                node.epsilonHost = backward && (node.group == null || !node.group.epsilonFromMixes) ? new HostArray(node.epsilon) : null;
            }
        }
        for (Node node : nodes) {
            SiblingGroup group = node.group;
            if (group != null && node == group.members[0]) {
                group.out = Nd4j.create(dataType, rows, group.width);
                group.epsilon = backward ? Nd4j.create(dataType, rows, group.width) : null;
                group.scratch = backward ? Nd4j.create(dataType, rows, group.width) : null;
                boolean mixed = Arrays.stream(group.members).anyMatch(member -> member.readByMix);
                group.outHost = mixed ? new HostArray(group.out) : null;
                group.epsilonHost = backward && group.epsilonFromMixes ? new HostArray(group.epsilon) : null;
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
        ones = backward ? Nd4j.ones(dataType, 1, rows) : null;
        bufferRows = rows;
    }
}
