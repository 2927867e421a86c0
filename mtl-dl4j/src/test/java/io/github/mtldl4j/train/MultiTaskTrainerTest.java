package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.GradientMatrixAggregator;
import io.github.mtldl4j.gradient.SumAggregator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.RandomLossWeighting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

class MultiTaskTrainerTest {
    private static final List<Task> TASKS = List.of(
            Task.regression("price", 2).withHead(3), Task.binary("churn"), Task.multiclass("segment", 3));
    private static final int INPUTS = 4;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 5).activation(Activation.TANH).l2(1e-3)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(3).tasks(TASKS.toArray(Task[]::new));
    }

    /** Equal weights as an aggregator: coefficients all 1 (written here, independent of the library's own). */
    private static final GradientAggregator ALL_ONES = new GradientAggregator() {
        @Override
        public String name() {
            return "ones";
        }

        @Override
        public double[] coefficients(double[][] gram, Random random) {
            double[] ones = new double[gram.length];
            Arrays.fill(ones, 1.0);
            return ones;
        }
    };

    /** Equal weights through the gradient-matrix hook: the rows' plain sum (written here, independent of the library's). */
    private static final GradientMatrixAggregator ROW_SUM = new GradientMatrixAggregator() {
        @Override
        public String name() {
            return "row-sum";
        }

        @Override
        public INDArray combine(INDArray shared, double[] losses, double[] headScales, Random random) {
            return shared.sum(0);
        }
    };

    private static InMemoryMultiDataSetIterator fiveBatches() {
        return new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 40, 8), 8);
    }

    /** The plain DL4J side of the comparisons with the trainer: five fit steps, from perturbed parameters if asked. */
    private static ComputationGraph plainFit() {
        ComputationGraph plain = builder().build().graph();
        perturbOneSide(plain.params());
        for (MultiDataSet batch : fiveBatches().toList()) {
            plain.fit(batch);
        }
        return plain;
    }

    @Test
    void sumAggregatorThroughTheTrainerMatchesPlainFit() {
        MultiTaskModel trained = builder().build();
        ComputationGraph plain = plainFit();
        MultiTaskTrainer.builder(trained).epochs(1).aggregator(new SumAggregator()).build().fit(fiveBatches());
        // The trainer's direct steps against fit: the same sums in another order, then five Adam steps.
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters");
    }

    @Test
    void perTaskGradientPathWithEqualCoefficientsMatchesPlainFit() {
        MultiTaskModel trained = builder().build();
        ComputationGraph plain = plainFit();
        MultiTaskTrainer.builder(trained).epochs(1).aggregator(ALL_ONES).build().fit(fiveBatches());
        // Per-task gradients summed against one pass, then five Adam steps.
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters");
        assertEquals(5, trained.graph().getIterationCount());
        assertClose(plain.getUpdater().getStateViewArray(), trained.graph().getUpdater().getStateViewArray(), ADAM_STEPS,
                "updater state");
    }

    /** The hook for methods that read the gradients (DB-MTL, MoCo, ExcessMTL) scales rows and heads as the sum does. */
    @Test
    void gradientMatrixHookWithThePlainSumMatchesPlainFit() {
        MultiTaskModel trained = builder().build();
        ComputationGraph plain = plainFit();
        MultiTaskTrainer.builder(trained).epochs(1).aggregator(ROW_SUM).build().fit(fiveBatches());
        // Per-task gradients, divided by the batch size and multiplied back, summed against one pass; five Adam steps.
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters");
    }

    @Test
    void fastPathMatchesPlainFit() {
        MultiTaskModel trained = builder().build();
        ComputationGraph plain = plainFit();
        MultiTaskTrainer.builder(trained).epochs(1).build().fit(fiveBatches());
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters");
    }

    /** 8 rows; segment labelled in rows 0 and 5 only (25 %). */
    private static MultiDataSet quarterCoverage() {
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 8, 12);
        INDArray mask = Nd4j.zeros(DataType.DOUBLE, 8, 1);
        mask.putScalar(0, 0, 1);
        mask.putScalar(5, 0, 1);
        data.setLabelsMaskArray(new INDArray[] {null, null, mask});
        return data;
    }

    private static MultiDataSet labelledRowsOnly(MultiDataSet data) {
        int[] rows = {0, 5};
        INDArray[] labels = Arrays.stream(data.getLabels()).map(l -> l.getRows(rows)).toArray(INDArray[]::new);
        return new MultiDataSet(new INDArray[] {data.getFeatures(0).getRows(rows)}, labels);
    }

    @Test
    void quarterCoverageTaskTrainsLikeItsLabelledRowsAlone() {
        // Only segment counts (the others weigh 0), plain SGD: one step on 8 rows with 2 labelled must equal one
        // step of plain DL4J on just those 2 rows.
        Map<String, Double> onlySegment = Map.of("price", 0.0, "churn", 0.0, "segment", 1.0);
        MultiTaskModel trained = builder().updater(new Sgd(0.5)).l2(0).build();
        MultiTaskModel reference = builder().updater(new Sgd(0.5)).l2(0).build();
        perturbOneSide(reference.graph().params());
        MultiTaskModel uncorrected = builder().updater(new Sgd(0.5)).l2(0).build();
        reference.weights().setAll(onlySegment);
        uncorrected.weights().setAll(onlySegment);
        MultiDataSet data = quarterCoverage();
        double expectedLoss = reference.losses(labelledRowsOnly(data)).unweighted().get("segment");

        TrainingHistory history = MultiTaskTrainer.builder(trained).epochs(1).weighting(new FixedWeighting(onlySegment))
                .build().fit(new InMemoryMultiDataSetIterator(data, 8));
        reference.graph().fit(labelledRowsOnly(data));
        uncorrected.graph().fit(data);

        // One plain SGD step: linear in the gradient, so the one-pass tolerance.
        assertClose(expectedLoss, history.epochs().get(0).task("segment").trainLoss(), REORDERED, "segment loss");
        assertClose(reference.graph().params(), trained.graph().params(), REORDERED, "parameters");
        // Plain DL4J divides by all 8 rows: its step is different, which is what the correction is for.
        assertTrue(uncorrected.graph().params().sub(trained.graph().params()).amaxNumber().doubleValue() > 1e-6);
        assertEquals(Map.of("price", 1.0, "churn", 1.0, "segment", 1.0), trained.weights().asMap(),
                "the model's own weights are restored after training");
    }

    @Test
    void batchWithoutAnyLabelOfATaskSkipsThatTask() {
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 8, 12);
        data.setLabelsMaskArray(new INDArray[] {null, Nd4j.zeros(DataType.DOUBLE, 8, 1), null});
        MultiTaskModel model = builder().l2(0).build();
        INDArray churnBefore = model.graph().getParam("churn_W").dup();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(1).aggregator(ALL_ONES).build()
                .fit(new InMemoryMultiDataSetIterator(data, 8));
        assertTrue(Double.isNaN(history.epochs().get(0).task("churn").trainLoss()));
        assertTrue(Double.isFinite(history.epochs().get(0).task("price").trainLoss()));
        // No label, no gradient: Adam leaves churn's output layer exactly where it was (no l2 here).
        assertEquals(churnBefore, model.graph().getParam("churn_W"));
    }

    @Test
    void seededRunsGiveIdenticalHistoriesAndParameters() {
        TrainingHistory first = MultiTaskTrainer.builder(builder().build()).epochs(3).weighting(new RandomLossWeighting())
                .seed(5).build().fit(new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 40, 8), 8, 9L));
        MultiTaskModel secondModel = builder().build();
        TrainingHistory second = MultiTaskTrainer.builder(secondModel).epochs(3).weighting(new RandomLossWeighting())
                .seed(5).build().fit(new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 40, 8), 8, 9L));
        assertEquals(first.toCsv(), second.toCsv());
        TrainingHistory third = MultiTaskTrainer.builder(builder().build()).epochs(3).weighting(new RandomLossWeighting())
                .seed(6).build().fit(new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 40, 8), 8, 9L));
        assertNotEquals(first.toCsv(), third.toCsv(), "another seed draws other weights");
    }

    @Test
    void earlyStoppingKeepsTheBestEpochsParameters() {
        StoppingCriterion scripted = scripted(5, 3, 4, 4.5, 6, 7, 8);
        MultiTaskModel model = builder().build();
        List<INDArray> paramsAfterEpoch = new ArrayList<>();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(7).earlyStopping(2).criterion(scripted)
                .listener(report -> paramsAfterEpoch.add(model.graph().params().dup())).build().fit(fiveBatches());
        assertEquals(4, history.epochs().size(), "stops after two epochs without improving on epoch 2");
        assertEquals(2, history.bestEpoch().epoch());
        assertEquals(List.of(true, true, false, false), history.epochs().stream().map(EpochReport::best).toList());
        assertIdentical(paramsAfterEpoch.get(1), model.graph().params(), "the best epoch's parameters");
    }

    /** Criterion values scripted per epoch: epoch 2 is the best of four. */
    private static StoppingCriterion scriptedBestAtEpoch2() {
        return scripted(5, 3, 4, 4.5);
    }

    /** A criterion whose value in epoch e is {@code values[e - 1]}, lower is better. */
    private static StoppingCriterion scripted(double... values) {
        return new StoppingCriterion() {
            @Override
            public double value(List<EpochReport> history) {
                return values[history.size() - 1];
            }

            @Override
            public boolean minimize() {
                return true;
            }

            @Override
            public String describe() {
                return "scripted";
            }
        };
    }

    /** The graph's training state after each epoch: parameters, Adam state, iteration and epoch counters. */
    private record StateAfterEpoch(INDArray params, INDArray updater, int iterations, int epochs) {
        static StateAfterEpoch of(ComputationGraph graph) {
            return new StateAfterEpoch(graph.params().dup(), graph.getUpdater().getStateViewArray().dup(),
                    graph.getConfiguration().getIterationCount(), graph.getConfiguration().getEpochCount());
        }

        void assertHeldBy(ComputationGraph graph) {
            assertEquals(params, graph.params());
            assertEquals(updater, graph.getUpdater().getStateViewArray());
            assertEquals(iterations, graph.getConfiguration().getIterationCount());
            assertEquals(epochs, graph.getConfiguration().getEpochCount());
        }
    }

    @Test
    void withValidationDataTheBestEpochsStateIsKeptByDefaultAndKeepLastKeepsTheLast() {
        InMemoryMultiDataSetIterator valid = new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 16, 99), 16);
        MultiTaskModel model = builder().build();
        List<StateAfterEpoch> states = new ArrayList<>();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(4).criterion(scriptedBestAtEpoch2()).metrics(false)
                .listener(report -> states.add(StateAfterEpoch.of(model.graph()))).build().fit(fiveBatches(), valid);
        assertEquals(4, history.epochs().size(), "no early stopping");
        assertEquals(KeptParameters.BEST, history.kept());
        assertEquals(2, history.keptEpoch().orElseThrow().epoch());
        // Parameters, Adam's moments and the counters are epoch 2's: the saved model is that epoch's, also for more training.
        states.get(1).assertHeldBy(model.graph());
        assertEquals(2 * 5, model.graph().getConfiguration().getIterationCount(), "two epochs of five steps");
        assertEquals(history.epochs().get(1).task("price").validLoss(), MeanTaskLosses.of(model, valid).get("price"),
                "the history's validation loss of the kept epoch is the kept model's");

        MultiTaskModel last = builder().build();
        List<StateAfterEpoch> lastStates = new ArrayList<>();
        TrainingHistory lastHistory = MultiTaskTrainer.builder(last).epochs(4).criterion(scriptedBestAtEpoch2()).metrics(false)
                .keep(KeptParameters.LAST).listener(report -> lastStates.add(StateAfterEpoch.of(last.graph()))).build()
                .fit(fiveBatches(), valid);
        assertEquals(2, lastHistory.bestEpoch().epoch());
        assertEquals(4, lastHistory.keptEpoch().orElseThrow().epoch());
        lastStates.get(3).assertHeldBy(last.graph());
        assertEquals(states.get(3).params(), last.graph().params(), "the same run up to the choice of what is kept");
    }

    @Test
    void withoutValidationDataOrEarlyStoppingTheLastEpochIsKeptByDefault() {
        MultiTaskModel model = builder().build();
        List<StateAfterEpoch> states = new ArrayList<>();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(4).criterion(scriptedBestAtEpoch2()).metrics(false)
                .listener(report -> states.add(StateAfterEpoch.of(model.graph()))).build().fit(fiveBatches());
        assertEquals(KeptParameters.LAST, history.kept());
        assertEquals(4, history.keptEpoch().orElseThrow().epoch());
        states.get(3).assertHeldBy(model.graph());

        MultiTaskModel best = builder().build();
        List<StateAfterEpoch> bestStates = new ArrayList<>();
        MultiTaskTrainer.builder(best).epochs(4).criterion(scriptedBestAtEpoch2()).metrics(false).keep(KeptParameters.BEST)
                .listener(report -> bestStates.add(StateAfterEpoch.of(best.graph()))).build().fit(fiveBatches());
        bestStates.get(1).assertHeldBy(best.graph());
    }

    @Test
    void reportsPerTaskLossesWeightsAndWritesCsv() throws Exception {
        MultiTaskModel model = builder().build();
        model.weights().set("churn", 0.5);
        List<EpochReport> heard = new ArrayList<>();
        MultiDataSet all = TestData.batch(TASKS, INPUTS, 40, 8);
        // The last epoch's parameters kept, so the model after fit is the one the last report describes.
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(2).keep(KeptParameters.LAST).listener(heard::add).build()
                .fit(new InMemoryMultiDataSetIterator(all, 8), new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 16, 99), 16));
        assertEquals(2, heard.size());
        EpochReport last = heard.get(1);
        assertEquals(0.5, last.task("churn").weight());
        // Validation loss is the model's own loss on the validation rows with the final parameters.
        double expected = model.losses(TestData.batch(TASKS, INPUTS, 16, 99)).unweighted().get("segment");
        assertIdentical(expected, last.task("segment").validLoss(), "validation loss");
        Path csv = dir.resolve("history.csv");
        history.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("epoch,price_train_loss,price_valid_loss,price_weight,price_rmse,"
                + "churn_train_loss,churn_valid_loss,churn_weight,churn_auc,"
                + "segment_train_loss,segment_valid_loss,segment_weight,segment_accuracy", lines.get(0));
        assertEquals(3, lines.size());
        assertTrue(lines.get(2).startsWith("2,"), lines.get(2));
        assertThrows(IllegalArgumentException.class, () -> last.task("nope"));
        // Metrics are the evaluation of the final model on the validation rows.
        double accuracy = io.github.mtldl4j.eval.MultiTaskEvaluation.evaluate(model,
                new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 16, 99), 16)).task("segment").get("accuracy");
        assertEquals(accuracy, last.task("segment").metrics().get("accuracy"));
        assertTrue(lines.get(2).endsWith("," + accuracy), lines.get(2));
    }

    @Test
    void metricCriterionFollowsTheMetricsDirection() {
        StoppingCriterion accuracy = StoppingCriterion.metric("segment", "accuracy");
        StoppingCriterion rmse = StoppingCriterion.metric("price", "rmse");
        assertTrue(!accuracy.minimize() && rmse.minimize());
        TrainingHistory history = MultiTaskTrainer.builder(builder().build()).epochs(2).criterion(accuracy).build().fit(fiveBatches());
        assertEquals(history.epochs().get(1).task("segment").metrics().get("accuracy"), history.epochs().get(1).criterion());
        assertThrows(IllegalArgumentException.class, () -> StoppingCriterion.metric("segment", "precision"));
    }

    @Test
    void gradNormNeedsASharedLayer() {
        MultiTaskModel towers = builder().independentTowers().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultiTaskTrainer.builder(towers).weighting(new GradNorm()).build().fit(fiveBatches()));
        assertTrue(e.getMessage().contains("no shared layer"), e.getMessage());
    }

    @Test
    void gradNormTrainsAndReportsChangingWeightsThatSumToTheTaskCount() {
        MultiTaskModel model = builder().build();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(3).weighting(new GradNorm()).build().fit(fiveBatches());
        EpochReport last = history.epochs().get(2);
        double sum = last.tasks().values().stream().mapToDouble(TaskEpochStats::weight).sum();
        assertEquals(3.0, sum, 1e-9);
        assertNotEquals(1.0, last.task("price").weight());
    }
}
