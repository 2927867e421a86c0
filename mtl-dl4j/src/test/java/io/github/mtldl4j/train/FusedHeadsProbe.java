package io.github.mtldl4j.train;

import java.util.Arrays;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Indicative, not a benchmark: fit steps of the wide model (batch 256, FLOAT, Adam), 8 separate heads against
 * one fused 256 -> 512 layer sliced per task, as a hand-wired DL4J graph and as this library builds it; the four graphs
 * take turns step by step so that load from other processes hits them alike. Argument: steps per graph.
 */
public final class FusedHeadsProbe {
    private FusedHeadsProbe() {
    }

    public static void main(String[] args) {
        int k = 8;
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        String[] names = {"plain separate", "plain fused", "mtl separate", "mtl fused"};
        ComputationGraph[] graphs = {graph(k, false), graph(k, true), library(k, false), library(k, true)};
        INDArray x = Nd4j.randn(DataType.FLOAT, 256, 100);
        INDArray[] y = new INDArray[k];
        for (int t = 0; t < k; t++) {
            y[t] = Nd4j.randn(DataType.FLOAT, 256, 1);
        }
        MultiDataSet batch = new MultiDataSet(new INDArray[] {x}, y);
        double[][] times = new double[graphs.length][steps];
        for (int s = -20; s < steps; s++) {
            for (int g = 0; g < graphs.length; g++) {
                long start = System.nanoTime();
                graphs[g].fit(batch);
                if (s >= 0) {
                    times[g][s] = (System.nanoTime() - start) / 1e6;
                }
            }
        }
        for (int pair = 0; pair < 2; pair++) {
            double[] ratios = new double[steps];
            for (int s = 0; s < steps; s++) {
                ratios[s] = times[2 * pair + 1][s] / times[2 * pair][s];
            }
            Arrays.sort(ratios);
            for (int g = 2 * pair; g < 2 * pair + 2; g++) {
                double[] t = times[g].clone();
                Arrays.sort(t);
                System.out.printf("%-15s median %.2f ms/step (min %.2f)%n", names[g], t[steps / 2], t[0]);
            }
            System.out.printf("%-15s median of per-step ratios fused/separate %.3f%n", pair == 0 ? "plain" : "mtl", ratios[steps / 2]);
        }
    }

    private static ComputationGraph library(int k, boolean fused) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(100).sharedLayers(256, 256).activation(Activation.RELU)
                .updater(new Adam(1e-3)).seed(1);
        for (int t = 0; t < k; t++) {
            builder.task(Task.regression("t" + t).withHead(64));
        }
        if (fused) {
            builder.fusedHeads();
        }
        return builder.build().graph();
    }

    private static ComputationGraph graph(int k, boolean fused) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                .dataType(DataType.FLOAT).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(100))
                .addLayer("d0", new DenseLayer.Builder().nIn(100).nOut(256).activation(Activation.RELU).build(), "in")
                .addLayer("d1", new DenseLayer.Builder().nIn(256).nOut(256).activation(Activation.RELU).build(), "d0");
        if (fused) {
            b.addLayer("heads", new DenseLayer.Builder().nIn(256).nOut(64 * k).activation(Activation.RELU).build(), "d1");
        }
        String[] outputs = new String[k];
        for (int t = 0; t < k; t++) {
            String hidden = "h" + t;
            if (fused) {
                b.addVertex(hidden, new SubsetVertex(64 * t, 64 * t + 63), "heads");
            } else {
                b.addLayer(hidden, new DenseLayer.Builder().nIn(256).nOut(64).activation(Activation.RELU).build(), "d1");
            }
            outputs[t] = "out" + t;
            b.addLayer(outputs[t], new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(64).nOut(1)
                    .activation(Activation.IDENTITY).build(), hidden);
        }
        b.setOutputs(outputs);
        ComputationGraph graph = new ComputationGraph(b.build());
        graph.init();
        return graph;
    }
}
