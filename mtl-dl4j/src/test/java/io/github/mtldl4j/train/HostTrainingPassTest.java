package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.MultiTaskModel;
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
 * The Java gradient pass of small dense graphs ({@link HostTrainingPass}) against DL4J on the same graph: gradients and
 * scores of one pass ({@code REORDERED}: the same sums in another order), Adam steps against {@code fit}
 * ({@code ADAM_STEPS}), the plan's own ND4J pass, and central finite differences; and that it hands masked, large or
 * unsupported batches to the plan.
 */
class HostTrainingPassTest {
    private static final int ROWS = 12;

    /** ReLU trunk with bias; regression heads with a hidden ReLU layer (one with a loss weight) and one without. */
    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(7).sharedLayers(10, 9).activation(Activation.RELU)
                .updater(new Adam(0.01)).seed(5).dataType(DataType.DOUBLE)
                .task(Task.regression("price", 2).withHead(6).withWeight(0.7))
                .task(Task.regression("demand", 1).withHead(5))
                .task(Task.regression("stock", 1));
    }

    private static MultiDataSet batch(long seed, DataType type) {
        Nd4j.getRandom().setSeed(seed);
        return new MultiDataSet(new INDArray[] {Nd4j.randn(type, ROWS, 7)},
                new INDArray[] {Nd4j.randn(type, ROWS, 2), Nd4j.randn(type, ROWS, 1), Nd4j.randn(type, ROWS, 1)});
    }

    @Test
    void onePassEqualsDl4jOnTheSameParameters() {
        for (MultiTaskGraphBuilder b : new MultiTaskGraphBuilder[] {builder(), builder().representationTap(),
                builder().activation(Activation.IDENTITY).bias(false)}) {
            MultiDataSet batch = batch(3, DataType.DOUBLE);
            assertTrue(DirectTrainingStep.of(b.build().graph(), RepresentationTapVertex.class).hostPass(batch));
            DirectStepChecks.gradientAndScoresEqualDl4j(b::build, batch, "host pass");
        }
    }

    @Test
    void adamStepsEqualFit() {
        DirectStepChecks.stepsEqualFit(() -> builder().build(), step -> batch(10 + step, DataType.DOUBLE), 4, step -> { },
                "host pass");
    }

    @Test
    void equalsThePlansOwnPass() {
        MultiDataSet batch = batch(4, DataType.DOUBLE);
        ComputationGraph hosted = builder().build().graph();
        ComputationGraph planned = builder().build().graph();
        DirectTrainingStep host = DirectTrainingStep.of(hosted, RepresentationTapVertex.class);
        DirectTrainingStep plan = DirectTrainingStep.of(planned, RepresentationTapVertex.class).withoutHostPass();
        assertTrue(host.hostPass(batch));
        assertFalse(plan.hostPass(batch));
        assertClose(plan.computeGradient(batch), host.computeGradient(batch), REORDERED, "scores");
        assertClose(planned.getFlattenedGradients(), hosted.getFlattenedGradients(), REORDERED, "gradient");
    }

    /**
     * The seed model's shape (10 -> 2 linear, no bias, two linear heads of 2) in FLOAT, as the benchmark trains it: the
     * host pass and the Java Adam against DL4J's {@code fit}.
     */
    @Test
    void floatSeedShapedModelEqualsFit() {
        MultiTaskGraphBuilder b = MultiTaskGraphBuilder.forInputs(10).sharedLayers(2).activation(Activation.IDENTITY)
                .bias(false).updater(new Adam(1e-3)).seed(42).dataType(DataType.FLOAT)
                .task(Task.regression("a", 2)).task(Task.regression("b", 2));
        ComputationGraph graph = b.build().graph();
        ComputationGraph reference = b.build().graph();
        DirectTrainingStep direct = DirectTrainingStep.of(graph);
        for (int step = 0; step < 3; step++) {
            Nd4j.getRandom().setSeed(step);
            // Step 2's features come in DOUBLE: both sides cast them to the graph's FLOAT.
            MultiDataSet batch = new MultiDataSet(new INDArray[] {Nd4j.randn(step == 2 ? DataType.DOUBLE : DataType.FLOAT, 100, 10)},
                    new INDArray[] {Nd4j.randn(DataType.FLOAT, 100, 2), Nd4j.randn(DataType.FLOAT, 100, 2)});
            assertTrue(direct.hostPass(batch));
            direct.fit(batch);
            reference.fit(batch);
            assertClose(reference.score(), graph.score(), FLOAT_REORDERED, "score of step " + step);
        }
        assertClose(reference.params(), graph.params(), FLOAT_ADAM_STEPS, "parameters");
        assertClose(reference.getUpdater().getStateViewArray(), graph.getUpdater().getStateViewArray(), FLOAT_ADAM_STEPS,
                "updater state");
        assertEquals(reference.getIterationCount(), graph.getIterationCount());
    }

    @Test
    void passesAFiniteDifferenceCheck() {
        MultiTaskModel model = builder().build();
        int checked = DirectStepChecks.gradientPassesFiniteDifferences(model, batch(6, DataType.DOUBLE), ROWS, name -> true, 1,
                () -> { }, "host pass");
        assertEquals(model.graph().numParams(), checked);
    }

    @Test
    void maskedLargeAndMismatchedBatchesGoThroughThePlan() {
        DirectTrainingStep direct = DirectTrainingStep.of(builder().build().graph(), RepresentationTapVertex.class);
        MultiDataSet batch = batch(7, DataType.DOUBLE);
        batch.setLabelsMaskArray(new INDArray[] {Nd4j.ones(DataType.DOUBLE, ROWS, 1), null, null});
        assertFalse(direct.hostPass(batch), "label masks");
        long weights = 7 * 10 + 10 * 9 + 9 * 6 + 6 * 2 + 9 * 5 + 5 * 1 + 9 * 1;
        int rows = (int) (HostTrainingPass.MAX_PRODUCTS / weights) + 1;
        MultiDataSet large = new MultiDataSet(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, rows, 7)},
                new INDArray[] {Nd4j.zeros(DataType.DOUBLE, rows, 2), Nd4j.zeros(DataType.DOUBLE, rows, 1),
                    Nd4j.zeros(DataType.DOUBLE, rows, 1)});
        assertFalse(direct.hostPass(large), "more than MAX_PRODUCTS multiply-adds");
        MultiDataSet narrow = new MultiDataSet(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, ROWS, 6)}, batch.getLabels());
        assertFalse(direct.hostPass(narrow), "features narrower than the first layer");
        // A graph with a binary head is not all squared errors: no host pass at all.
        ComputationGraph binary = builder().task(Task.binary("churn")).build().graph();
        MultiDataSet withChurn = new MultiDataSet(batch.getFeatures(), new INDArray[] {batch.getLabels(0), batch.getLabels(1),
            batch.getLabels(2), Nd4j.zeros(DataType.DOUBLE, ROWS, 1)});
        assertFalse(DirectTrainingStep.of(binary, RepresentationTapVertex.class).hostPass(withChurn));
    }

    /** Masked batches still train as DL4J does (through the plan) on a graph that otherwise takes the host pass. */
    @Test
    void maskedBatchEqualsDl4j() {
        MultiDataSet batch = batch(8, DataType.DOUBLE);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        mask.putScalar(2, 0, 0.0);
        batch.setLabelsMaskArray(new INDArray[] {mask, null, null});
        DirectStepChecks.gradientAndScoresEqualDl4j(() -> builder().build(), batch, "masked batch");
    }
}
