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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Gradient sharing ({@code SharedTrainingMaster}) in {@code local[2]}: every task learns. Off by default: in one
 * full-suite run DL4J's {@code SharedTrainingWrapper} hung (an executor thread waiting forever in
 * {@code BlockingObserver.waitTillDone}, no CPU used) after passing alone three times, so it is not safe in CI. Run it
 * with {@code mvn -B -pl mtl-spark -am test -Dtest=SharedTrainingTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dmtl.test.gradientSharing=true}; the timeout turns a hang into a failure.
 */
@EnabledIfSystemProperty(named = "mtl.test.gradientSharing", matches = "true",
        disabledReason = "DL4J's gradient sharing can hang in local mode; run with -Dmtl.test.gradientSharing=true")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SharedTrainingTest {
    /**
     * Gradient sharing is asynchronous and sends only the updates above a threshold (the rest waits as a residual), so
     * it converges more slowly than one machine, by an amount that depends on the scheduling: on an idle 2-core AMD
     * EPYC, 8 epochs gave species accuracy 0.91-0.93, sex AUC 0.73-0.75 and mass R² about 0.7 in three runs, against
     * 1.00, 0.93 and 0.75 on one machine (under heavy load it came within 0.15 of one machine). So the test asks for
     * clear learning on every task, well above chance, not for closeness to one machine.
     */
    private static final double SPECIES_ACCURACY = 0.8;
    private static final double SEX_AUC = 0.6;
    private static final double MASS_R2 = 0.4;
    private static final int EPOCHS = 8;

    @Test
    void gradientSharingTrainsEveryPenguinsTask() {
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), EPOCHS);
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
        Map<String, TaskMetrics> many = shared.metrics();
        assertTrue(many.get("species").get("accuracy") > SPECIES_ACCURACY, "species accuracy (majority class 0.44): " + many);
        assertTrue(many.get("sex").get("auc") > SEX_AUC, "sex AUC (chance 0.5): " + many);
        assertTrue(many.get("mass").get("r2") > MASS_R2, "mass R² (mean: 0): " + many);
    }
}
