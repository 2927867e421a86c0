package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import java.util.Map;
import java.util.function.Supplier;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The direct step on cross-stitch networks (per depth: the towers merged, a {@code CrossStitchLayer} mixing them with
 * its learned T x T matrix, each task's slice) against DL4J's {@code CrossStitchUnit} on an identical graph, in double
 * precision ({@link DirectStepChecks}), and by finite differences including the mixing parameters.
 */
class DirectTrainingStepCrossStitchTest {
    private static final int ROWS = 10;
    private static final int INPUTS = 6;

    /** Two stitched depths; with {@code offDiagonal} the initial mix is far from the identity (0.4 on the diagonal). */
    private static MultiTaskGraphBuilder builder(double selfWeight) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU).updater(new Adam(0.01)).seed(7)
                .dataType(DataType.DOUBLE).sharing(new CrossStitch(selfWeight)).sharedLayers(5, 4)
                .task(Task.regression("price", 2).withHead(4).withWeight(0.7))
                .task(Task.binary("churn").withHead(3).withWeight(1.3))
                .task(Task.multiclass("segment", 3));
    }

    private static final Map<String, Supplier<MultiTaskModel>> MODELS = Map.of(
            "paper's 0.9", () -> builder(0.9).build(),
            "0.4, a cascade", () -> builder(0.4).cascade("segment", "churn").build());

    @Test
    void crossStitchIsTakenByTheDirectStep() {
        MODELS.values().forEach(models -> assertNotNull(DirectTrainingStep.forLibraryGraph(models.get().graph())));
    }

    @Test
    void gradientAndScoresEqualDl4j() {
        MODELS.forEach((name, models) -> DirectStepChecks.gradientAndScoresEqualDl4j(models,
                DirectStepChecks.batch(11, ROWS, INPUTS, true), name));
    }

    @Test
    void stepsEqualDl4jFit() {
        MODELS.forEach((name, models) -> DirectStepChecks.stepsEqualFit(models,
                step -> DirectStepChecks.batch(step, ROWS, INPUTS, step % 2 == 0), 5, step -> { }, name));
    }

    @Test
    void perTaskPassesEqualTheGraphsOwn() {
        DirectStepChecks.perTaskPassesEqualTheGraphsOwn(MODELS.get("paper's 0.9"), DirectStepChecks.batch(8, ROWS, INPUTS, true),
                "cross-stitch");
    }

    /** The FLOAT loops (the tests above run DOUBLE): one pass against DL4J's, within FLOAT's reordering tolerance. */
    @Test
    void floatGradientEqualsDl4j() {
        MultiTaskModel direct = builder(0.6).dataType(DataType.FLOAT).build();
        MultiTaskModel reference = builder(0.6).dataType(DataType.FLOAT).build();
        org.nd4j.linalg.dataset.MultiDataSet batch = DirectStepChecks.batch(3, ROWS, INPUTS, true);
        double[] scores = DirectTrainingStep.of(direct.graph()).computeGradient(batch);
        ComputationGraph graph = reference.graph();
        graph.setInputs(batch.getFeatures(0).castTo(DataType.FLOAT));
        graph.setLabels(java.util.Arrays.stream(batch.getLabels()).map(l -> l.castTo(DataType.FLOAT)).toArray(INDArray[]::new));
        graph.setLayerMaskArrays(null, java.util.Arrays.stream(batch.getLabelsMaskArrays()).map(m -> m.castTo(DataType.FLOAT))
                .toArray(INDArray[]::new));
        graph.computeGradientAndScore();
        assertClose(DirectStepChecks.layerGradients(graph), DirectStepChecks.layerGradients(direct.graph()), FLOAT_REORDERED,
                "FLOAT gradient");
        for (int t = 0; t < scores.length; t++) {
            assertClose(graph.getOutputLayer(t).score(), scores[t], FLOAT_REORDERED, "FLOAT score " + t);
        }
    }

    /** Every mixing parameter and every second parameter of the towers. */
    @Test
    void gradientPassesAFiniteDifferenceCheck() {
        MultiTaskModel model = builder(0.6).activation(Activation.TANH).updater(new Sgd(0.1)).build();
        int stitches = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> name.startsWith("cross_stitch"), 1, () -> { }, "mixing parameters");
        assertTrue(stitches == 18, stitches + " mixing parameters checked");
        int towers = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> name.contains("tower"), 4, () -> { }, "towers");
        assertTrue(towers > 30, towers + " tower parameters checked");
    }

    /** The trainer's default (direct steps) against the same run through {@code fit}: DWA, missing labels, 2 epochs. */
    @Test
    void trainerWithDirectStepsEqualsTrainerThroughFit() {
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = builder(0.9).build();
            if (run == 1) {
                perturbOneSide(model.graph().params());
            }
            MultiTaskTrainer.builder(model).epochs(2).weighting(new DynamicWeightAverage()).directSteps(run == 0).build()
                    .fit(new InMemoryMultiDataSetIterator(DirectStepChecks.batch(21, ROWS, INPUTS, true), 4));
            params[run] = model.graph().params();
        }
        assertClose(params[1], params[0], ADAM_STEPS, "parameters");
    }
}
