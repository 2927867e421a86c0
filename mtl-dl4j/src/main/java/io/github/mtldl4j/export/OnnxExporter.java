package io.github.mtldl4j.export;

import static io.github.mtldl4j.export.OnnxGraph.attributes;

import io.github.mtldl4j.graph.AdaptiveInformationTransferLayer;
import io.github.mtldl4j.graph.AdaptiveInformationTransferParamInitializer;
import io.github.mtldl4j.graph.CrossStitchLayer;
import io.github.mtldl4j.graph.CrossStitchParamInitializer;
import io.github.mtldl4j.graph.DSelectKLayer;
import io.github.mtldl4j.graph.FunnelOutputLayer;
import io.github.mtldl4j.graph.GatedSumVertex;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationCube;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.activations.impl.ActivationThresholdedReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a {@link MultiTaskModel}'s network as an ONNX model (opset {@value OnnxGraph#OPSET}): one input
 * {@value #INPUT} ({@code float [N, inputWidth]}, the encoded features the model's {@code predict} takes) and one
 * output per task, named after the task, holding what {@code predict} returns for it (float; probabilities for
 * classification, values for regression). Parameters are written as float.
 *
 * <p>The graph is translated vertex by vertex in DL4J's topological order, so every sharing mode built from the
 * supported vertices exports: dense, output and loss layers; the activations identity, ReLU, leaky ReLU, ELU, SELU,
 * sigmoid, hard sigmoid, tanh, hard tanh, ReLU6, softmax, softplus, softsign, swish, cube and thresholded ReLU;
 * merge and subset vertices; the library's gated sum (mixtures of experts), DSelect-k gate, representation tap,
 * cross-stitch unit, and AITM's adaptive information transfer module and funnel output;
 * convolution and max/average pooling layers (NCHW, no same-mode padding) behind the flat-to-image and image-to-flat
 * preprocessors. Anything else is refused with a message that names the vertex ({@link IllegalArgumentException}).
 * Dropout is a training-time operation and is left out, as in {@code predict}.
 */
public final class OnnxExporter {
    /** The name of the input of {@link #export}'s graph. */
    public static final String INPUT = "input";
    /** Metadata key prefix: {@code mtl.task.<name>} holds the task's type ({@code regression}, {@code binary}, ...). */
    public static final String TASK_TYPE_KEY = "mtl.task.";

    private OnnxExporter() {
    }

    /** The model's network as an ONNX model; see the class comment for its input and outputs. */
    public static Onnx.ModelProto export(MultiTaskModel model) {
        OnnxGraph onnx = new OnnxGraph("mtl-dl4j");
        onnx.input(INPUT, Onnx.TensorProto.DataType.FLOAT, model.layout().inputWidth());
        Map<String, String> outputs = appendNetwork(onnx, model, INPUT);
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Task task : model.tasks()) {
            onnx.claim(task.name(), "output");
            onnx.nodeInto("Identity", task.name(), Map.of(), outputs.get(task.name()));
            onnx.output(task.name(), Onnx.TensorProto.DataType.FLOAT, task.width());
            metadata.put(TASK_TYPE_KEY + task.name(), task.type().name().toLowerCase(Locale.ROOT));
        }
        metadata.put("mtl.sharing", model.layout().sharing());
        return onnx.model(version(), "Multi-task model: input '" + INPUT + "' (encoded features), one output per task.", metadata);
    }

    /** Writes {@link #export}'s model to {@code path}, atomically (a temporary file renamed over it). */
    public static void write(MultiTaskModel model, Path path) throws IOException {
        write(export(model), path);
    }

    /** Writes an ONNX model to {@code path}, atomically. */
    public static void write(Onnx.ModelProto model, Path path) throws IOException {
        byte[] bytes = model.toByteArray();
        AtomicFile.write(path, tmp -> java.nio.file.Files.write(tmp, bytes));
    }

    /** The library's version from the jar manifest, or "" when run from classes. */
    static String version() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v == null ? "" : v;
    }

    /**
     * Appends the model's network to {@code onnx}, reading {@code input} (float {@code [N, inputWidth]}).
     *
     * @return task name to the value holding its activated output (float {@code [N, width]}), in task order
     * @throws IllegalArgumentException naming the first vertex that ONNX cannot express
     */
    public static Map<String, String> appendNetwork(OnnxGraph onnx, MultiTaskModel model, String input) {
        ComputationGraph graph = model.graph();
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1) {
            throw new IllegalArgumentException("ONNX export handles graphs with one input, this one has " + conf.getNetworkInputs() + ".");
        }
        Map<String, String> values = new HashMap<>();
        values.put(conf.getNetworkInputs().get(0), input);
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = graph.getVertices();
        for (int index : graph.topologicalSortOrder()) {
            String name = vertices[index].getVertexName();
            if (vertices[index].isInputVertex()) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name).stream().map(values::get).toList();
            values.put(name, new VertexTranslation(onnx, graph, name, conf.getVertices().get(name)).apply(inputs));
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String task : model.taskNames()) {
            outputs.put(task, values.get(task));
        }
        return outputs;
    }

    /** One vertex's translation; refusals name it. */
    private record VertexTranslation(OnnxGraph onnx, ComputationGraph graph, String name, GraphVertex vertex) {

        String apply(List<String> in) {
            if (vertex instanceof LayerVertex layerVertex) {
                String x = preprocess(layerVertex.getPreProcessor(), in.get(0));
                return layer(layerVertex.getLayerConf().getLayer(), x);
            }
            if (vertex instanceof MergeVertex) {
                return in.size() == 1 ? in.get(0) : onnx.node("Concat", name, attributes("axis", 1), in.toArray(String[]::new));
            }
            if (vertex instanceof SubsetVertex subset) {
                return slice(in.get(0), subset.getFrom(), subset.getTo() + 1);
            }
            if (vertex instanceof RepresentationTapVertex) {
                return onnx.node("Identity", name, in.get(0));
            }
            if (vertex instanceof GatedSumVertex) {
                return gatedSum(in);
            }
            if (vertex instanceof ElementWiseVertex product && product.getOp() == ElementWiseVertex.Op.Product && in.size() == 2) {
                return onnx.node("Mul", name, in.get(0), in.get(1));
            }
            throw refuse("the vertex type is not supported");
        }

        IllegalArgumentException refuse(String why) {
            return new IllegalArgumentException("Cannot export vertex '" + name + "' (" + describe() + ") to ONNX: " + why
                    + "; supported are dense, output, loss, convolution, pooling and cross-stitch layers, merge, subset, "
                    + "gated-sum and representation-tap vertices, DSelect-k gates, the product of two inputs (ESMM), "
                    + "AITM's information transfer and funnel output "
                    + "(docs/export.md).");
        }

        private String describe() {
            return vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer().getClass().getSimpleName()
                    : vertex.getClass().getSimpleName();
        }

        private String slice(String x, long from, long to) {
            return onnx.node("Slice", name, x, onnx.longs(name + "/starts", from), onnx.longs(name + "/ends", to),
                    onnx.longs(name + "/axes", 1));
        }

        /** {@code out = sum_e gate[:, e] * expert_e}, in expert order. */
        private String gatedSum(List<String> in) {
            String gate = in.get(0);
            String sum = null;
            for (int e = 1; e < in.size(); e++) {
                String weight = slice(gate, e - 1, e);
                String term = onnx.node("Mul", name + "/expert" + (e - 1), in.get(e), weight);
                sum = sum == null ? term : onnx.node("Add", name, sum, term);
            }
            return sum;
        }

        private String preprocess(InputPreProcessor preProcessor, String x) {
            if (preProcessor == null) {
                return x;
            }
            if (preProcessor instanceof FeedForwardToCnnPreProcessor toCnn) {
                return onnx.node("Reshape", name + "/image", x, onnx.longs(name + "/shape", -1, toCnn.getNumChannels(),
                        toCnn.getInputHeight(), toCnn.getInputWidth()));
            }
            if (preProcessor instanceof CnnToFeedForwardPreProcessor toFlat && toFlat.getFormat() == CNN2DFormat.NCHW) {
                return onnx.node("Flatten", name + "/flat", attributes("axis", 1), x);
            }
            throw refuse("its input preprocessor " + preProcessor.getClass().getSimpleName() + " is not supported");
        }

        private String layer(Layer layer, String x) {
            if (layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class) {
                if (layer instanceof DenseLayer dense && dense.hasLayerNorm()) {
                    throw refuse("layer normalization is not supported");
                }
                return activation(((org.deeplearning4j.nn.conf.layers.BaseLayer) layer).getActivationFn(), dense(x));
            }
            if (layer.getClass() == LossLayer.class) {
                return activation(((LossLayer) layer).getActivationFn(), x);
            }
            if (layer instanceof CrossStitchLayer stitch) {
                return crossStitch(stitch, x);
            }
            if (layer instanceof DSelectKLayer gate) {
                return dselectK(gate, x);
            }
            if (layer instanceof AdaptiveInformationTransferLayer ait) {
                return informationTransfer(ait, x);
            }
            if (layer instanceof FunnelOutputLayer funnel) {
                return activation(funnel.getActivationFn(), slice(x, 0, 1));
            }
            if (layer.getClass() == ConvolutionLayer.class) {
                return activation(((ConvolutionLayer) layer).getActivationFn(), convolution((ConvolutionLayer) layer, x));
            }
            if (layer.getClass() == SubsamplingLayer.class) {
                return pooling((SubsamplingLayer) layer, x);
            }
            throw refuse("the layer type is not supported");
        }

        private INDArray param(String key) {
            INDArray p = graph.getLayer(name).getParam(key);
            if (p == null) {
                throw refuse("parameter '" + key + "' is missing");
            }
            return p;
        }

        private boolean hasParam(String key) {
            return graph.getLayer(name).paramTable().containsKey(key);
        }

        private String constant(String hint, INDArray array, long... shape) {
            float[] values = array.castTo(DataType.FLOAT).dup('c').data().asFloat();
            return onnx.floats(hint, java.util.Arrays.copyOf(values, (int) array.length()), shape);
        }

        /** {@code x W + b} with W {@code [nIn, nOut]}: Gemm, or MatMul without bias. */
        private String dense(String x) {
            INDArray w = param("W");
            String weights = constant(name + "/W", w, w.size(0), w.size(1));
            if (!hasParam("b")) {
                return onnx.node("MatMul", name + "/z", x, weights);
            }
            INDArray b = param("b");
            return onnx.node("Gemm", name + "/z", x, weights, constant(name + "/b", b, b.length()));
        }

        /** Towers {@code [N, T*w]} as {@code [N, T, w]}; {@code alpha [T, T]} times each row's {@code [T, w]}. */
        private String crossStitch(CrossStitchLayer stitch, String x) {
            int t = stitch.tasks();
            int w = stitch.width();
            String towers = onnx.node("Reshape", name + "/towers", x, onnx.longs(name + "/shape", -1, t, w));
            String alpha = constant(name + "/alpha", param(CrossStitchParamInitializer.ALPHA), t, t);
            String mixed = onnx.node("MatMul", name + "/mixed", alpha, towers);
            return onnx.node("Reshape", name, mixed, onnx.longs(name + "/flat", -1, (long) t * w));
        }

        /**
         * DSelect-k's expert weights ({@code DSelectKGate.expertWeights}): logits {@code x W + b}; the bit logits
         * {@code [N, k, m]} through the smooth step (its cubic on the logit clipped to [-gamma/2, gamma/2], which is 0
         * and 1 at the ends); each selector's weight on expert j the product over bits l of S or 1 - S as bit l of j
         * is 1 or 0, built bit by bit ({@code r <- [r (1 - S_l), r S_l]} along the expert axis, which keeps j's binary
         * order); then the softmax of the k selector logits mixes the selectors.
         */
        private String dselectK(DSelectKLayer gate, String x) {
            int k = gate.selectors();
            int m = gate.bits();
            double gamma = gate.gamma();
            String logits = gate.routing() == DSelectKLayer.Routing.STATIC ? staticLogits(x, gate.logits()) : dense(x);
            String bits = onnx.node("Reshape", name + "/bits", slice(logits, 0, (long) k * m), onnx.longs(name + "/bitShape", -1, k, m));
            String t = onnx.node("Clip", name + "/clipped", bits, onnx.floats(name + "/low", new float[] {(float) (-gamma / 2)}),
                    onnx.floats(name + "/high", new float[] {(float) (gamma / 2)}));
            String square = onnx.node("Mul", name + "/square", t, t);
            String inner = onnx.node("Add", name + "/inner", onnx.node("Mul", name + "/cubic", square,
                    onnx.floats(name + "/a", new float[] {(float) (-2 / (gamma * gamma * gamma))})),
                    onnx.floats(name + "/b", new float[] {(float) (3 / (2 * gamma))}));
            String smooth = onnx.node("Add", name + "/smooth", onnx.node("Mul", name + "/poly", t, inner),
                    onnx.floats(name + "/half", new float[] {0.5f}));
            String one = onnx.floats(name + "/one", new float[] {1f});
            String selectors = null;
            for (int l = 0; l < m; l++) {
                String s = onnx.node("Slice", name + "/s" + l, smooth, onnx.longs(name + "/s" + l + "/starts", l),
                        onnx.longs(name + "/s" + l + "/ends", l + 1), onnx.longs(name + "/s" + l + "/axes", 2));
                String off = onnx.node("Sub", name + "/off" + l, one, s);
                selectors = selectors == null
                        ? onnx.node("Concat", name + "/r0", attributes("axis", 2), off, s)
                        : onnx.node("Concat", name + "/r" + l, attributes("axis", 2), onnx.node("Mul", name + "/r" + l + "/off", selectors, off),
                                onnx.node("Mul", name + "/r" + l + "/on", selectors, s));
            }
            String mixing = onnx.node("Softmax", name + "/alpha", attributes("axis", 1), onnx.node("Slice", name + "/selectorLogits",
                    logits, onnx.longs(name + "/a/starts", (long) k * m), onnx.longs(name + "/a/ends", (long) k * m + k),
                    onnx.longs(name + "/a/axes", 1)));
            String weights = onnx.node("MatMul", name + "/mixed", onnx.node("Reshape", name + "/alphaRow", mixing,
                    onnx.longs(name + "/alphaShape", -1, 1, k)), selectors);
            return onnx.node("Reshape", name, weights, onnx.longs(name + "/outShape", -1, gate.experts()));
        }

        /**
         * AITM's adaptive information transfer ({@code AdaptiveInformationTransfer}'s forward pass): the input
         * {@code [q_t | p_{t-1}]} as {@code [N, 2, k]} (row u is the attended vector h_u); the projections
         * {@code h_u W_Q}, {@code h_u W_K}, {@code h_u W_V} (one MatMul each for both vectors); the scores
         * {@code <Q_u, K_u> / sqrt(k)} ({@code [N, 2]}); their softmax w (the library's {@code sigmoid(s_0 - s_1)} and
         * {@code 1 - w_0}, the same function); and {@code z = w_0 V_0 + w_1 V_1} as the MatMul of {@code w [N, 1, 2]}
         * with {@code V [N, 2, k]}.
         */
        private String informationTransfer(AdaptiveInformationTransferLayer ait, String x) {
            int k = ait.width();
            String pair = onnx.node("Reshape", name + "/pair", x, onnx.longs(name + "/pairShape", -1, 2, k));
            String q = onnx.node("MatMul", name + "/Q", pair, projection(AdaptiveInformationTransferParamInitializer.QUERY, k));
            String key = onnx.node("MatMul", name + "/K", pair, projection(AdaptiveInformationTransferParamInitializer.KEY, k));
            String v = onnx.node("MatMul", name + "/V", pair, projection(AdaptiveInformationTransferParamInitializer.VALUE, k));
            String dot = onnx.node("ReduceSum", name + "/dot", attributes("keepdims", 0), onnx.node("Mul", name + "/QK", q, key),
                    onnx.longs(name + "/dotAxes", 2));
            String scores = onnx.node("Div", name + "/scores", dot, onnx.floats(name + "/sqrtK", new float[] {(float) Math.sqrt(k)}));
            String weights = onnx.node("Softmax", name + "/w", attributes("axis", 1), scores);
            String mixed = onnx.node("MatMul", name + "/z", onnx.node("Reshape", name + "/wRow", weights,
                    onnx.longs(name + "/wShape", -1, 1, 2)), v);
            return onnx.node("Reshape", name, mixed, onnx.longs(name + "/outShape", -1, k));
        }

        /** One of the AIT module's {@code [k, k]} projections (input index first) as a constant. */
        private String projection(String key, int k) {
            return constant(name + "/" + key, param(key), k, k);
        }

        /** A static DSelect-k gate's logits: its {@code b} ({@code [1, L]}) expanded to one row per row of {@code x}. */
        private String staticLogits(String x, int width) {
            INDArray b = param("b");
            String rows = onnx.node("Slice", name + "/rows", onnx.node("Shape", name + "/inputShape", x),
                    onnx.longs(name + "/rows/starts", 0), onnx.longs(name + "/rows/ends", 1));
            String shape = onnx.node("Concat", name + "/logitShape", attributes("axis", 0), rows, onnx.longs(name + "/width", width));
            return onnx.node("Expand", name + "/z", constant(name + "/b", b, 1, width), shape);
        }

        private void checkImageSettings(ConvolutionMode mode, CNN2DFormat format, int[] dilation) {
            if (mode == ConvolutionMode.Same || mode == ConvolutionMode.Causal) {
                throw refuse("convolution mode " + mode + " is not supported (Truncate and Strict are)");
            }
            if (format != null && format != CNN2DFormat.NCHW) {
                throw refuse("data format " + format + " is not supported (NCHW is)");
            }
            if (dilation != null && (dilation[0] != 1 || dilation[1] != 1)) {
                throw refuse("dilation " + java.util.Arrays.toString(dilation) + " is not supported");
            }
        }

        private String convolution(ConvolutionLayer conv, String x) {
            checkImageSettings(conv.getConvolutionMode(), conv.getCnn2dDataFormat(), conv.getDilation());
            INDArray w = param("W");
            String weights = constant(name + "/W", w, w.shape());
            int[] p = conv.getPadding();
            Map<String, Object> attrs = attributes("kernel_shape", longs(conv.getKernelSize()), "strides", longs(conv.getStride()),
                    "pads", new long[] {p[0], p[1], p[0], p[1]});
            if (!hasParam("b")) {
                return onnx.node("Conv", name + "/z", attrs, x, weights);
            }
            INDArray b = param("b");
            return onnx.node("Conv", name + "/z", attrs, x, weights, constant(name + "/b", b, b.length()));
        }

        private String pooling(SubsamplingLayer pool, String x) {
            checkImageSettings(pool.getConvolutionMode(), pool.getCnn2dDataFormat(), pool.getDilation());
            int[] p = pool.getPadding();
            Map<String, Object> attrs = attributes("kernel_shape", longs(pool.getKernelSize()), "strides", longs(pool.getStride()),
                    "pads", new long[] {p[0], p[1], p[0], p[1]});
            if (pool.getPoolingType() == PoolingType.MAX) {
                return onnx.node("MaxPool", name, attrs, x);
            }
            if (pool.getPoolingType() == PoolingType.AVG && p[0] == 0 && p[1] == 0) {
                return onnx.node("AveragePool", name, attrs, x);
            }
            throw refuse("pooling " + pool.getPoolingType() + (pool.getPoolingType() == PoolingType.AVG ? " with padding" : "")
                    + " is not supported (max, and average without padding, are)");
        }

        private static long[] longs(int[] values) {
            return java.util.Arrays.stream(values).asLongStream().toArray();
        }

        private String activation(IActivation fn, String x) {
            String a = name;
            if (fn == null || fn instanceof ActivationIdentity) {
                return x;
            }
            if (fn instanceof ActivationReLU relu) {
                if (relu.getMax() != null || relu.getThreshold() != null || relu.getNegativeSlope() != null) {
                    throw refuse("ReLU with a maximum, threshold or negative slope is not supported");
                }
                return onnx.node("Relu", a, x);
            }
            if (fn instanceof ActivationSigmoid) {
                return onnx.node("Sigmoid", a, x);
            }
            if (fn instanceof ActivationSoftmax) {
                return onnx.node("Softmax", a, attributes("axis", 1), x);
            }
            if (fn instanceof ActivationTanH) {
                return onnx.node("Tanh", a, x);
            }
            if (fn instanceof ActivationLReLU lrelu) {
                return onnx.node("LeakyRelu", a, attributes("alpha", lrelu.getAlpha()), x);
            }
            if (fn instanceof ActivationELU elu) {
                return onnx.node("Elu", a, attributes("alpha", elu.getAlpha()), x);
            }
            if (fn instanceof ActivationSELU) {
                return onnx.node("Selu", a, x);
            }
            if (fn instanceof ActivationHardSigmoid) {
                return onnx.node("HardSigmoid", a, attributes("alpha", 0.2, "beta", 0.5), x);
            }
            if (fn instanceof ActivationHardTanH) {
                return clip(x, -1, 1);
            }
            if (fn instanceof ActivationReLU6) {
                return clip(x, 0, 6);
            }
            if (fn instanceof ActivationSoftPlus) {
                return onnx.node("Softplus", a, x);
            }
            if (fn instanceof ActivationSoftSign) {
                return onnx.node("Softsign", a, x);
            }
            if (fn instanceof ActivationSwish) {
                return onnx.node("Mul", a, x, onnx.node("Sigmoid", a + "/sigmoid", x));
            }
            if (fn instanceof ActivationCube) {
                return onnx.node("Mul", a, x, onnx.node("Mul", a + "/square", x, x));
            }
            if (fn instanceof ActivationThresholdedReLU relu) {
                return onnx.node("ThresholdedRelu", a, attributes("alpha", relu.getTheta()), x);
            }
            throw refuse("activation " + fn + " is not supported");
        }

        private String clip(String x, float min, float max) {
            return onnx.node("Clip", name, x, onnx.floats(name + "/min", new float[] {min}), onnx.floats(name + "/max", new float[] {max}));
        }
    }
}
