package io.github.mtldl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.task.TaskType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class MetricTest {

    @Test
    void directionsAreThoseOfTheDefinitions() {
        // Errors and losses fall as a model gets better; scores rise.
        for (String lower : List.of("rmse", "mae", "hamming_loss", "loss")) {
            assertTrue(Metric.of(lower).lowerIsBetter(), lower);
        }
        for (String higher : List.of("r2", "accuracy", "auc", "f1", "macro_f1", "micro_f1")) {
            assertFalse(Metric.of(higher).lowerIsBetter(), higher);
        }
    }

    @Test
    void deltaMComparesRatioScaleMetricsOnly() {
        // r2 can be 0 or negative and hamming_loss 0 for a perfect model: a relative change of them is undefined.
        assertEquals(List.of(Metric.RMSE, Metric.MAE), Metric.comparedByDeltaM(TaskType.REGRESSION));
        assertEquals(List.of(Metric.ACCURACY, Metric.AUC, Metric.F1), Metric.comparedByDeltaM(TaskType.BINARY));
        assertEquals(List.of(Metric.ACCURACY, Metric.MACRO_F1), Metric.comparedByDeltaM(TaskType.MULTICLASS));
        assertEquals(List.of(Metric.MICRO_F1, Metric.MACRO_F1), Metric.comparedByDeltaM(TaskType.MULTILABEL));
    }

    @Test
    void catalogueNamesWhatTheEvaluatorReports() {
        for (TaskType type : TaskType.values()) {
            int width = type == TaskType.BINARY ? 1 : 2;
            TaskEvaluator evaluator = new TaskEvaluator(type, width);
            double[][] labels = width == 1 ? new double[][] {{1}, {0}} : new double[][] {{1, 0}, {0, 1}};
            double[][] predictions = width == 1 ? new double[][] {{0.8}, {0.4}} : new double[][] {{0.8, 0.3}, {0.4, 0.6}};
            evaluator.add(Nd4j.createFromArray(labels), Nd4j.createFromArray(predictions), null);
            Map<String, Double> metrics = evaluator.metrics();
            assertEquals(Metric.of(type).stream().map(Metric::key).toList(), List.copyOf(metrics.keySet()), type.name());
            assertTrue(metrics.containsKey(Metric.main(type).key()), type.name());
        }
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metric.of("precision"));
        assertTrue(e.getMessage().contains("'precision'") && e.getMessage().contains("macro_f1"), e.getMessage());
    }
}
