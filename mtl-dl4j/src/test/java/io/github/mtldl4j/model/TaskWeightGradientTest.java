package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** A weight w on one task multiplies that task's head gradient and its share of the trunk gradient by exactly w. */
class TaskWeightGradientTest {
    private static final List<Task> TASKS = List.of(
            Task.regression("price").withHead(3), Task.binary("churn").withHead(3), Task.multiclass("segment", 3));

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** Gradient per parameter key ("trunk_0_W", "churn_head_0_b", ...), copied. */
    private static Map<String, INDArray> gradients(ComputationGraph graph, MultiDataSet data) {
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.setLayerMaskArrays(null, data.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        Map<String, INDArray> copy = new HashMap<>();
        graph.gradient().gradientForVariable().forEach((key, value) -> copy.put(key, value.dup()));
        return copy;
    }

    @Test
    void weightScalesOwnHeadAndTrunkShareOnly() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new)).build();
        ComputationGraph graph = model.graph();
        MultiDataSet data = TestData.batch(TASKS, 4, 12, 21);

        Map<String, INDArray> allOnes = gradients(graph, data);
        // churn's gradient alone, by DL4J's own means: zero label masks on the other tasks.
        MultiDataSet churnOnly = new MultiDataSet(data.getFeatures(), data.getLabels(), null, new INDArray[] {
                Nd4j.zeros(DataType.DOUBLE, 12, 1), Nd4j.ones(DataType.DOUBLE, 12, 1), Nd4j.zeros(DataType.DOUBLE, 12, 1)});
        Map<String, INDArray> churnAlone = gradients(graph, churnOnly);

        double w = 3.0;
        model.weights().set("churn", w);
        Map<String, INDArray> weighted = gradients(graph, data);

        int checked = 0;
        for (String key : allOnes.keySet()) {
            INDArray expected;
            if (key.startsWith("churn")) {
                expected = allOnes.get(key).mul(w);
            } else if (key.startsWith("trunk")) {
                expected = allOnes.get(key).add(churnAlone.get(key).mul(w - 1));
            } else {
                expected = allOnes.get(key);
            }
            // The weight scales inside the loss; the expectation sums two passes: another order of the same arithmetic.
            assertClose(expected, weighted.get(key), REORDERED, key);
            checked++;
        }
        assertEquals(graph.paramTable().size(), checked);
        // The trunk really receives something from churn, so the trunk assertion is not vacuous.
        assertTrue(churnAlone.get("trunk_0_W").amaxNumber().doubleValue() > 1e-6);
    }
}
