package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
 * With all weights 1 the builder's hard-sharing graph is exactly a hand-wired plain DL4J graph: the same layers, the same
 * initialization and the same operations (a weight of 1 multiplies exactly), so everything compares bit for bit.
 */
class ReferenceEquivalenceTest {
    private static final long SEED = 1234;
    private static final int INPUTS = 6;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** input -> 8 tanh -> 6 tanh -> four heads, wired by hand with DL4J's own losses. */
    private static ComputationGraph plainReference() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(SEED).updater(new Adam(0.01)).weightInit(WeightInit.XAVIER).dataType(DataType.DOUBLE)
                .graphBuilder()
                .addInputs("input").setInputTypes(InputType.feedForward(INPUTS))
                .addLayer("trunk_0", new DenseLayer.Builder().nIn(INPUTS).nOut(8).activation(Activation.TANH).build(), "input")
                .addLayer("trunk_1", new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.TANH).build(), "trunk_0")
                .addLayer("price_head_0", new DenseLayer.Builder().nIn(6).nOut(4).activation(Activation.TANH).build(), "trunk_1")
                .addLayer("price", new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.IDENTITY)
                        .lossFunction(new LossMSE()).build(), "price_head_0")
                .addLayer("churn", new OutputLayer.Builder().nIn(6).nOut(1).activation(Activation.SIGMOID)
                        .lossFunction(new LossBinaryXENT()).build(), "trunk_1")
                .addLayer("segment_head_0", new DenseLayer.Builder().nIn(6).nOut(5).activation(Activation.TANH).build(), "trunk_1")
                .addLayer("segment_head_1", new DenseLayer.Builder().nIn(5).nOut(3).activation(Activation.TANH).build(), "segment_head_0")
                .addLayer("segment", new OutputLayer.Builder().nIn(3).nOut(3).activation(Activation.SOFTMAX)
                        .lossFunction(new LossMCXENT()).build(), "segment_head_1")
                .addLayer("tags", new OutputLayer.Builder().nIn(6).nOut(3).activation(Activation.SIGMOID)
                        .lossFunction(new LossBinaryXENT()).build(), "trunk_1")
                .setOutputs("price", "churn", "segment", "tags")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    private static List<Task> unitWeightTasks() {
        return TestData.mixedTasks().stream().map(t -> t.withWeight(1.0)).toList();
    }

    private static MultiTaskModel built() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(8, 6).activation(Activation.TANH)
                .updater(new Adam(0.01)).seed(SEED).dataType(DataType.DOUBLE)
                .tasks(unitWeightTasks().toArray(Task[]::new)).build();
    }

    @Test
    void sameParametersOutputsAndScoreAtInitialization() {
        ComputationGraph reference = plainReference();
        ComputationGraph graph = built().graph();
        MultiDataSet data = TestData.batch(unitWeightTasks(), INPUTS, 32, 7);

        assertEquals(reference.numParams(), graph.numParams());
        assertIdentical(reference.params(), graph.params(), "initial parameters");
        INDArray[] expected = reference.output(data.getFeatures());
        INDArray[] actual = graph.output(data.getFeatures());
        for (int i = 0; i < expected.length; i++) {
            assertIdentical(expected[i], actual[i], "output " + i);
        }
        assertIdentical(reference.score(data), graph.score(data), "score");
    }

    @Test
    void sameParametersAfterTenAdamSteps() {
        ComputationGraph reference = plainReference();
        ComputationGraph graph = built().graph();
        for (int step = 0; step < 10; step++) {
            MultiDataSet data = TestData.batch(unitWeightTasks(), INPUTS, 16, 100 + step);
            reference.fit(data);
            graph.fit(data);
            assertIdentical(reference.score(), graph.score(), "score at step " + step);
        }
        assertIdentical(reference.params(), graph.params(), "parameters after ten Adam steps");
        // The parameters did move: the comparison is not between two untouched initializations.
        assertEquals(true, plainReference().params().sub(graph.params()).amaxNumber().doubleValue() > 1e-3);
    }
}
