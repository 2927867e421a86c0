package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
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
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * One question: which DL4J setting, without new training code, makes the {@link BenchmarkModels#LENET lenet} step
 * faster? Trains the library's graph and variants of the hand-wired graph (data format, input shape, workspace mode,
 * cache mode, convolution mode, ND4J's platform helpers) in one JVM, one step of each per round in a random order, so
 * a shared machine's drift hits them alike; prints each variant's median ms per step and the median over rounds of its
 * ratio to the hand-wired default. Run it once per nd4j-native build (the oneDNN build by swapping that jar on the
 * classpath, as {@code benchmarks/nd4j-builds.sh} does). With that build ND4J's max-pool op runs on oneDNN by itself;
 * DL4J's convolution layer hands its work to oneDNN ({@code MKLDNNConvHelper}) only when DL4J's layer helpers are
 * enabled, which M2.1 turns off by default: {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false} (read when a
 * layer is created). "helpers disallowed" turns ND4J's platform helpers off for that variant's steps
 * ({@code Nd4j.getEnvironment().allowHelpers(false)}), which disables both.
 *
 * <p>Usage: {@code java -cp ... io.github.mtldl4j.benchmarks.LenetLevers [ROUNDS [BATCH]]} (default 12 rounds of 256
 * images, after 2 rounds of warm-up).
 */
public final class LenetLevers {
    private static final int SIDE = BenchmarkModels.IMAGE_SIDE;

    private LenetLevers() {
    }

    /** A graph, the features it reads (flat rows or a 4-D view of them) and whether ND4J's helpers are allowed for it. */
    private record Variant(String name, ComputationGraph graph, MultiDataSet batch, boolean helpers) {
        double step() {
            Nd4j.getEnvironment().allowHelpers(helpers);
            long start = System.nanoTime();
            graph.fit(batch);
            return (System.nanoTime() - start) / 1e6;
        }
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : BenchmarkModels.LENET.batchSize();
        System.out.println(BackendInfo.describe());
        System.out.println("helpers allowed at start: " + Nd4j.getEnvironment().helpersAllowed());
        MultiDataSet flat = BenchmarkModels.LENET.batch(42, rows);
        MultiDataSet nchw = new MultiDataSet(new INDArray[] {flat.getFeatures(0).reshape('c', rows, 1, SIDE, SIDE).dup('c')},
                flat.getLabels());
        MultiDataSet nhwc = new MultiDataSet(new INDArray[] {flat.getFeatures(0).reshape('c', rows, SIDE, SIDE, 1).dup('c')},
                flat.getLabels());
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("plain (NCHW, flat input, workspaces ENABLED, cache NONE, Truncate, helpers on)",
                plain(CNN2DFormat.NCHW, false, WorkspaceMode.ENABLED, CacheMode.NONE, ConvolutionMode.Truncate), flat, true));
        variants.add(new Variant("library (MultiTaskGraphBuilder)", BenchmarkModels.LENET.library(42), flat, true));
        variants.add(new Variant("plain, helpers disallowed",
                plain(CNN2DFormat.NCHW, false, WorkspaceMode.ENABLED, CacheMode.NONE, ConvolutionMode.Truncate), flat, false));
        variants.add(new Variant("plain, 4-D NCHW input (no preprocessor)",
                plain(CNN2DFormat.NCHW, true, WorkspaceMode.ENABLED, CacheMode.NONE, ConvolutionMode.Truncate), nchw, true));
        variants.add(new Variant("plain, NHWC (4-D input)",
                plain(CNN2DFormat.NHWC, true, WorkspaceMode.ENABLED, CacheMode.NONE, ConvolutionMode.Truncate), nhwc, true));
        variants.add(new Variant("plain, workspaces NONE",
                plain(CNN2DFormat.NCHW, false, WorkspaceMode.NONE, CacheMode.NONE, ConvolutionMode.Truncate), flat, true));
        variants.add(new Variant("plain, cache mode DEVICE",
                plain(CNN2DFormat.NCHW, false, WorkspaceMode.ENABLED, CacheMode.DEVICE, ConvolutionMode.Truncate), flat, true));
        variants.add(new Variant("plain, ConvolutionMode.Strict",
                plain(CNN2DFormat.NCHW, false, WorkspaceMode.ENABLED, CacheMode.NONE, ConvolutionMode.Strict), flat, true));
        Random order = new Random(7);
        double[][] ms = new double[variants.size()][rounds];
        double[][] ratio = new double[variants.size()][rounds];
        for (int r = -2; r < rounds; r++) {
            List<Integer> turn = new ArrayList<>();
            for (int v = 0; v < variants.size(); v++) {
                turn.add(v);
            }
            Collections.shuffle(turn, order);
            double[] round = new double[variants.size()];
            for (int v : turn) {
                round[v] = variants.get(v).step();
            }
            if (r >= 0) {
                for (int v = 0; v < variants.size(); v++) {
                    ms[v][r] = round[v];
                    ratio[v][r] = round[v] / round[0];
                }
            }
        }
        Nd4j.getEnvironment().allowHelpers(true);
        System.out.printf(Locale.ROOT, "lenet step, %d images, %d rounds: median ms [min] and median per-round ratio to the first%n",
                rows, rounds);
        for (int v = 0; v < variants.size(); v++) {
            Arrays.sort(ms[v]);
            Arrays.sort(ratio[v]);
            System.out.printf(Locale.ROOT, "%-82s %9.1f [%7.1f] %6.2fx%n", variants.get(v).name(), ms[v][rounds / 2], ms[v][0],
                    ratio[v][rounds / 2]);
        }
    }

    /** The hand-wired lenet graph ({@link BenchmarkModels#plain}) with the given settings. */
    static ComputationGraph plain(CNN2DFormat format, boolean fourDimensional, WorkspaceMode workspaces, CacheMode cache,
            ConvolutionMode mode) {
        InputType input = fourDimensional ? InputType.convolutional(SIDE, SIDE, 1, format)
                : InputType.convolutionalFlat(SIDE, SIDE, 1);
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(42)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).dataType(DataType.FLOAT)
                .trainingWorkspaceMode(workspaces).inferenceWorkspaceMode(workspaces).cacheMode(cache).convolutionMode(mode)
                .graphBuilder().addInputs("input").setInputTypes(input)
                .addLayer("conv_0", new ConvolutionLayer.Builder(5, 5).nOut(10).dataFormat(format).activation(Activation.RELU)
                        .build(), "input")
                .addLayer("pool_0", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).dataFormat(format).build(), "conv_0")
                .addLayer("conv_1", new ConvolutionLayer.Builder(5, 5).nOut(20).dataFormat(format).activation(Activation.RELU)
                        .build(), "pool_0")
                .addLayer("pool_1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).dataFormat(format).build(), "conv_1")
                .addLayer("conv_dense", new DenseLayer.Builder().nOut(50).activation(Activation.RELU).build(), "pool_1");
        for (String head : new String[] {"left", "right"}) {
            g.addLayer(head, new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).lossFunction(new LossMCXENT())
                    .build(), "conv_dense");
        }
        ComputationGraph graph = new ComputationGraph(g.setOutputs("left", "right").build());
        graph.init();
        return graph;
    }
}
