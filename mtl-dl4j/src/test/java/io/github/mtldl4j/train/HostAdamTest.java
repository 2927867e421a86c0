package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.task.Task;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * {@link HostAdam} against DL4J's own updater (libnd4j's Adam kernel) on the same gradients: two copies of a graph get
 * the same summed gradient each step (computed by the same code, so identical), one updated by {@code UpdaterStep} with
 * the Java Adam, one without; parameters, the update left in the gradient view and the updater state must agree
 * ({@code ADAM_STEPS}; FLOAT: {@code FLOAT_ADAM_STEPS}).
 */
class HostAdamTest {
    private static final int ROWS = 8;

    private static MultiTaskGraphBuilder builder(DataType type, IUpdater updater) {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(3).activation(Activation.RELU).updater(updater).seed(2)
                .dataType(type).task(Task.regression("y", 2).withHead(3)).task(Task.binary("z"));
    }

    private static MultiDataSet batch(long seed, DataType type) {
        Nd4j.getRandom().setSeed(seed);
        return new MultiDataSet(new INDArray[] {Nd4j.randn(type, ROWS, 4)},
                new INDArray[] {Nd4j.randn(type, ROWS, 2), Nd4j.rand(type, ROWS, 1).gt(0.5).castTo(type)});
    }

    /** Steps both copies; {@code between} runs on both after step 2 (e.g. a new learning rate). */
    private static void stepsEqualDl4jsUpdater(MultiTaskGraphBuilder b, DataType type, double tolerance, boolean javaExpected,
                                               java.util.function.Consumer<ComputationGraph> between) {
        ComputationGraph ours = b.build().graph();
        ComputationGraph theirs = b.build().graph();
        DirectTrainingStep oursStep = DirectTrainingStep.of(ours, RepresentationTapVertex.class);
        DirectTrainingStep theirsStep = DirectTrainingStep.of(theirs, RepresentationTapVertex.class);
        HostAdam adam = new HostAdam(ours);
        for (int step = 0; step < 5; step++) {
            if (step == 2) {
                between.accept(ours);
                between.accept(theirs);
            }
            MultiDataSet batch = batch(20 + step, type);
            oursStep.computeGradient(batch);
            theirsStep.computeGradient(batch);
            assertIdentical(theirs.getFlattenedGradients(), ours.getFlattenedGradients(), "same gradient before step " + step);
            assertEquals(javaExpected, adam.takes(), "Java Adam taken at step " + step);
            UpdaterStep.apply(ours, oursStep.gradientViews(), ROWS, 0.0, adam);
            UpdaterStep.apply(theirs, theirsStep.gradientViews(), ROWS, 0.0, null);
            assertClose(theirs.getFlattenedGradients(), ours.getFlattenedGradients(), tolerance, "update of step " + step);
            assertClose(theirs.params(), ours.params(), tolerance, "parameters after step " + step);
        }
        if (theirs.getUpdater().getStateViewArray() != null) {
            assertClose(theirs.getUpdater().getStateViewArray(), ours.getUpdater().getStateViewArray(), tolerance, "updater state");
        }
        assertEquals(theirs.getIterationCount(), ours.getIterationCount());
    }

    @Test
    void doubleStepsEqualDl4jsAdam() {
        stepsEqualDl4jsUpdater(builder(DataType.DOUBLE, new Adam(0.05)), DataType.DOUBLE, ADAM_STEPS, true, g -> { });
    }

    @Test
    void floatStepsEqualDl4jsAdam() {
        stepsEqualDl4jsUpdater(builder(DataType.FLOAT, new Adam(0.05)), DataType.FLOAT, FLOAT_ADAM_STEPS, true, g -> { });
    }

    @Test
    void learningRateSchedulesAndNewRatesAreFollowed() {
        Adam scheduled = Adam.builder().learningRateSchedule(new ExponentialSchedule(ScheduleType.ITERATION, 0.05, 0.7))
                .beta1(0.8).beta2(0.99).epsilon(1e-6).build();
        stepsEqualDl4jsUpdater(builder(DataType.DOUBLE, scheduled), DataType.DOUBLE, ADAM_STEPS, true, g -> { });
        stepsEqualDl4jsUpdater(builder(DataType.DOUBLE, new Adam(0.05)), DataType.DOUBLE, ADAM_STEPS, true,
                g -> g.setLearningRate(0.01));
    }

    @Test
    void otherUpdatersRegularizationAndLargeGraphsStayWithDl4j() {
        stepsEqualDl4jsUpdater(builder(DataType.DOUBLE, new Sgd(0.1)), DataType.DOUBLE, ADAM_STEPS, false, g -> { });
        stepsEqualDl4jsUpdater(builder(DataType.DOUBLE, new Adam(0.05)).l2(1e-2), DataType.DOUBLE, ADAM_STEPS, false, g -> { });
        ComputationGraph large = MultiTaskGraphBuilder.forInputs(100).sharedLayers(100).updater(new Adam(0.01))
                .task(Task.regression("y", 1)).build().graph();
        assertTrue(large.numParams() > HostAdam.MAX_PARAMETERS);
        assertFalse(new HostAdam(large).takes());
    }
}
