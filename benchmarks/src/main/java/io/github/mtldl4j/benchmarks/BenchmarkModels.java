package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.examples.data.SeedArticleData;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.GatedSumVertex;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * The models of the speed comparison (issues 6 and 19), each built by this library and wired by hand in plain DL4J,
 * with the same shapes as {@code benchmarks/reference/mtl_step.py}: FLOAT, Adam(1e-3), MSE heads (the mixed model:
 * binary and multi-class cross-entropy; lenet: two ten-class heads).
 */
public enum BenchmarkModels {
    /** The seed article's model: 10 inputs, a shared linear layer of 2 (no bias), two linear heads of 2 (no bias); batch 1000. */
    SEED(SeedArticleData.FEATURES, new int[] {2}, Activation.IDENTITY, false, 2, 0, 2, 1000, 0),
    /** A wide model: 100 inputs, two shared ReLU layers of 256, eight heads (64 ReLU, then 1 linear); batch 256. */
    WIDE(100, new int[] {256, 256}, Activation.RELU, true, 8, 64, 1, 256, 0),
    /**
     * MMoE (issue 19): 100 inputs; 8 experts, each one ReLU layer 100 -> 64; 4 tasks, each with a softmax gate (100 -> 8
     * on the input) mixing the experts and a tower 64 -> 32 ReLU -> 1; batch 256.
     */
    MMOE(100, new int[] {64}, Activation.RELU, true, 4, 32, 1, 256, 8),
    /**
     * Mixed losses (issue 19): the wide model's trunk and heads (100 -> 256 ReLU -> 256 ReLU; eight heads of 64 ReLU),
     * tasks 1-4 binary (one sigmoid output, binary cross-entropy), tasks 5-8 ten-class (softmax, cross-entropy); batch 256.
     */
    MIXED(100, new int[] {256, 256}, Activation.RELU, true, 8, 64, 1, 256, 0, 10),
    /**
     * LeNet-sized images (issue 19): the MultiFashion example's {@link ConvolutionalTrunk#hard convolutional trunk} (conv
     * 5x5x10 ReLU, max-pool 2x2, conv 5x5x20 ReLU, max-pool 2x2, dense 50 ReLU) on 36x36x1 images given as flat rows of
     * 1,296 values, two ten-class heads {@code left} and {@code right} (softmax, cross-entropy); batch 256.
     */
    LENET(36 * 36, new int[] {10, 20, 50}, Activation.RELU, true, 2, 0, 10, 256, 0, 10);

    /** Side of the lenet model's square one-channel images (the MultiFashion example's). */
    public static final int IMAGE_SIDE = 36;
    /** The lenet model's task names, as in the MultiFashion example. */
    private static final String[] LENET_TASKS = {"left", "right"};

    private final int inputs;
    private final int[] trunk;
    private final Activation activation;
    private final boolean bias;
    private final int tasks;
    private final int head;
    private final int outputs;
    private final int batchSize;
    /** Experts of a mixture (MMoE, the trunk widths being each expert's), or 0 for hard sharing. */
    private final int experts;
    /** 0: every task a regression of {@link #outputs} targets (MSE); else the first half binary, the rest of this many classes. */
    private final int classes;

    BenchmarkModels(int inputs, int[] trunk, Activation activation, boolean bias, int tasks, int head, int outputs,
            int batchSize, int experts) {
        this(inputs, trunk, activation, bias, tasks, head, outputs, batchSize, experts, 0);
    }

    BenchmarkModels(int inputs, int[] trunk, Activation activation, boolean bias, int tasks, int head, int outputs,
            int batchSize, int experts, int classes) {
        this.classes = classes;
        this.inputs = inputs;
        this.trunk = trunk;
        this.activation = activation;
        this.bias = bias;
        this.tasks = tasks;
        this.head = head;
        this.outputs = outputs;
        this.batchSize = batchSize;
        this.experts = experts;
    }

