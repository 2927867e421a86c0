package io.github.mtldl4j.graph;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/** Analytic against numerical gradients, in double precision, for every sharing mode with mixed task types. */
class GradientCheckTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    private static final int INPUTS = 5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 4).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(12345)
                .tasks(TestData.mixedTasks().toArray(Task[]::new));
    }

    private static boolean check(ComputationGraph graph, MultiDataSet data) {
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(data.getFeatures()).labels(data.getLabels()).labelMask(data.getLabelsMaskArrays())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
    }

    private static MultiDataSet data() {
        return TestData.batch(TestData.mixedTasks(), INPUTS, 10, 3);
    }

    @Test
    void hardSharing() {
        assertTrue(check(builder().hardSharing().build().graph(), data()));
    }

    @Test
    void hardSharingWithRepresentationTap() {
        assertTrue(check(builder().representationTap().cascade("tags", "churn").build().graph(), data()));
    }

    @Test
    void independentTowers() {
        assertTrue(check(builder().independentTowers().build().graph(), data()));
    }

    @Test
    void cascadeChainWithTwoSourcesOnHardSharing() {
        // segment reads price and churn; tags reads segment (so segment is both reader and source).
        ComputationGraph graph = builder().cascade("segment", "price").cascade("segment", "churn")
                .cascade("tags", "segment").build().graph();
        assertTrue(check(graph, data()));
    }

    @Test
    void cascadeOnIndependentTowers() {
        assertTrue(check(builder().independentTowers().cascade("churn", "price").build().graph(), data()));
    }

    @Test
    void withMissingLabels() {
        MultiDataSet data = data();
        INDArray[] masks = new INDArray[4];
        for (int t = 0; t < 4; t++) {
            masks[t] = Nd4j.ones(DataType.DOUBLE, 10, 1);
        }
        masks[0].putScalar(2, 0, 0.0);
        masks[2].putScalar(5, 0, 0.0);
        masks[2].putScalar(7, 0, 0.0);
        data.setLabelsMaskArray(masks);
        assertTrue(check(builder().cascade("tags", "price").build().graph(), data));
    }

    /**
     * Why a cascade source predicts through a dense layer plus a loss layer: DL4J cannot even run a training
     * pass through a graph in which an output layer feeds another vertex.
     */
    @Test
    void dl4jCannotTrainAGraphWhoseOutputLayerFeedsAnotherVertex() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new NoOp())
                .dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("input").setInputTypes(InputType.feedForward(INPUTS))
                .addLayer("trunk", new DenseLayer.Builder().nIn(INPUTS).nOut(4).activation(Activation.TANH).build(), "input")
                .addLayer("a", new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.IDENTITY)
                        .lossFunction(new LossMSE()).build(), "trunk")
                .addVertex("b_cascade", new MergeVertex(), "trunk", "a")
                .addLayer("b", new OutputLayer.Builder().nIn(6).nOut(1).activation(Activation.IDENTITY)
                        .lossFunction(new LossMSE()).build(), "b_cascade")
                .setOutputs("a", "b").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        List<Task> tasks = List.of(Task.regression("a", 2), Task.regression("b"));
        MultiDataSet data = TestData.batch(tasks, INPUTS, 10, 4);
        assertThrows(IllegalStateException.class, () -> graph.fit(data));
    }
}
