package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

class MultiTaskModelTest {
    private static final List<Task> TASKS = List.of(
            Task.regression("price", 2).withWeight(0.5), Task.binary("churn").withHead(3), Task.multiclass("segment", 3).withWeight(2));
    private static final double L2 = 0.01;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).activation(Activation.TANH).l2(L2).updater(new NoOp())
                .dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new)).build();
    }

    @Test
    void perTaskLossesMatchHandComputedFormulas() {
        MultiTaskModel model = model();
        MultiDataSet data = TestData.batch(TASKS, 4, 9, 11);
        Map<String, INDArray> predicted = model.predict(data.getFeatures(0));
        int n = 9;
        double mse = 0;
        double xent = 0;
        double mcxent = 0;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < 2; c++) {
                double d = data.getLabels(0).getDouble(r, c) - predicted.get("price").getDouble(r, c);
                mse += d * d / 2;
            }
            double y = data.getLabels(1).getDouble(r, 0);
            double p = predicted.get("churn").getDouble(r, 0);
            xent -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
            for (int c = 0; c < 3; c++) {
                mcxent -= data.getLabels(2).getDouble(r, c) * Math.log(predicted.get("segment").getDouble(r, c));
            }
        }
        double regularization = 0;
        for (String w : List.of("trunk_0_W", "churn_head_0_W", "price_W", "churn_W", "segment_W")) {
            INDArray weights = model.graph().getParam(w);
            regularization += 0.5 * L2 * weights.mul(weights).sumNumber().doubleValue();
        }

        TaskLosses losses = model.losses(data);
        // Hand-written sums against DL4J's: the same arithmetic in another order.
        assertClose(mse / n, losses.unweighted().get("price"), REORDERED, "price");
        assertClose(0.5 * mse / n, losses.weighted().get("price"), REORDERED, "weighted price");
        assertClose(xent / n, losses.unweighted().get("churn"), REORDERED, "churn");
        assertClose(mcxent / n, losses.unweighted().get("segment"), REORDERED, "segment");
        assertClose(2 * mcxent / n, losses.weighted().get("segment"), REORDERED, "weighted segment");
        assertClose(regularization, losses.regularization(), REORDERED, "regularization");
        assertClose(model.graph().score(data), losses.total(), REORDERED, "total");
    }

    @Test
    void lastLossesAfterAFitStepAddUpToTheGraphScore() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).updater(new Sgd(0.1)).l2(L2)
                .dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new)).build();
        model.fit(TestData.batch(TASKS, 4, 9, 1));
        TaskLosses losses = model.lastLosses();
        assertClose(model.graph().score(), losses.total(), REORDERED, "total");
        assertEquals(List.of("price", "churn", "segment"), List.copyOf(losses.weighted().keySet()));
        assertTrue(losses.regularization() > 0);
    }

    @Test
    void zeroWeightReportsNoUnweightedLoss() {
        MultiTaskModel model = model();
        model.weights().set("churn", 0.0);
        TaskLosses losses = model.losses(TestData.batch(TASKS, 4, 9, 11));
        assertEquals(0.0, losses.weighted().get("churn"));
        assertTrue(Double.isNaN(losses.unweighted().get("churn")));
    }

    @Test
    void weightsAreAddressedByNameAndValidated() {
        MultiTaskModel model = model();
        assertEquals(Map.of("price", 0.5, "churn", 1.0, "segment", 2.0), model.weights().asMap());
        model.weights().set("price", 0.75);
        assertEquals(0.75, model.weights().get("price"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> model.weights().set("prise", 1));
        assertTrue(unknown.getMessage().contains("'prise'") && unknown.getMessage().contains("[price, churn, segment]"),
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.weights().set("price", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> model.weights().setAll(Map.of("price", 1.0, "churn", -1.0)));
        assertEquals(0.75, model.weights().get("price"), "a rejected setAll changes nothing");
    }

    @Test
    void predictNamesOutputsByTaskAndChecksTheFeatureWidth() {
        MultiTaskModel model = model();
        Map<String, INDArray> out = model.predict(Nd4j.rand(DataType.DOUBLE, 6, 4));
        assertEquals(List.of("price", "churn", "segment"), List.copyOf(out.keySet()));
        assertEquals(List.of(6L, 2L), List.of(out.get("price").shape()[0], out.get("price").shape()[1]));
        assertClose(6.0, out.get("segment").sumNumber().doubleValue(), REORDERED, "softmax rows sum to 1");
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> model.predict(Nd4j.rand(DataType.DOUBLE, 6, 3)));
        assertTrue(wrong.getMessage().contains("[examples, 4]"), wrong.getMessage());
    }

    @Test
    void predictAfterScoringAMaskedBatchOfAnotherSize() {
        // DL4J keeps label masks on the output layers after scoring; predict must not apply them to other rows.
        MultiTaskModel model = model();
        MultiDataSet masked = TestData.batch(TASKS, 4, 8, 2);
        masked.setLabelsMaskArray(new INDArray[] {Nd4j.ones(DataType.DOUBLE, 8, 1), Nd4j.ones(DataType.DOUBLE, 8, 1),
                Nd4j.ones(DataType.DOUBLE, 8, 1)});
        model.losses(masked);
        INDArray rows = Nd4j.rand(DataType.DOUBLE, 5, 4);
        assertEquals(MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).activation(Activation.TANH).l2(L2).updater(new NoOp())
                .dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new)).build().predict(rows), model.predict(rows));
    }

    @Test
    void parameterCountsSplitSharedAndTaskParameters() {
        // trunk 4->5 with bias: 25. price: 5*2+2 = 12. churn: head 5*3+3 = 18, output 3+1 = 4. segment: 5*3+3 = 18.
        ParameterCounts hard = model().parameterCounts();
        assertEquals(25, hard.shared());
        assertEquals(Map.of("price", 12L, "churn", 22L, "segment", 18L), hard.perTask());
        assertEquals(77, hard.total());
        assertEquals(model().graph().numParams(), hard.total());

        ParameterCounts towers = MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).dataType(DataType.DOUBLE)
                .tasks(TASKS.toArray(Task[]::new)).independentTowers().build().parameterCounts();
        assertEquals(0, towers.shared());
        assertEquals(Map.of("price", 37L, "churn", 47L, "segment", 43L), towers.perTask());
        String table = ParameterCounts.compare("hard", hard, "independent", towers);
        assertTrue(table.contains("1.65x"), table);
    }
}
