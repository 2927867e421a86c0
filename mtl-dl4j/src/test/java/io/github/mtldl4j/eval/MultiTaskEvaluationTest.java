package io.github.mtldl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/** MultiTaskEvaluation equals one TaskEvaluator per task fed by hand with model.predict. */
class MultiTaskEvaluationTest {
    private static final List<Task> TASKS = TestData.mixedTasks();
    private static final int INPUTS = 4;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).activation(Activation.TANH).dataType(DataType.DOUBLE)
                .tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** Two batches; in the first, row 2 of churn and rows 0 and 4 of segment are masked and hold garbage. */
    private static List<MultiDataSet> batches() {
        org.nd4j.linalg.dataset.MultiDataSet first = TestData.batch(TASKS, INPUTS, 7, 1);
        INDArray churnMask = Nd4j.ones(DataType.DOUBLE, 7, 1);
        churnMask.putScalar(2, 0, 0.0);
        first.getLabels(1).putScalar(2, 0, 1e6);
        INDArray segmentMask = Nd4j.ones(DataType.DOUBLE, 7, 1);
        segmentMask.putScalar(0, 0, 0.0);
        segmentMask.putScalar(4, 0, 0.0);
        first.getLabels(2).getRow(4).assign(Double.NaN);
        first.setLabelsMaskArray(new INDArray[] {null, churnMask, segmentMask, null});
        return List.of(first, TestData.batch(TASKS, INPUTS, 5, 2));
    }

    @Test
    void matchesTaskEvaluatorsFedByHand() {
        MultiTaskModel model = model();
        List<MultiDataSet> data = batches();
        ListIterator iterator = new ListIterator(data);
        iterator.next(); // partly consumed: evaluate must reset it
        MultiTaskEvaluation result = MultiTaskEvaluation.evaluate(model, iterator);

        assertEquals(model.taskNames(), List.copyOf(result.tasks().keySet()));
        for (int t = 0; t < TASKS.size(); t++) {
            Task task = TASKS.get(t);
            TaskEvaluator byHand = new TaskEvaluator(task.type(), task.width());
            for (MultiDataSet batch : data) {
                INDArray prediction = model.predict(batch.getFeatures(0)).get(task.name());
                INDArray mask = batch.getLabelsMaskArrays() == null ? null : batch.getLabelsMaskArray(t);
                byHand.add(batch.getLabels(t), prediction, mask);
            }
            TaskMetrics metrics = result.task(task.name());
            assertEquals(task.type(), metrics.type());
            assertEquals(byHand.count(), metrics.count(), task.name());
            TaskEvaluatorTest.assertMetricsEqual(byHand.metrics(), metrics.metrics());
            assertEquals(metrics.get(TaskEvaluator.mainMetric(task.type())), metrics.main());
        }
        // Counts from the masks: 12 rows, churn misses one, segment two.
        assertEquals(Map.of("price", 12L, "churn", 11L, "segment", 10L, "tags", 12L),
                Map.of("price", result.task("price").count(), "churn", result.task("churn").count(),
                        "segment", result.task("segment").count(), "tags", result.task("tags").count()));
        assertEquals(result.task("price").metrics(), result.metricsByTask().get("price"));
    }

    @Test
    void mapsLabelsAndPredictionsToLabelUnitsBeforeMeasuring() {
        MultiTaskModel model = model();
        List<MultiDataSet> data = batches();
        double[] scale = {100, 3};
        double[] shift = {2000, -5};
        MultiTaskEvaluation mapped = MultiTaskEvaluation.evaluate(model, new ListIterator(data), (task, values) -> !task.equals("price")
                ? values : values.mulRowVector(Nd4j.createFromArray(scale)).addRowVector(Nd4j.createFromArray(shift)));
        MultiTaskEvaluation plain = MultiTaskEvaluation.evaluate(model, new ListIterator(data));
        // By hand: per price column k its RMSE and MAE over the 12 rows, times scale[k]; then the mean over the columns.
        double[] squares = new double[2];
        double[] absolutes = new double[2];
        int rows = 0;
        for (MultiDataSet batch : data) {
            INDArray predicted = model.predict(batch.getFeatures(0)).get("price");
            INDArray labels = batch.getLabels(0);
            for (int r = 0; r < labels.rows(); r++) {
                for (int k = 0; k < 2; k++) {
                    double error = scale[k] * (predicted.getDouble(r, k) - labels.getDouble(r, k));
                    squares[k] += error * error;
                    absolutes[k] += Math.abs(error);
                }
                rows++;
            }
        }
        double rmse = (Math.sqrt(squares[0] / rows) + Math.sqrt(squares[1] / rows)) / 2;
        double mae = (absolutes[0] / rows + absolutes[1] / rows) / 2;
        assertEquals(rmse, mapped.task("price").get("rmse"), 1e-9 * rmse);
        assertEquals(mae, mapped.task("price").get("mae"), 1e-9 * mae);
        assertEquals(plain.task("price").get("r2"), mapped.task("price").get("r2"), 1e-9, "R2 does not change with units");
        for (String task : List.of("churn", "segment", "tags")) {
            assertEquals(plain.task(task).metrics(), mapped.task(task).metrics(), task + " is not mapped");
        }
    }

    @Test
    void refusesBatchesThatDoNotFitTheModelNamingTaskAndBatch() {
        MultiTaskModel model = model();
        org.nd4j.linalg.dataset.MultiDataSet threeLabels = TestData.batch(TASKS.subList(0, 3), INPUTS, 4, 3);
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> MultiTaskEvaluation.evaluate(model, new ListIterator(List.of(threeLabels))));
        assertTrue(count.getMessage().contains("expected 4 label arrays") && count.getMessage().contains("received 3"), count.getMessage());

        org.nd4j.linalg.dataset.MultiDataSet badLabel = TestData.batch(TASKS, INPUTS, 4, 3);
        badLabel.getLabels(1).putScalar(3, 0, 0.5);
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> MultiTaskEvaluation.evaluate(model, new ListIterator(List.of(TestData.batch(TASKS, INPUTS, 4, 4), badLabel))));
        assertTrue(label.getMessage().startsWith("Task 'churn', batch 1") && label.getMessage().contains("row 3"), label.getMessage());

        MultiTaskEvaluation good = MultiTaskEvaluation.evaluate(model, new ListIterator(List.of(TestData.batch(TASKS, INPUTS, 4, 5))));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> good.task("x"));
        assertTrue(unknown.getMessage().contains("'x'") && unknown.getMessage().contains("churn"), unknown.getMessage());
    }

    /** A resettable iterator over fixed batches. */
    private static final class ListIterator implements MultiDataSetIterator {
        private final List<MultiDataSet> batches;
        private int position;

        ListIterator(List<MultiDataSet> batches) {
            this.batches = batches;
        }

        @Override
        public MultiDataSet next(int num) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            position = 0;
        }

        @Override
        public boolean hasNext() {
            return position < batches.size();
        }

        @Override
        public MultiDataSet next() {
            return batches.get(position++);
        }
    }
}
