package io.github.mtldl4j.testing;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.PERTURBATION;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.assertNonNegative;
import static io.github.mtldl4j.testing.NumericAssertions.relativeDifference;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.DirectTrainingStep;
import io.github.mtldl4j.train.MultiTaskTrainer;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.opentest4j.AssertionFailedError;

/** The comparisons of NumericAssertions, and the policy's margin shown on one perturbed pass and one perturbed run. */
class NumericAssertionsTest {
    private static final List<Task> TASKS = TestData.mixedTasks();

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void relativeDifferenceIsTheLargestDifferenceOverTheLargestMagnitude() {
        assertEquals(0.5 / 4, relativeDifference(new double[] {4, -1}, new double[] {3.5, -1}));
        // An element near zero is judged on the vector's scale, not its own.
        assertEquals(1e-20 / 2, relativeDifference(new double[] {2, 1e-20}, new double[] {2, 2e-20}));
        assertEquals(0.0, relativeDifference(new double[] {0, 0}, new double[] {0, -0.0}));
        assertEquals(0.0, relativeDifference(new double[] {Double.NaN, 1}, new double[] {Double.NaN, 1}), "NaN on both sides");
        assertTrue(Double.isNaN(relativeDifference(new double[] {Double.NaN, 1}, new double[] {0, 1})));
        assertEquals((1.001 - 1) / 1.001, relativeDifference(new double[] {1}, new double[] {1.001}));
        assertClose(Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(1.0, 2.0 + 1e-12), REORDERED, "close");
        assertThrows(AssertionFailedError.class,
                () -> assertClose(Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(1.0, 2.001), REORDERED, "far"));
        assertThrows(AssertionFailedError.class,
                () -> assertClose(Nd4j.createFromArray(1.0, 2.0), Nd4j.createFromArray(1.0, 2.0, 3.0), REORDERED, "shape"));
    }

    @Test
    void identicalMeansEveryBit() {
        assertIdentical(Nd4j.createFromArray(1.0, Double.NaN, 0.0), Nd4j.createFromArray(1.0, Double.NaN, -0.0), "same");
        assertThrows(AssertionFailedError.class, () -> assertIdentical(Nd4j.createFromArray(1.0, 2.0),
                Nd4j.createFromArray(1.0, Math.nextUp(2.0)), "one ulp"));
        assertThrows(AssertionFailedError.class, () -> assertIdentical(0.1 + 0.2, 0.3, "reordered"));
    }

    @Test
    void nonNegativeAllowsRoundingOnTheScaleOfTheCancellingTerms() {
        assertNonNegative(-1e-14, 1.0, REORDERED, "rounding");
        assertThrows(AssertionFailedError.class, () -> assertNonNegative(-1e-6, 1.0, REORDERED, "negative"));
    }

    @Test
    void perturbationMultipliesEachElementByOnePlusAtMostDelta() {
        INDArray values = Nd4j.createFromArray(new double[][] {{1, -2}, {3, 0}});
        INDArray original = values.dup();
        NumericAssertions.perturb(values.getRow(1), 1e-3, 7);
        assertEquals(original.getRow(0), values.getRow(0), "only the view is perturbed");
        double moved = Math.abs(values.getDouble(1, 0) / 3 - 1);
        assertTrue(moved > 0 && moved <= 1e-3, "relative change " + moved);
        assertEquals(0.0, values.getDouble(1, 1), "zero stays zero");
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(6, 5).activation(Activation.TANH).l2(1e-3)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(3).tasks(TASKS.toArray(Task[]::new));
    }

    /**
     * The margin of rule 2: the direct pass against DL4J's on parameters perturbed by {@link NumericAssertions#PERTURBATION}
     * (thousands of ulps, far more than any reordering) passes {@code REORDERED}, where the absolute 1e-12 this test
     * class replaced would not.
     */
    @Test
    void aPerturbedPassPassesTheRelativeCheckAndWouldFailTheOldAbsoluteOne() {
        MultiDataSet batch = TestData.batch(TASKS, 4, 16, 3);
        ComputationGraph graph = builder().fusedHeads().build().graph();
        DirectTrainingStep.of(graph).computeGradient(batch);
        INDArray direct = graph.getFlattenedGradients().dup();

        ComputationGraph reference = builder().fusedHeads().build().graph();
        NumericAssertions.perturb(reference.params(), PERTURBATION, 1);
        reference.setInputs(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        reference.computeGradientAndScore();
        INDArray dl4j = reference.getFlattenedGradients();

        double absolute = direct.sub(dl4j).amaxNumber().doubleValue();
        assertClose(dl4j, direct, REORDERED, "gradient from perturbed parameters");
        // Measured on an AMD EPYC: 4.9e-12 absolute, 7.7e-13 relative.
        assertTrue(absolute > 1e-12, "the old check, |a - b| <= 1e-12, would fail: " + absolute);
    }

    /**
     * The margin of rule 3: five Adam steps of the trainer's direct route against DL4J's fit from parameters perturbed by
     * {@link NumericAssertions#PERTURBATION} pass {@code ADAM_STEPS}; a single step of another size does not.
     */
    @Test
    void aPerturbedRunPassesTheAdamCheckAndAWrongStepFailsIt() {
        MultiTaskModel trained = builder().build();
        MultiTaskTrainer.builder(trained).epochs(1).metrics(false).build()
                .fit(new InMemoryMultiDataSetIterator(TestData.batch(TASKS, 4, 40, 8), 8));
        ComputationGraph plain = builder().build().graph();
        NumericAssertions.perturb(plain.params(), PERTURBATION, 1);
        for (MultiDataSet batch : new InMemoryMultiDataSetIterator(TestData.batch(TASKS, 4, 40, 8), 8).toList()) {
            plain.fit(batch);
        }
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters from perturbed parameters");

        INDArray wrong = trained.graph().params().dup();
        wrong.putScalar(0, wrong.getDouble(0) + 0.01 * 1e-2);
        assertThrows(AssertionFailedError.class, () -> assertClose(plain.params(), wrong, ADAM_STEPS, "a step 1% off"));
    }
}
