package io.github.mtldl4j.spark;

import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.scaleout.EpochwiseTrainer;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.TrainingHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Training on Spark in local mode ({@code local[2]}: two executor threads, two partitions) against a single-machine run. */
class SparkTrainingTest {
    /**
     * How far the distributed run's validation metrics may be from the single-machine run's with the same settings (69
     * validation rows: one row is 0.0145 of accuracy). Parameter averaging every 5 minibatches per worker is not the same
     * optimization path as sequential steps, so equality is not expected; both runs must also be good (below).
     */
    private static final double ACCURACY_TOLERANCE = 0.06;
    private static final double AUC_TOLERANCE = 0.06;
    private static final double R2_TOLERANCE = 0.06;
    private static final int EPOCHS = 20;

    private static JavaSparkContext spark;

    @BeforeAll
    static void startSpark() {
        spark = new JavaSparkContext(DistributedTabularTraining.conf("local[2]"));
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void sparkRunMatchesSingleMachineAndItsModelLoadsAndPredicts(@TempDir Path dir) throws Exception {
        TabularTraining.Settings settings = Penguins.settings("fixed", Map.of(), EPOCHS);
        TabularTraining.Result single = TabularTraining.train(Penguins.table(), null, settings, TabularTraining.Hooks.none());
        TabularTraining.Result distributed = DistributedTabularTraining.train(spark, Penguins.table(), null, settings, 5, null);

        Map<String, TaskMetrics> one = single.metrics();
        Map<String, TaskMetrics> many = distributed.metrics();
        for (String task : List.of("species", "sex", "mass")) {
            assertEquals(one.get(task).count(), many.get(task).count(), task + ": the same validation rows");
        }
        assertTrue(one.get("species").get("accuracy") > 0.9 && many.get("species").get("accuracy") > 0.9, many.toString());
        assertTrue(one.get("mass").get("r2") > 0.6 && many.get("mass").get("r2") > 0.6, many.toString());
        assertEquals(one.get("species").get("accuracy"), many.get("species").get("accuracy"), ACCURACY_TOLERANCE, "species accuracy");
        assertEquals(one.get("sex").get("accuracy"), many.get("sex").get("accuracy"), ACCURACY_TOLERANCE, "sex accuracy");
        assertEquals(one.get("sex").get("auc"), many.get("sex").get("auc"), AUC_TOLERANCE, "sex AUC");
        assertEquals(one.get("mass").get("r2"), many.get("mass").get("r2"), R2_TOLERANCE, "mass R2");
        assertEquals(EPOCHS, distributed.history().epochs().size());

        Path file = dir.resolve("model.zip");
        distributed.model().save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        INDArray features = distributed.encodedValidation().getFeatures(0);
        Map<String, INDArray> before = distributed.model().predict(features);
        Map<String, INDArray> after = loaded.predict(features);
        assertIdentical(before, after, "predictions after loading");
        // The metrics computed on the executors equal the driver's evaluation of the loaded model (with its stored preprocessing),
        // up to float rounding: the same FLOAT predictions in other batches.
        TabularPreprocessor preprocessing = TabularTraining.preprocessorOf(loaded, file.toString());
        Map<String, TaskMetrics> driver = TabularTraining.evaluate(loaded, preprocessing, distributed.encodedValidation());
        for (String task : List.of("species", "sex", "mass")) {
            driver.get(task).metrics().forEach((metric, value) ->
                    assertClose(value, many.get(task).get(metric), FLOAT_REORDERED, task + " " + metric + ": executors vs driver"));
        }
    }

    @Test
    void weightsSetOnTheDriverReachTheWorkers(@TempDir Path dir) throws Exception {
        Path csv = Files.writeString(dir.resolve("penguins.csv"), Penguins.text());
        SparkTabularData.Rows rows = SparkTabularData.read(spark, csv.toString());
        assertEquals(List.of("species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"), rows.header());
        assertEquals(344, rows.lines().count(), "every data row, header dropped");
        TabularPreprocessor preprocessor = SparkTabularData.fitOnSample(rows, Penguins.tasks(), null, Set.of(), 1000, 1);
        JavaRDD<MultiDataSet> data = SparkTabularData.encode(rows, preprocessor, 32).persist(StorageLevel.MEMORY_ONLY());
        assertEquals(344L, data.map(batch -> batch.getFeatures(0).size(0)).reduce(Long::sum));

        MultiTaskModel model = TabularTraining.build(preprocessor, Penguins.settings("fixed", Map.of("mass", 0.0), 2));
        INDArray massHead = model.graph().getOutputLayer(2).params().dup();
        INDArray speciesHead = model.graph().getOutputLayer(0).params().dup();
        TrainingHistory history = EpochwiseTrainer.builder(model, new SparkBackend(spark, data, data, 32, 32, 2)).epochs(2).build().fit();

        // Weight 0 gives the mass head a zero gradient, and Adam a zero step, only if the workers train with the driver's weights.
        assertEquals(0.0, model.graph().getOutputLayer(2).params().sub(massHead).amaxNumber().doubleValue(), 0.0, "mass head unchanged");
        assertNotEquals(0.0, model.graph().getOutputLayer(0).params().sub(speciesHead).amaxNumber().doubleValue(), "species head trained");
        assertEquals(Map.of("species", 1.0, "sex", 1.0, "mass", 0.0), model.weights().asMap(), "the user's weights are back after training");
        assertEquals(0.0, history.epochs().get(1).task("mass").weight());
        assertTrue(history.epochs().get(1).task("species").trainLoss() < history.epochs().get(0).task("species").trainLoss(), "species learns");
        data.unpersist();
    }

    @Test
    void dwaWeightsFollowTheEpochLossesComputedOnTheExecutors() {
        TrainingHistory history = DistributedTabularTraining.train(spark, Penguins.table(), null, Penguins.settings("dwa", Map.of(), 4), 5, null)
                .history();
        List<EpochReport> epochs = history.epochs();
        List<String> tasks = List.of("species", "sex", "mass");
        for (int e = 0; e < 2; e++) {
            for (String task : tasks) {
                assertEquals(1.0, epochs.get(e).task(task).weight(), 0.0, "DWA starts with weight 1, epoch " + (e + 1));
            }
        }
        for (int e = 2; e < 4; e++) {
            // Liu et al. 2019: w_t = K exp(r_t / 2) / sum_i exp(r_i / 2), r_t = L_t(e-1) / L_t(e-2), mean training losses.
            double[] ratio = new double[3];
            double sum = 0;
            for (int t = 0; t < 3; t++) {
                ratio[t] = epochs.get(e - 1).task(tasks.get(t)).trainLoss() / epochs.get(e - 2).task(tasks.get(t)).trainLoss();
                sum += Math.exp(ratio[t] / 2);
            }
            for (int t = 0; t < 3; t++) {
                assertClose(3 * Math.exp(ratio[t] / 2) / sum, epochs.get(e).task(tasks.get(t)).weight(), REORDERED,
                        tasks.get(t) + " weight, epoch " + (e + 1));
            }
        }
    }
}
