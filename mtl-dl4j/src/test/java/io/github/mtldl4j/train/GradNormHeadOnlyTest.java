package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.GradNorm;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * GradNorm's head-only route (head passes down to the last shared layer, one trunk pass) gives the norms of the full
 * per-task gradients on the last shared layer's weights and the same combined gradient, in double: the same products
 * in another order ({@code REORDERED}); and GradNorm trains as through DL4J's own per-task passes ({@code ADAM_STEPS}).
 */
class GradNormHeadOnlyTest {
    private static final List<Task> TASKS = TestData.mixedTasks();
    private static final int INPUTS = 4;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model(Activation activation) {
        return model(activation, 0);
    }

    private static MultiTaskModel model(Activation activation, double dropout) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 5).activation(activation).l2(1e-3).dropout(dropout)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(3).tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** 40 rows; "segment" labelled in every third row only, "tags" in no row of the second batch of 8. */
    private static MultiDataSet maskedData() {
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 40, 21);
        INDArray segment = Nd4j.zeros(DataType.DOUBLE, 40, 1);
        INDArray tags = Nd4j.ones(DataType.DOUBLE, 40, 1);
        for (int r = 0; r < 40; r += 3) {
            segment.putScalar(r, 0, 1);
        }
        for (int r = 8; r < 16; r++) {
            tags.putScalar(r, 0, 0);
        }
        data.setLabelsMaskArray(new INDArray[] {null, null, segment, tags});
        return data;
    }

    /** Also with dropout (on the last shared layer's input and the output layers'), each route's masks drawn from one seed. */
    @Test
    void normsAndCombinedGradientEqualThoseOfTheFullPerTaskGradients() {
        for (String activation : List.of("RELU", "TANH", "TANH with dropout 0.3")) {
            MultiTaskModel model = model(Activation.valueOf(activation.split(" ")[0]), activation.contains("dropout") ? 0.3 : 0);
            MultiDataSet batch = maskedData();
            LabelCoverage coverage = LabelCoverage.of(batch);
            double[] w = {0.7, 2.0, 0.4, 1.3};
            TaskGradientEngine engine = new TaskGradientEngine(model, true);
            Nd4j.getRandom().setSeed(11);
            TaskGradientEngine.Combined headOnly = engine.combineWithSharedNorms(batch, coverage, w);
            assertNotNull(headOnly, activation + ": the head-only route should apply to hard sharing");
            INDArray combined = headOnly.gradient().dup();

            // The reference: every task's full gradient (K backward passes through heads and trunk), sliced by hand.
            Nd4j.getRandom().setSeed(11);
            TaskGradientEngine.Result full = engine.compute(batch, coverage, false);
            long[] last = engine.ranges().lastSharedWeights();
            double[] norms = new double[TASKS.size()];
            INDArray expectedCombined = Nd4j.zeros(DataType.DOUBLE, 1, full.gradients().columns());
            for (int t = 0; t < TASKS.size(); t++) {
                double squares = 0;
                for (long p = last[0]; p < last[1]; p++) {
                    double g = full.gradients().getDouble(t, p);
                    squares += g * g;
                }
                norms[t] = Math.sqrt(squares);
                expectedCombined.addi(full.gradients().getRow(t).mul(w[t]));
            }
            assertClose(norms, headOnly.sharedNorms(), REORDERED, activation + " norms");
            assertClose(full.losses(), headOnly.losses(), REORDERED, activation + " losses");
            assertClose(expectedCombined, combined.reshape(expectedCombined.shape()), REORDERED, activation + " combined gradient");
        }
    }

    @Test
    void fallsBackWhenALabelledTaskHasWeightZero() {
        MultiTaskModel model = model(Activation.RELU);
        MultiDataSet batch = maskedData();
        TaskGradientEngine engine = new TaskGradientEngine(model, true);
        assertNull(engine.combineWithSharedNorms(batch, LabelCoverage.of(batch), new double[] {1, 0, 1, 1}));
    }

    @Test
    void gradNormTrainsAsThroughDl4jsPerTaskPasses() {
        MultiTaskModel headOnly = model(Activation.RELU);
        MultiTaskModel reference = model(Activation.RELU);
        perturbOneSide(reference.graph().params());
        TrainingHistory fast = MultiTaskTrainer.builder(headOnly).epochs(2).metrics(false).weighting(new GradNorm())
                .build().fit(new InMemoryMultiDataSetIterator(maskedData(), 8));
        TrainingHistory slow = MultiTaskTrainer.builder(reference).epochs(2).metrics(false).weighting(new GradNorm())
                .directSteps(false).build().fit(new InMemoryMultiDataSetIterator(maskedData(), 8));
        assertEquals(10, headOnly.graph().getIterationCount());
        assertClose(reference.graph().params(), headOnly.graph().params(), ADAM_STEPS, "parameters");
        for (int e = 0; e < 2; e++) {
            for (Task task : TASKS) {
                String what = "epoch " + e + " " + task.name();
                assertClose(slow.epochs().get(e).task(task.name()).weight(), fast.epochs().get(e).task(task.name()).weight(),
                        ADAM_STEPS, what + " weight");
                assertClose(slow.epochs().get(e).task(task.name()).trainLoss(), fast.epochs().get(e).task(task.name()).trainLoss(),
                        ADAM_STEPS, what + " loss");
            }
        }
    }
}
