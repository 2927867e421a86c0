package io.github.mtldl4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.TrainingHistory;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** Soft-label tasks train through the trainer, metrics on, and are scored against their targets made hard. */
class SoftLabelEvaluationTest {
    private static final Task CHURN = Task.binary("churn").withSoftLabels();
    private static final Task SEGMENT = Task.multiclass("segment", 3).withSoftLabels();

    @Test
    void softTargetsAreMadeHardForTheMetrics() {
        INDArray segment = Nd4j.create(new double[][] {{0.2, 0.5, 0.3}, {0.6, 0.2, 0.2}, {0.1, 0.1, 0.8}, {1 / 3.0, 1 / 3.0, 1 / 3.0}});
        assertArrayEquals(new double[] {0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0},
                MultiTaskEvaluation.hardened(SEGMENT, segment).reshape(12).toDoubleVector(), 0.0, "the most probable, the first of equals");
        INDArray churn = Nd4j.create(new double[][] {{0.5}, {0.49}, {0.9}, {0}});
        assertArrayEquals(new double[] {1, 0, 1, 0}, MultiTaskEvaluation.hardened(CHURN, churn).reshape(4).toDoubleVector(), 0.0);
        INDArray notFinite = Nd4j.create(new double[][] {{Double.NaN, 0.2, 0.3}});
        assertTrue(Double.isNaN(MultiTaskEvaluation.hardened(SEGMENT, notFinite).getDouble(0, 0)), "left for the evaluator to refuse");
    }

    @Test
    void theTrainersMetricsOfASoftTaskAreItsHardTargetsAccuracy() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).updater(new Adam(0.01)).seed(2)
                .tasks(CHURN, SEGMENT).build();
        int rows = 8;
        java.util.Random random = new java.util.Random(4);
        double[][] x = new double[rows][3];
        double[][] churn = new double[rows][1];
        double[][] segment = new double[rows][3];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 3; c++) {
                x[r][c] = random.nextGaussian();
            }
            churn[r][0] = random.nextDouble();
            double a = random.nextDouble();
            double b = random.nextDouble() * (1 - a);
            segment[r] = new double[] {a, b, 1 - a - b};
        }
        MultiDataSet data = new MultiDataSet(new INDArray[] {Nd4j.create(x).castTo(DataType.FLOAT)},
                new INDArray[] {Nd4j.create(churn).castTo(DataType.FLOAT), Nd4j.create(segment).castTo(DataType.FLOAT)});
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(1).build().fit(new InMemoryMultiDataSetIterator(data, 4));

        // By hand: accuracy against the thresholded / most probable target.
        INDArray churnP = model.predict(data.getFeatures(0)).get("churn");
        INDArray segmentP = model.predict(data.getFeatures(0)).get("segment");
        int churnRight = 0;
        int segmentRight = 0;
        for (int r = 0; r < rows; r++) {
            churnRight += (churn[r][0] >= 0.5) == (churnP.getDouble(r, 0) > 0.5) ? 1 : 0;
            segmentRight += argmax(segment[r]) == argmax(segmentP.getRow(r).toDoubleVector()) ? 1 : 0;
        }
        assertEquals(churnRight / (double) rows, history.epochs().get(0).task("churn").metrics().get("accuracy"), 1e-12);
        assertEquals(segmentRight / (double) rows, history.epochs().get(0).task("segment").metrics().get("accuracy"), 1e-12);

        INDArray[] hardLabels = {data.getLabels(0).dup(), data.getLabels(1).dup()};
        hardLabels[1].putScalar(0, 0, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> MultiTaskEvaluation.evaluate(model,
                new InMemoryMultiDataSetIterator(new MultiDataSet(data.getFeatures(), hardLabels), 4)), "NaN still refused");
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
