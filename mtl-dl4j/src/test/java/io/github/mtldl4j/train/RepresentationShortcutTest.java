package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.FRANK_WOLFE;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
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
 * MGDA-UB's short way (head passes to the representation, one trunk pass with the combined gradient) gives the same
 * training as the long way (K full backward passes and the combination of the K x P gradient rows), in double: the same
 * arithmetic in another order, so the first Gram matrix compares with {@code REORDERED}, MGDA-UB's coefficients and
 * everything trained with them with {@code FRANK_WOLFE} (NumericAssertions).
 */
class RepresentationShortcutTest {
    private static final List<Task> TASKS = TestData.mixedTasks();
    private static final int INPUTS = 4;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 5).activation(Activation.TANH).l2(1e-3)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(3).representationTap()
                .tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** 40 rows in batches of 8; "segment" labelled in every third row only, "tags" in no row of the second batch. */
    private static InMemoryMultiDataSetIterator maskedBatches() {
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
        return new InMemoryMultiDataSetIterator(data, 8);
    }

    /** Records every Gram matrix and coefficient vector of the wrapped aggregator. */
    private static final class Recording implements GradientAggregator {
        final GradientAggregator inner = MgdaUb.onRepresentation();
        final List<double[][]> grams = new ArrayList<>();
        final List<double[]> coefficients = new ArrayList<>();

        @Override
        public String name() {
            return "recording mgda";
        }

        @Override
        public double[] coefficients(double[][] gram, Random random) {
            double[] c = inner.coefficients(gram, random);
            grams.add(gram);
            coefficients.add(c);
            return c;
        }

        @Override
        public boolean usesRepresentationGradients() {
            return true;
        }
    }

    private static TrainingHistory train(MultiTaskModel model, Recording recording, boolean shortcut) {
        return MultiTaskTrainer.builder(model).epochs(2).metrics(false).aggregator(recording).representationShortcut(shortcut)
                .build().fit(maskedBatches());
    }

    @Test
    void shortWayTrainsLikeTheLongWay() {
        MultiTaskModel fast = model();
        MultiTaskModel slow = model();
        perturbOneSide(slow.graph().params());
        Recording fastRecord = new Recording();
        Recording slowRecord = new Recording();
        TrainingHistory fastHistory = train(fast, fastRecord, true);
        TrainingHistory slowHistory = train(slow, slowRecord, false);

        assertEquals(10, fastRecord.grams.size());
        for (int s = 0; s < 10; s++) {
            // Step 0 is one pass on equal parameters; later steps follow MGDA-UB's Adam steps.
            assertClose(flat(slowRecord.grams.get(s)), flat(fastRecord.grams.get(s)), s == 0 ? REORDERED : FRANK_WOLFE,
                    "step " + s + " Gram matrix");
            assertClose(slowRecord.coefficients.get(s), fastRecord.coefficients.get(s), FRANK_WOLFE, "step " + s + " coefficients");
        }
        assertClose(slow.graph().params(), fast.graph().params(), FRANK_WOLFE, "parameters");
        assertClose(slow.graph().getUpdater().getStateViewArray(), fast.graph().getUpdater().getStateViewArray(), FRANK_WOLFE,
                "updater state");
        assertEquals(10, fast.graph().getIterationCount());
        for (int e = 0; e < 2; e++) {
            for (Task task : TASKS) {
                assertClose(slowHistory.epochs().get(e).tasks().get(task.name()).trainLoss(),
                        fastHistory.epochs().get(e).tasks().get(task.name()).trainLoss(), FRANK_WOLFE, task.name());
            }
        }
    }

    private static double[] flat(double[][] matrix) {
        return java.util.Arrays.stream(matrix).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    @Test
    void shortWayIsTakenOnlyWhenEveryHeadReadsTheTrunkThroughTheTap() {
        MultiTaskModel model = model();
        assertTrue(model.graph().splitsAt(VertexNames.SHARED_REPRESENTATION));
        MultiTaskModel cascaded = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6).dataType(DataType.DOUBLE)
                .representationTap().tasks(Task.regression("a"), Task.regression("b")).cascade("b", "a").build();
        // b's head reads a's prediction: a's head is also part of b's, so heads are not disjoint.
        assertFalse(cascaded.graph().splitsAt(VertexNames.SHARED_REPRESENTATION));
        assertFalse(model.graph().splitsAt("no such vertex"));
    }
}
