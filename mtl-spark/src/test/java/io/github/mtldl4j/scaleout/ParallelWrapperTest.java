package io.github.mtldl4j.scaleout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.spark.DistributedTabularTraining;
import io.github.mtldl4j.spark.Penguins;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ParallelWrapper with 2 workers on the CPU: correctness against a single-machine run, not speed. */
class ParallelWrapperTest {
    /** As in SparkTrainingTest: 69 validation rows; averaging is not the sequential optimization path. */
    private static final double ACCURACY_TOLERANCE = 0.06;
    private static final double R2_TOLERANCE = 0.06;

    @Test
    void twoWorkersTrainAndMatchSingleMachine() {
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), 12);
        TabularTraining.Result single = TabularTraining.train(Penguins.table(), null, settings, TabularTraining.Hooks.none());
        TabularTraining.Result workers = DistributedTabularTraining.train(Penguins.table(), null, settings,
                new DistributedTabularTraining.OnWorkers(2, 1), null);

        List<EpochReport> epochs = workers.history().epochs();
        assertEquals(12, epochs.size());
        for (String task : List.of("species", "sex", "mass")) {
            assertTrue(epochs.get(11).task(task).trainLoss() < 0.8 * epochs.get(0).task(task).trainLoss(),
                    task + " training loss decreases: " + epochs.get(0).task(task) + " -> " + epochs.get(11).task(task));
        }
        Map<String, TaskMetrics> one = single.metrics();
        Map<String, TaskMetrics> two = workers.metrics();
        assertTrue(two.get("species").get("accuracy") > 0.9 && two.get("mass").get("r2") > 0.6, two.toString());
        assertEquals(one.get("species").get("accuracy"), two.get("species").get("accuracy"), ACCURACY_TOLERANCE, "species accuracy");
        assertEquals(one.get("sex").get("accuracy"), two.get("sex").get("accuracy"), ACCURACY_TOLERANCE, "sex accuracy");
        assertEquals(one.get("mass").get("r2"), two.get("mass").get("r2"), R2_TOLERANCE, "mass R2");
    }

    @Test
    void defaultSettingsTrainWithFixedWeightsWhichParameterAveragingTakes() {
        // mtl train's default for hard sharing is uncertainty weighting, which updates its weights every step: with
        // ParallelWrapper it was refused, so the library's defaults could not train data-parallel at all.
        TabularTraining.Settings defaults = TabularTraining.Settings.builder(Penguins.tasks()).shared(List.of(8)).epochs(1)
                .seed(7).build();
        assertEquals("uncertainty", defaults.method());
        TabularTraining.Result workers = DistributedTabularTraining.train(Penguins.table(), null, defaults,
                new DistributedTabularTraining.OnWorkers(2, 1), null);
        for (String task : List.of("species", "sex", "mass")) {
            assertEquals(1.0, workers.history().epochs().get(0).task(task).weight(), task + ": fixed weight 1");
        }
    }
}
