package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.gradient.ImtlG;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.GeometricLossStrategy;
import io.github.mtldl4j.weighting.ImtlL;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The new loss weightings inside the trainer: a GLS step uses the weights of its own losses (checked against a plain
 * DL4J fit with those weights worked out from the losses at the step's parameters), and IMTL as published (Liu et al.,
 * ICLR 2021), IMTL-L's learned loss scales with IMTL-G's gradient balance on the scaled losses, as a loss weighting
 * plus an aggregator on one trainer.
 */
class StepLossTrainingWeightingTest {
    private static final List<Task> TASKS = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", 3));

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(6, 5).activation(Activation.TANH).updater(new Adam(0.02)).seed(3)
                .dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new)).build();
    }

    private static InMemoryMultiDataSetIterator data() {
        return new InMemoryMultiDataSetIterator(TestData.batch(TASKS, 4, 48, 1), 8, 11L);
    }

    /** One step on one batch, through the direct step: the same update as fit with w_t = GLS / (K L_t) set beforehand. */
    @Test
    void glsStepUsesTheWeightsOfItsOwnLosses() {
        MultiDataSet batch = TestData.batch(TASKS, 4, 16, 2);
        MultiTaskModel trained = model();
        MultiTaskModel reference = model();
        perturbOneSide(reference.graph().params());
        MultiTaskTrainer.builder(trained).epochs(1).seed(5).metrics(false).weighting(new GeometricLossStrategy()).build()
                .fit(new InMemoryMultiDataSetIterator(batch, 16), null);

        Map<String, Double> losses = MeanTaskLosses.of(reference, new InMemoryMultiDataSetIterator(batch, 16));
        double gls = Math.cbrt(losses.get("price") * losses.get("churn") * losses.get("segment"));
        LabelCoverage coverage = LabelCoverage.of(batch);
        for (int t = 0; t < TASKS.size(); t++) {
            String task = TASKS.get(t).name();
            reference.weights().set(task, gls / (3 * losses.get(task)) * coverage.factor(t));
        }
        reference.graph().fit(batch);
        // One Adam step; the direct step rescales its loss deltas instead of weighting the losses directly (reordered).
        assertClose(reference.graph().params(), trained.graph().params(), ADAM_STEPS, "parameters after one GLS step");
    }

    @Test
    void imtlLWeightsReachImtlG() {
        MultiTaskModel hybrid = model();
        ImtlL scales = new ImtlL();
        TrainingHistory history = MultiTaskTrainer.builder(hybrid).epochs(2).seed(5).weighting(scales).aggregator(new ImtlG())
                .build().fit(data(), null);
        MultiTaskModel gradientOnly = model();
        MultiTaskTrainer.builder(gradientOnly).epochs(2).seed(5).aggregator(new ImtlG()).build().fit(data(), null);

        for (Task task : TASKS) {
            double loss = history.epochs().get(1).task(task.name()).trainLoss();
            assertTrue(Double.isFinite(loss), task.name() + ": " + loss);
            // s moved from 0 along e^s L - 1: the reported mean weight e^s is no longer 1.
            assertNotEquals(0.0, scales.scales().get(task.name()), task.name());
            assertNotEquals(1.0, history.epochs().get(1).task(task.name()).weight(), task.name());
        }
        double[] a = hybrid.graph().params().toDoubleVector();
        double[] b = gradientOnly.graph().params().toDoubleVector();
        assertFalse(Arrays.equals(a, b), "the scaled losses change the step: IMTL-L's weights reach the aggregated update");
    }
}
