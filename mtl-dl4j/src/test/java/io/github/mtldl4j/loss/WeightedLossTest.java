package io.github.mtldl4j.loss;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

class WeightedLossTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void scalesScoreScoreArrayAndGradientOfTheInnerLoss() {
        INDArray labels = Nd4j.create(new double[][] {{1, 0, 0}, {0, 0, 1}});
        INDArray preOutput = Nd4j.create(new double[][] {{0.2, -0.1, 0.4}, {1.0, 0.3, -0.7}});
        IActivation softmax = new ActivationSoftmax();
        LossMCXENT inner = new LossMCXENT();
        WeightedLoss weighted = new WeightedLoss(new LossMCXENT(), 2.5);

        // The weight multiplies the inner loss's results: the same operations, so bit for bit.
        assertIdentical(2.5 * inner.computeScore(labels, preOutput, softmax, null, true),
                weighted.computeScore(labels, preOutput, softmax, null, true), "score");
        INDArray expectedArray = inner.computeScoreArray(labels, preOutput, softmax, null).mul(2.5);
        assertIdentical(expectedArray, weighted.computeScoreArray(labels, preOutput, softmax, null), "score array");
        INDArray expectedGradient = inner.computeGradient(labels, preOutput, softmax, null).mul(2.5);
        assertIdentical(expectedGradient, weighted.computeGradient(labels, preOutput, softmax, null), "gradient");
        Pair<Double, INDArray> both = weighted.computeGradientAndScore(labels, preOutput, softmax, null, true);
        assertIdentical(2.5 * inner.computeScore(labels, preOutput, softmax, null, true), both.getFirst(), "score of both");
        assertIdentical(expectedGradient, both.getSecond(), "gradient of both");
    }

    /**
     * DL4J's Spark workers merge minibatches with ND4J's {@code MultiDataSet.merge}. It copies a {@code [rows, 1]} mask of
     * a 3-class label into a {@code [rows, 3]} one in row-major order (wrong rows unmasked), so the Spark path sends masks
     * as wide as their labels, which merge row by row; DL4J's cross-entropy refuses those, and the weighted loss narrows
     * a mask with equal columns back: the same score and gradient as the per-example mask, bit for bit. ND4J's garbled
     * merge of narrow masks is refused rather than trained on.
     */
    @Test
    void aWideMaskWithEqualColumnsGivesTheSameCrossEntropyAsThePerExampleMask() {
        INDArray labels = Nd4j.create(new double[][] {{1, 0, 0}, {0, 0, 1}, {0, 1, 0}});
        INDArray preOutput = Nd4j.create(new double[][] {{0.2, -0.1, 0.4}, {1.0, 0.3, -0.7}, {-0.5, 0.8, 0.1}});
        INDArray perExample = Nd4j.create(new double[][] {{1}, {0}, {1}});
        INDArray wide = Nd4j.ones(3, 3).muliColumnVector(perExample);
        IActivation softmax = new ActivationSoftmax();
        assertThrows(UnsupportedOperationException.class, () -> new LossMCXENT().computeGradient(labels, preOutput, softmax, wide));

        WeightedLoss weighted = new WeightedLoss(new LossMCXENT(), 1.5);
        assertIdentical(weighted.computeScore(labels, preOutput, softmax, perExample, true),
                weighted.computeScore(labels, preOutput, softmax, wide, true), "score");
        assertIdentical(weighted.computeGradient(labels, preOutput, softmax, perExample),
                weighted.computeGradient(labels, preOutput, softmax, wide), "gradient");
        assertIdentical(weighted.computeScoreArray(labels, preOutput, softmax, perExample),
                weighted.computeScoreArray(labels, preOutput, softmax, wide), "score array");

        org.nd4j.linalg.indexing.INDArrayIndex all = org.nd4j.linalg.indexing.NDArrayIndex.all();
        org.nd4j.linalg.indexing.INDArrayIndex firstTwo = org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2);
        org.nd4j.linalg.indexing.INDArrayIndex last = org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 3);
        INDArray garbled = MultiDataSet.merge(List.of(
                new MultiDataSet(new INDArray[] {Nd4j.zeros(2, 1)}, new INDArray[] {labels.get(firstTwo, all)}, null,
                        new INDArray[] {perExample.get(firstTwo, all)}),
                new MultiDataSet(new INDArray[] {Nd4j.zeros(1, 1)}, new INDArray[] {labels.get(last, all)}, null,
                        new INDArray[] {perExample.get(last, all)}))).getLabelsMaskArray(0);
        assertEquals(0.0, garbled.getDouble(0, 1), "ND4J's merge puts row 1's 0 at (0, 1) (if it stops, this part checks nothing)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> weighted.computeGradient(labels, preOutput, softmax, garbled));
        assertTrue(e.getMessage().contains("[rows, 1]"), e.getMessage());
    }

    @Test
    void refusesBadWeightsAndNesting() {
        assertThrows(IllegalArgumentException.class, () -> new WeightedLoss(new LossMSE(), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new WeightedLoss(new LossMSE(), -0.1));
        assertThrows(IllegalArgumentException.class, () -> new WeightedLoss(new LossMSE(), Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new WeightedLoss(new WeightedLoss(new LossMSE(), 1), 1));
        WeightedLoss loss = new WeightedLoss(new LossMSE(), 1);
        assertThrows(IllegalArgumentException.class, () -> loss.setWeight(-1));
        assertEquals(1.0, loss.getWeight());
    }

    @Test
    void gradientCheckPassesWithAWeightedLossAndFailsWhenOnlyTheScoreIsScaled() {
        assertTrue(check(new WeightedLoss(new LossMSE(), 3.0)));
        assertFalse(check(new ScoreOnlyWeight(new LossMSE(), 3.0)), "a weight on the score alone must fail the check");
    }

    private static boolean check(ILossFunction loss) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new NoOp())
                .dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("input").setInputTypes(InputType.feedForward(3))
                .addLayer("trunk", new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.TANH).build(), "input")
                .addLayer("a", new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.IDENTITY).lossFunction(loss).build(), "trunk")
                .setOutputs("a").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        MultiDataSet data = TestData.batch(List.of(Task.regression("a", 2)), 3, 6, 9);
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(data.getFeatures()).labels(data.getLabels()).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.ZEROS).exitOnFirstError(true));
    }

    /** A wrong implementation: scales the score only. Exists to show the gradient check catches it. */
    static final class ScoreOnlyWeight implements ILossFunction {
        private final ILossFunction inner;
        private final double weight;

        ScoreOnlyWeight(ILossFunction inner, double weight) {
            this.inner = inner;
            this.weight = weight;
        }

        @Override
        public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
            return weight * inner.computeScore(labels, preOutput, activationFn, mask, average);
        }

        @Override
        public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
            return inner.computeScoreArray(labels, preOutput, activationFn, mask).muli(weight);
        }

        @Override
        public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
            return inner.computeGradient(labels, preOutput, activationFn, mask);
        }

        @Override
        public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                              INDArray mask, boolean average) {
            return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                    computeGradient(labels, preOutput, activationFn, mask));
        }

        @Override
        public String name() {
            return "ScoreOnlyWeight";
        }
    }
}
