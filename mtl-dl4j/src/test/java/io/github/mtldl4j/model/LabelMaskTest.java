package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** A row whose label is masked for a task contributes nothing to that task's loss and gradient. */
class LabelMaskTest {
    private static final List<Task> TASKS = List.of(Task.regression("price", 2), Task.multiclass("segment", 3).withWeight(0.5));
    private static final int ROWS = 8;
    private static final int MASKED_ROW = 3;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).activation(Activation.TANH).updater(new NoOp())
                .dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** The batch with garbage (finite) labels in row MASKED_ROW of both tasks and that row masked for segment only. */
    private static MultiDataSet withGarbage(double garbage) {
        MultiDataSet data = TestData.batch(TASKS, 4, ROWS, 5);
        INDArray segmentMask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        segmentMask.putScalar(MASKED_ROW, 0, 0.0);
        data.getLabels(1).getRow(MASKED_ROW).assign(garbage);
        data.setLabelsMaskArray(new INDArray[] {null, segmentMask});
        return data;
    }

    private static INDArray gradient(ComputationGraph graph, MultiDataSet data) {
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.setLayerMaskArrays(null, data.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        return graph.getFlattenedGradients().dup();
    }

    @Test
    void maskedGarbageLabelChangesNeitherLossNorGradient() {
        MultiTaskModel model = model();
        MultiDataSet a = withGarbage(0.0);
        MultiDataSet b = withGarbage(1e6);
        INDArray gradientA = gradient(model.graph(), a);
        double segmentA = model.lastLosses().weighted().get("segment");
        INDArray gradientB = gradient(model.graph(), b);
        double segmentB = model.lastLosses().weighted().get("segment");
        // The masked row contributes exactly zero either way.
        assertIdentical(segmentA, segmentB, "segment loss");
        assertIdentical(gradientA, gradientB, "gradient");

        // Reference by hand: the segment loss is the cross-entropy summed over the unmasked rows, divided by the
        // full batch (DL4J's convention), times the weight 0.5.
        INDArray probabilities = model.predict(a.getFeatures(0)).get("segment");
        double sum = 0;
        for (int r = 0; r < ROWS; r++) {
            if (r == MASKED_ROW) {
                continue;
            }
            for (int c = 0; c < 3; c++) {
                sum -= a.getLabels(1).getDouble(r, c) * Math.log(probabilities.getDouble(r, c));
            }
        }
        assertClose(0.5 * sum / ROWS, model.losses(a).weighted().get("segment"), REORDERED, "segment loss by hand");
    }

    @Test
    void anUnmaskedGarbageLabelDoesChangeTheGradient() {
        // Control for the test above: without the mask the same garbage must show.
        MultiTaskModel model = model();
        MultiDataSet a = withGarbage(0.0);
        MultiDataSet b = withGarbage(1e6);
        a.setLabelsMaskArray(null);
        b.setLabelsMaskArray(null);
        assertNotEquals(0.0, gradient(model.graph(), a).sub(gradient(model.graph(), b)).amaxNumber().doubleValue());
    }

    @Test
    void fullyMaskedTaskGivesItsHeadNoGradient() {
        MultiTaskModel model = model();
        MultiDataSet data = withGarbage(0.0);
        data.setLabelsMaskArray(new INDArray[] {null, Nd4j.zeros(DataType.DOUBLE, ROWS, 1)});
        gradient(model.graph(), data);
        assertEquals(0.0, model.graph().gradient().getGradientFor("segment_W").amaxNumber().doubleValue());
        assertEquals(0.0, model.graph().gradient().getGradientFor("segment_b").amaxNumber().doubleValue());
    }
}
