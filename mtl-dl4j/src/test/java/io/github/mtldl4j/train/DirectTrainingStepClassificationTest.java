package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.CrossEntropyKernel.FusedLoss;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The fused classification losses of the direct step (sigmoid + binary cross-entropy, softmax + multi-class
 * cross-entropy, in {@code CrossEntropyKernel}) against DL4J's own loss functions on an identical graph in double
 * precision: per-row and per-output label masks (0/1 and fractional), loss weights, soft labels; one pass with
 * {@code REORDERED}, Adam steps with {@code ADAM_STEPS}; a central finite-difference check; and the one documented
 * difference, at clipped sigmoid probabilities.
 */
class DirectTrainingStepClassificationTest {
    private static final int ROWS = 10;
    /**
     * Central differences with step 1e-6 in DOUBLE: truncation and rounding errors reach 1e-6 of a gradient element
     * (measured 1.05e-6 on an AMD EPYC); a wrong factor or a missing term shows at 1e-2 and above.
     */
    private static final double FINITE_DIFFERENCE = 1e-5;

    /** Outputs: churn (binary), tags (3 labels, sigmoid), segment (4 classes), segment2 (4 classes, soft labels). */
    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(6).sharedLayers(8).activation(Activation.RELU)
                .updater(new Adam(0.01)).seed(7).dataType(DataType.DOUBLE)
                .task(Task.binary("churn").withHead(5).withWeight(1.7))
                .task(Task.multilabel("tags", 3).withHead(4))
                .task(Task.multiclass("segment", 4).withWeight(0.6))
                .task(Task.multiclass("segment2", 4).withHead(3));
    }

    /**
     * A batch; with {@code fractional} some mask values are 0.5 (DL4J multiplies the pre-output and the loss by them, and
     * a per-output mask of a binary cross-entropy twice into the gradient), otherwise masks are 0/1.
     */
    private static MultiDataSet batch(long seed, boolean fractional) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, ROWS, 6);
        INDArray churn = Nd4j.rand(DataType.DOUBLE, ROWS, 1).gt(0.5).castTo(DataType.DOUBLE);
        INDArray tags = Nd4j.rand(DataType.DOUBLE, ROWS, 3).gt(0.4).castTo(DataType.DOUBLE);
        INDArray segment = Nd4j.zeros(DataType.DOUBLE, ROWS, 4);
        for (int r = 0; r < ROWS; r++) {
            segment.putScalar(r, (r * 3 + seed) % 4, 1.0);
        }
        // Soft labels: rows of a distribution over the classes.
        INDArray soft = Nd4j.rand(DataType.DOUBLE, ROWS, 4);
        soft.diviColumnVector(soft.sum(1));
        double partial = fractional ? 0.5 : 1.0;
        INDArray churnMask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        churnMask.putScalar(1, 0, 0.0);
        churnMask.putScalar(4, 0, partial);
        // Per output: some labels of a row missing.
        INDArray tagsMask = Nd4j.ones(DataType.DOUBLE, ROWS, 3);
        tagsMask.putScalar(0, 1, 0.0);
        tagsMask.putScalar(3, 0, 0.0);
        tagsMask.putScalar(3, 2, 0.0);
        tagsMask.putScalar(6, 2, partial);
        INDArray segmentMask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        segmentMask.putScalar(2, 0, 0.0);
        segmentMask.putScalar(7, 0, partial);
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {churn, tags, segment, soft}, null,
                new INDArray[] {churnMask, tagsMask, segmentMask, null});
    }

    @Test
    void classificationOutputsTakeTheFusedPath() {
        DirectTrainingStep direct = DirectTrainingStep.of(builder().build().graph());
        assertArrayEquals(new FusedLoss[] {FusedLoss.SIGMOID_BINARY_CROSS_ENTROPY, FusedLoss.SIGMOID_BINARY_CROSS_ENTROPY,
                FusedLoss.SOFTMAX_CROSS_ENTROPY, FusedLoss.SOFTMAX_CROSS_ENTROPY}, direct.outputLosses());
        // Column weights and clipping turned off are left to the loss function.
        ComputationGraph other = MultiTaskGraphBuilder.forInputs(6).sharedLayers(8).seed(7).dataType(DataType.DOUBLE)
                .task(Task.binary("churn").withLoss(new LossBinaryXENT(0.0)))
                .task(Task.multiclass("segment", 2).withLoss(new LossMCXENT(Nd4j.create(new double[] {1, 2}, 1, 2))))
                .build().graph();
        assertArrayEquals(new FusedLoss[] {FusedLoss.NONE, FusedLoss.NONE}, DirectTrainingStep.of(other).outputLosses());
    }

    @Test
    void gradientAndScoresEqualDl4jLossFunctions() {
        for (boolean fractional : new boolean[] {false, true}) {
            ComputationGraph graph = builder().build().graph();
            MultiDataSet batch = batch(11, fractional);
            double[] scores = DirectTrainingStep.of(graph).computeGradient(batch);
            INDArray ours = graph.getFlattenedGradients().dup();

            ComputationGraph reference = builder().build().graph();
            perturbOneSide(reference.params());
            reference.setInputs(batch.getFeatures());
            reference.setLabels(batch.getLabels());
            reference.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
            reference.computeGradientAndScore();
            // One pass in another order (Java loops in double, own GEMMs) against DL4J's.
            assertClose(reference.getFlattenedGradients(), ours, REORDERED, "gradient, fractional masks " + fractional);
            for (int t = 0; t < 4; t++) {
                assertClose(reference.getOutputLayer(t).score(), scores[t], REORDERED, "score of output " + t);
            }
        }
    }

    @Test
    void stepsEqualDl4jFit() {
        ComputationGraph graph = builder().build().graph();
        ComputationGraph reference = builder().build().graph();
        assertIdentical(reference.params(), graph.params(), "same seed, same initialization");
        perturbOneSide(reference.params());
        DirectTrainingStep direct = DirectTrainingStep.of(graph);
        for (int step = 0; step < 5; step++) {
            MultiDataSet batch = batch(step, step % 2 == 1);
            direct.fit(batch);
            reference.fit(batch);
            // Adam: each step carries the previous steps' differences, amplified by up to lr/eps.
            assertClose(reference.score(), graph.score(), ADAM_STEPS, "score after step " + step);
        }
        assertClose(reference.params(), graph.params(), ADAM_STEPS, "parameters");
        assertClose(reference.getUpdater().getStateViewArray(), graph.getUpdater().getStateViewArray(), ADAM_STEPS,
                "updater state");
    }

    /** Central differences of the summed scores (0/1 masks: a fractional mask also scales the pre-output in DL4J). */
    @Test
    void gradientPassesAFiniteDifferenceCheck() {
        ComputationGraph graph = builder().activation(Activation.TANH).updater(new Sgd(0.1)).build().graph();
        DirectTrainingStep direct = DirectTrainingStep.of(graph);
        MultiDataSet batch = batch(5, false);
        direct.computeGradient(batch);
        INDArray analytic = graph.getFlattenedGradients().dup();
        INDArray params = graph.params();
        double worst = FiniteDifferences.worstRelativeError(direct, batch, ROWS, params, analytic,
                LongStream.range(0, params.length()));
        assertTrue(worst < FINITE_DIFFERENCE, "worst relative error " + worst);
    }

    /**
     * The documented difference: with every churn logit at 30 (sigmoid 1 - 9.4e-14, clipped to 1 - 1e-5) and labels 0,
     * the score is DL4J's clipped one, -log(1e-5) per row, but the gradient of the output bias is sum(s - y), about one
     * per row, where DL4J's vanishes (s(1 - s) / 1e-5 per row, about 1e-8).
     */
    @Test
    void saturatedSigmoidKeepsTheUnclippedGradient() {
        MultiTaskGraphBuilder b = MultiTaskGraphBuilder.forInputs(6).sharedLayers(8).seed(7).dataType(DataType.DOUBLE)
                .task(Task.binary("churn"));
        ComputationGraph graph = b.build().graph();
        graph.getLayer("churn").getParam("W").assign(0);
        graph.getLayer("churn").getParam("b").assign(30);
        MultiDataSet batch = new MultiDataSet(Nd4j.randn(DataType.DOUBLE, ROWS, 6), Nd4j.zeros(DataType.DOUBLE, ROWS, 1));
        DirectTrainingStep direct = DirectTrainingStep.of(graph);
        double score = direct.computeGradient(batch)[0];
        double ours = direct.gradientViews().getGradientFor("churn_b").getDouble(0);

        ComputationGraph reference = b.build().graph();
        reference.setParams(graph.params());
        reference.setInputs(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        reference.computeGradientAndScore();
        assertClose(-Math.log(1e-5), reference.score(), REORDERED, "DL4J's clipped score, by hand");
        assertClose(reference.score(), score, REORDERED, "score");
        double sigmoid = 1 / (1 + Math.exp(-30));
        assertClose(ROWS * sigmoid, ours, REORDERED, "bias gradient: sum of s - y");
        double theirs = reference.gradient().getGradientFor("churn_b").getDouble(0);
        assertTrue(Math.abs(theirs) < 1e-6, "DL4J's gradient vanishes there: " + theirs);
    }

    @Test
    void perOutputMaskOnSoftmaxIsRefusedAsDl4jRefusesIt() {
        ComputationGraph graph = builder().build().graph();
        MultiDataSet batch = batch(3, false);
        batch.setLabelsMaskArray(2, Nd4j.ones(DataType.DOUBLE, ROWS, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DirectTrainingStep.of(graph).fit(batch));
        assertTrue(e.getMessage().contains("'segment'") && e.getMessage().contains("[" + ROWS + ", 1]"), e.getMessage());
        assertEquals(0, graph.getIterationCount(), "nothing updated");
    }
}
