package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The direct step with dropout ({@code MultiTaskGraphBuilder.dropout}: DL4J's {@code Dropout} on every layer that reads
 * a trunk layer). It draws its masks as DL4J does (the same op on a mask of the same shape and order, layers in the same
 * order) from ND4J's generator, so with the generator seeded alike before each step both sides drop the same units and
 * are compared under the same tolerance policy as without dropout ({@link DirectStepChecks}): a wrong mask, order or
 * scaling shows as a difference of order 1. Gradient-checked with the masks held fixed (the generator reseeded before
 * every pass).
 */
class DirectTrainingStepDropoutTest {
    private static final int ROWS = 10;
    private static final int INPUTS = 6;

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU).updater(new Adam(0.01)).seed(7)
                .dataType(DataType.DOUBLE).sharedLayers(6, 5).dropout(0.4)
                .task(Task.regression("price", 2).withHead(4).withWeight(0.7))
                .task(Task.binary("churn").withHead(3).withWeight(1.3))
                .task(Task.multiclass("segment", 3).withHead(3));
    }

    /** Hard sharing; fused heads; a mixture of experts; cross-stitch; a cascade (every task with a head). */
    private static final Map<String, Supplier<MultiTaskModel>> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put("hard sharing", () -> builder().build());
        MODELS.put("fused heads", () -> builder().fusedHeads().build());
        MODELS.put("mmoe", () -> builder().sharing(MixtureOfExperts.mmoe(3, 5)).build());
        MODELS.put("cross-stitch", () -> builder().sharing(new CrossStitch()).build());
        MODELS.put("cascade", () -> builder().cascade("segment", "price").build());
    }

    @Test
    void dropoutGraphsAreTakenByTheDirectStep() {
        MODELS.forEach((name, models) -> assertNotNull(DirectTrainingStep.forLibraryGraph(models.get().graph()), name));
    }

    /** Dropout on an output layer (a task without a head reads the trunk) stays with fit. */
    @Test
    void dropoutOnAnOutputLayerFallsBackToFit() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6).dropout(0.4)
                .tasks(Task.regression("price", 2), Task.binary("churn").withHead(3)).build();
        java.util.Optional<String> reason = DirectTrainingStep.unsupportedReason(model.graph(),
                io.github.mtldl4j.graph.RepresentationTapVertex.class);
        assertTrue(reason.isPresent() && reason.get().contains("'price'") && reason.get().contains("output layer"),
                reason.toString());
    }

    @Test
    void stepsWithTheSameGeneratorStateEqualDl4jFit() {
        MODELS.forEach((name, models) -> DirectStepChecks.stepsEqualFit(models,
                step -> DirectStepChecks.batch(step, ROWS, INPUTS, step % 2 == 0), 4,
                step -> Nd4j.getRandom().setSeed(1000 + step), name));
    }

    @Test
    void gradientPassesAFiniteDifferenceCheckWithFixedMasks() {
        MultiTaskModel model = builder().activation(Activation.TANH).updater(new Sgd(0.1)).build();
        int checked = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> true, 3, () -> Nd4j.getRandom().setSeed(99), "dropout");
        assertTrue(checked > 40, checked + " parameters checked");
    }
}