    /** The model called {@code name} (case-insensitive). */
    public static BenchmarkModels named(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** Number of tasks (heads). */
    public int tasks() {
        return tasks;
    }

    /** Rows per training step. */
    public int batchSize() {
        return batchSize;
    }

    /** The model built by {@link MultiTaskGraphBuilder}. */
    public ComputationGraph library(long seed) {
        return library(seed, false);
    }

    /**
     * The model built by {@link MultiTaskGraphBuilder}, with {@code fusedHeads} the heads' first layers as one layer
     * ({@link MultiTaskGraphBuilder#fusedHeads()}; the wide model only: the seed model's heads have no hidden layer).
     */
    public ComputationGraph library(long seed, boolean fusedHeads) {
        return model(seed, fusedHeads).graph();
    }

    /** The model built by {@link MultiTaskGraphBuilder}, as the library's {@link MultiTaskModel} (for its {@code predict}). */
    public MultiTaskModel model(long seed, boolean fusedHeads) {
        if (fusedHeads && (head == 0 || experts > 0 || this == LENET)) {
            throw new IllegalArgumentException("model " + name().toLowerCase(Locale.ROOT) + " has no hidden head layers "
                    + "reading one representation to fuse; use impl=fused with model=wide only.");
        }
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(inputs).activation(activation)
                .bias(bias).updater(new Adam(1e-3)).seed(seed).dataType(DataType.FLOAT);
        if (this == LENET) {
            builder.sharing(ConvolutionalTrunk.hard(IMAGE_SIDE, IMAGE_SIDE, 1));
        } else {
            builder = experts > 0 ? builder.sharing(MixtureOfExperts.mmoe(experts, trunk)) : builder.sharedLayers(trunk);
        }
        for (int t = 0; t < tasks; t++) {
            String name = taskName(t);
            Task task = classes == 0 ? Task.regression(name, outputs)
                    : binary(t) ? Task.binary(name) : Task.multiclass(name, classes);
            builder.task(head > 0 ? task.withHead(head) : task);
        }
        if (fusedHeads) {
            builder.fusedHeads();
        }
        return builder.build();
    }

    /**
     * The same model wired by hand as a plain DL4J {@link ComputationGraph}, its layers named as the library names them.
     * MMoE's mixing is the library's {@link GatedSumVertex} (DL4J has no gated sum); its gates and experts are plain
     * dense layers.
     */
    public ComputationGraph plain(long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).dataType(DataType.FLOAT).graphBuilder()
                .addInputs("input").setInputTypes(InputType.feedForward(inputs));
        if (experts > 0) {
            return plainMixture(g);
        }
        if (this == LENET) {
            return plainLenet(seed);
        }
        String in = "input";
        int width = inputs;
        for (int i = 0; i < trunk.length; i++) {
            g.addLayer("trunk_" + i, new DenseLayer.Builder().nIn(width).nOut(trunk[i]).activation(activation)
                    .hasBias(bias).build(), in);
            in = "trunk_" + i;
            width = trunk[i];
        }
        String[] names = new String[tasks];
        for (int t = 0; t < tasks; t++) {
            names[t] = "task" + (t + 1);
            String headIn = in;
            int headWidth = width;
            if (head > 0) {
                g.addLayer(names[t] + "_head_0", new DenseLayer.Builder().nIn(width).nOut(head).activation(activation)
                        .hasBias(bias).build(), in);
                headIn = names[t] + "_head_0";
                headWidth = head;
            }
            g.addLayer(names[t], outputLayer(t).nIn(headWidth).hasBias(bias).build(), headIn);
        }
        ComputationGraph plain = new ComputationGraph(g.setOutputs(names).build());
        plain.init();
        return plain;
    }

