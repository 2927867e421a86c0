package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The direct training step with a positive-class weighted binary loss gives DL4J's own gradient and scores (the loss's
 * own computeGradientAndScore runs in both), and the weight changes the gradient: it is not treated as the plain loss.
 */
class PositiveWeightDirectStepTest {
    private static final int ROWS = 10;

    private static MultiTaskGraphBuilder builder(double positiveWeight) {
        Task churn = Task.binary("churn").withHead(4).withWeight(1.5);
        return MultiTaskGraphBuilder.forInputs(5).sharedLayers(6).activation(Activation.RELU).updater(new Adam(0.01)).seed(3)
                .dataType(DataType.DOUBLE).task(Task.regression("price")).task(positiveWeight == 1.0 ? churn : churn.withPositiveWeight(positiveWeight));
    }

    private static MultiDataSet batch() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, ROWS, 5);
        INDArray price = Nd4j.randn(DataType.DOUBLE, ROWS, 1);
        INDArray churn = Nd4j.rand(DataType.DOUBLE, ROWS, 1).gt(0.6).castTo(DataType.DOUBLE);
        churn.putScalar(0, 0, 1.0);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        mask.putScalar(3, 0, 0.0);
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {price, churn}, null, new INDArray[] {null, mask});
    }

    @Test
    void directStepEqualsDl4jWithAWeightedPositiveClass() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        MultiDataSet batch = batch();
        ComputationGraph graph = builder(4.0).build().graph();
        double[] scores = DirectTrainingStep.of(graph).computeGradient(batch);
        INDArray ours = graph.getFlattenedGradients().dup();

        ComputationGraph reference = builder(4.0).build().graph();
        perturbOneSide(reference.params());
        reference.setInputs(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        reference.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
        reference.computeGradientAndScore();
        assertClose(reference.getFlattenedGradients(), ours, REORDERED, "gradient");
        assertClose(reference.getOutputLayer(1).score(), scores[1], REORDERED, "churn's score");

        ComputationGraph plain = builder(1.0).build().graph();
        DirectTrainingStep.of(plain).computeGradient(batch);
        double difference = plain.getFlattenedGradients().sub(ours).norm2Number().doubleValue();
        assertTrue(difference > 1e-3, "the positive-class weight changes the gradient: " + difference);
    }
}
