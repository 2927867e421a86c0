package io.github.mtldl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochReport;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Gradient sharing ({@code SharedTrainingMaster}) in {@code local[2]} against a single-machine run. */
class SharedTrainingTest {
    /**
     * Gradient sharing is asynchronous and sends only the updates above a threshold (the rest waits as a residual), so
     * after 3 epochs it is a step or two behind one machine: a loose tolerance on 69 validation rows, and both good.
     */
    private static final double TOLERANCE = 0.15;
    private static final int EPOCHS = 3;

    @Test
    void gradientSharingTrainsPenguinsCloseToOneMachine() {
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), EPOCHS);
        TabularTraining.Result single = TabularTraining.train(Penguins.table(), null, settings, TabularTraining.Hooks.none());
        TabularTraining.Result shared;
        try (JavaSparkContext spark = new JavaSparkContext(DistributedTabularTraining.conf("local[2]"))) {
            shared = DistributedTabularTraining.train(spark, Penguins.table(), null, settings,
                    new DistributedTabularTraining.OnSpark("local[2]", 5, DataParallelTraining.SparkTraining.GRADIENT_SHARING), null);
        }
        assertEquals(EPOCHS, shared.history().epochs().size());
        for (EpochReport epoch : shared.history().epochs()) {
            for (String task : List.of("species", "sex", "mass")) {
                assertTrue(Double.isFinite(epoch.task(task).trainLoss()) && Double.isFinite(epoch.task(task).validLoss()),
                        task + " losses, epoch " + epoch.epoch() + ": " + epoch);
            }
        }
        List<EpochReport> epochs = shared.history().epochs();
        assertTrue(epochs.get(EPOCHS - 1).task("species").trainLoss() < epochs.get(0).task("species").trainLoss(), "species learns");
        Map<String, TaskMetrics> one = single.metrics();
        Map<String, TaskMetrics> many = shared.metrics();
        assertTrue(many.get("species").get("accuracy") > 0.8, many.toString());
        assertEquals(one.get("species").get("accuracy"), many.get("species").get("accuracy"), TOLERANCE, "species accuracy");
        assertEquals(one.get("sex").get("auc"), many.get("sex").get("auc"), TOLERANCE, "sex AUC");
        assertEquals(one.get("mass").get("r2"), many.get("mass").get("r2"), TOLERANCE, "mass R2");
    }
}