    /**
     * The lenet model as DL4J's own idiom wires it: flat image input ({@code InputType.convolutionalFlat}), DL4J inferring
     * the layers' input sizes and the reshaping preprocessors; default (Truncate) convolution mode, stride 1, no padding.
     */
    private ComputationGraph plainLenet(long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).dataType(DataType.FLOAT).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutionalFlat(IMAGE_SIDE, IMAGE_SIDE, 1))
                .addLayer("conv_0", new ConvolutionLayer.Builder(5, 5).nOut(trunk[0]).activation(activation).build(), "input")
                .addLayer("pool_0", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "conv_0")
                .addLayer("conv_1", new ConvolutionLayer.Builder(5, 5).nOut(trunk[1]).activation(activation).build(), "pool_0")
                .addLayer("pool_1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "conv_1")
                .addLayer("conv_dense", new DenseLayer.Builder().nOut(trunk[2]).activation(activation).build(), "pool_1");
        String[] names = new String[tasks];
        for (int t = 0; t < tasks; t++) {
            names[t] = taskName(t);
            g.addLayer(names[t], outputLayer(t).build(), "conv_dense");
        }
        ComputationGraph plain = new ComputationGraph(g.setOutputs(names).build());
        plain.init();
        return plain;
    }

    private ComputationGraph plainMixture(ComputationGraphConfiguration.GraphBuilder g) {
        int width = trunk[0];
        String[] mixed = new String[experts + 1];
        for (int e = 0; e < experts; e++) {
            mixed[e + 1] = VertexNames.expertPrefix(null, 0, e) + "0";
            g.addLayer(mixed[e + 1], new DenseLayer.Builder().nIn(inputs).nOut(width).activation(activation).hasBias(bias)
                    .build(), "input");
        }
        String[] names = new String[tasks];
        for (int t = 0; t < tasks; t++) {
            names[t] = "task" + (t + 1);
            mixed[0] = VertexNames.gate(names[t], 0);
            g.addLayer(mixed[0], new DenseLayer.Builder().nIn(inputs).nOut(experts).activation(Activation.SOFTMAX)
                    .hasBias(bias).build(), "input");
            g.addVertex(VertexNames.mix(names[t], 0), new GatedSumVertex(), mixed.clone());
            g.addLayer(names[t] + "_head_0", new DenseLayer.Builder().nIn(width).nOut(head).activation(activation)
                    .hasBias(bias).build(), VertexNames.mix(names[t], 0));
            g.addLayer(names[t], new OutputLayer.Builder().nIn(head).nOut(outputs).activation(Activation.IDENTITY)
                    .lossFunction(new LossMSE()).hasBias(bias).build(), names[t] + "_head_0");
        }
        ComputationGraph plain = new ComputationGraph(g.setOutputs(names).build());
        plain.init();
        return plain;
    }

    /** Task {@code t}'s name (from 0): {@code task1, task2, ...}; lenet's {@code left, right}. */
    public String taskName(int t) {
        return this == LENET ? LENET_TASKS[t] : "task" + (t + 1);
    }

    /** Whether task {@code t} (from 0) is binary: the first half of the mixed model's tasks. */
    private boolean binary(int t) {
        return classes > 0 && this != LENET && t < tasks / 2;
    }

    /** Output units of task {@code t}. */
    private int width(int t) {
        return classes == 0 ? outputs : binary(t) ? 1 : classes;
    }

    /** Task {@code t}'s output layer as DL4J wires it: identity + MSE, sigmoid + binary or softmax + multi-class cross-entropy. */
    private OutputLayer.Builder outputLayer(int t) {
        OutputLayer.Builder layer = new OutputLayer.Builder().nOut(width(t));
        if (classes == 0) {
            return layer.activation(Activation.IDENTITY).lossFunction(new LossMSE());
        }
        return binary(t) ? layer.activation(Activation.SIGMOID).lossFunction(new LossBinaryXENT())
                : layer.activation(Activation.SOFTMAX).lossFunction(new LossMCXENT());
    }

    /**
     * One batch of standard normal features and labels (the seed model uses the seed article's generator); the mixed
     * model's labels are 0/1 for binary tasks and one-hot uniform classes for the others; lenet's images are uniform in
     * [0, 1) (pixel intensities), its labels one-hot uniform classes.
     */
    public MultiDataSet batch(long seed) {
        if (this == SEED) {
            return SeedArticleData.generate(seed, DataType.FLOAT);
        }
        return batch(seed, batchSize);
    }

    /** A batch of {@code rows} rows drawn as {@link #batch(long)} draws them (not the seed model: its batch is fixed). */
    public MultiDataSet batch(long seed, int rows) {
        if (this == SEED) {
            throw new IllegalArgumentException("the seed model's batch is the seed article's 1000 rows; use batch(seed).");
        }
        Nd4j.getRandom().setSeed(seed);
        INDArray x = this == LENET ? Nd4j.rand(DataType.FLOAT, rows, inputs) : Nd4j.randn(DataType.FLOAT, rows, inputs);
        INDArray[] y = new INDArray[tasks];
        for (int t = 0; t < tasks; t++) {
            if (classes == 0) {
                y[t] = Nd4j.randn(DataType.FLOAT, rows, outputs);
            } else if (binary(t)) {
                y[t] = Nd4j.rand(DataType.FLOAT, rows, 1).gt(0.5).castTo(DataType.FLOAT);
            } else {
                y[t] = Nd4j.zeros(DataType.FLOAT, rows, classes);
                INDArray drawn = Nd4j.rand(DataType.FLOAT, rows, 1).muli(classes);
                for (int r = 0; r < rows; r++) {
                    y[t].putScalar(r, Math.min(classes - 1, (int) drawn.getFloat(r, 0)), 1.0f);
                }
            }
        }
        return new MultiDataSet(new INDArray[] {x}, y);
    }
}
