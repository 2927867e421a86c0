package io.github.mtldl4j.tabular.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.train.EpochReport;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The batches losses and metrics are measured in ({@code TabularTraining.evaluationBatch}): bounded in rows and
 * feature values, and the same for the trainer's validation pass and the final measurement, so the kept epoch's
 * validation loss in the history is metrics.json's to the last bit.
 */
class EvaluationBatchTest {
    private static MultiDataSet rowsOfWidth(long rows, long width) {
        return new MultiDataSet(Nd4j.zeros(rows, width), Nd4j.zeros(rows, 1));
    }

    @Test
    void batchesHoldAtMost4096RowsAndAbout4MillionFeatureValuesButAtLeast256Rows() {
        assertEquals(4096, TabularTraining.evaluationBatch(rowsOfWidth(10, 20)));
        assertEquals(4096, TabularTraining.evaluationBatch(rowsOfWidth(10, 1024)));
        assertEquals(838, TabularTraining.evaluationBatch(rowsOfWidth(10, 5000)), "4,194,304 / 5,000 values");
        assertEquals(256, TabularTraining.evaluationBatch(rowsOfWidth(10, 100_000)));
    }

    @Test
    void theKeptEpochsValidationLossIsTheLossOfTheFinalMeasurement() {
        Random random = new Random(11);
        StringBuilder csv = new StringBuilder("x1,x2,level,flag\n");
        for (int r = 0; r < 1500; r++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            csv.append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%s%n", x1, x2, x1 * x2 + 0.3 * random.nextGaussian(),
                    x1 + x2 + random.nextGaussian() > 0 ? "1" : "0"));
        }
        // A training batch above 256 rows: before, the trainer measured validation rows in batches of it and the final
        // measurement in batches of 256, whose float sums could differ in the last bits.
        TabularTraining.Settings settings = TabularTraining.Settings.builder(List.of(TaskSpec.parse("level:regression:level"),
                TaskSpec.parse("flag:binary:flag"))).shared(List.of(16)).epochs(4).batch(300).build();
        TabularTraining.Result result = TabularTraining.train(CsvTable.parse(csv.toString(), "batches.csv"), settings, null);
        EpochReport kept = result.history().keptEpoch().orElseThrow();
        for (String task : List.of("level", "flag")) {
            assertEquals(kept.task(task).validLoss(), result.metrics().get(task).get("loss"), 0.0, task);
        }
    }
}
