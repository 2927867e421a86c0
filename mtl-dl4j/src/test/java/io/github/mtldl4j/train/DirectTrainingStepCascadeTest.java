package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The direct step on cascades (a task's head reads another task's prediction: a merge vertex of its representation and
 * the source's {@code <task>_pred} layer, whose loss is a loss layer) against DL4J on an identical graph, in double
 * precision ({@link DirectStepChecks}), and by finite differences.
 */
class DirectTrainingStepCascadeTest {
    private static final int ROWS = 10;
    private static final int INPUTS = 6;

    /** churn <- price, segment <- price and churn; with a trunk, or with the merges reading the network input. */
    private static MultiTaskGraphBuilder builder(boolean trunk) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU)
                .updater(new Adam(0.01)).seed(7).dataType(DataType.DOUBLE)
                .task(Task.regression("price", 2).withHead(4).withWeight(0.7))
                .task(Task.binary("churn").withHead(3).withWeight(1.3))
                .task(Task.multiclass("segment", 3))
                .cascade("churn", "price").cascade("segment", "price").cascade("segment", "churn");
        return trunk ? builder.sharedLayers(5) : builder;
    }

    private static final Map<String, Supplier<MultiTaskModel>> MODELS = Map.of(
            "trunk", () -> builder(true).build(),
            "no trunk", () -> builder(false).build());

    @Test
    void cascadesAreTakenByTheDirectStep() {
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
        DirectStepChecks.perTaskPassesEqualTheGraphsOwn(MODELS.get("trunk"), DirectStepChecks.batch(8, ROWS, INPUTS, true),
                "trunk");
    }

    /** Every third parameter of every layer (the sources' prediction layers and the heads reading them included). */
    @Test
    void gradientPassesAFiniteDifferenceCheck() {
        MultiTaskModel model = builder(true).activation(Activation.TANH).updater(new Sgd(0.1)).build();
        int checked = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> true, 3, () -> { }, "cascade");
        assertTrue(checked > 40, checked + " parameters checked");
    }

    /** The trainer's default (direct steps) against the same run through {@code fit}: DWA, missing labels, 2 epochs. */
    @Test
    void trainerWithDirectStepsEqualsTrainerThroughFit() {
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = builder(true).build();
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
