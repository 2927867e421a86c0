package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/** The shared epoch loop with a scripted step: no training, every figure chosen by the test. */
class EpochLoopTest {

    /** Loop settings as a trainer's builder would hold them. */
    private static final class Settings extends EpochLoop.Settings<Settings> {
        Settings(MultiTaskModel model) {
            super(model);
        }

        EpochLoop build() {
            return loop(StoppingCriterion.meanRelativeLoss(), task -> null);
        }
    }

    /**
     * Epoch e sets every parameter to e and the task weights to 9, trains to loss 1 for both tasks and, with
     * validation, evaluates to {@code valid[e - 1]} for both; records the calls in {@code log}.
     */
    private static class ScriptedStep implements EpochLoop.Step {
        private final MultiTaskModel model;
        private final double[] valid;
        final List<String> log = new ArrayList<>();
        private int epoch;

        ScriptedStep(MultiTaskModel model, double[] valid) {
            this.model = model;
            this.valid = valid;
        }

        @Override
        public EpochLoop.Updates update(int e) {
            epoch = e;
            log.add("update " + e);
            model.graph().params().assign(e);
            model.weights().set("a", 9.0).set("b", 9.0);
            return new EpochLoop.Updates(Map.of("a", 1.0, "b", 1.0), Map.of("a", 0.5, "b", 2.0));
        }

        @Override
        public EpochLoop.Evaluation evaluate() {
            log.add("evaluate " + epoch + " at epoch count " + model.graph().getEpochCount());
            return valid == null ? new EpochLoop.Evaluation(Map.of(), Map.of())
                    : new EpochLoop.Evaluation(Map.of("a", valid[epoch - 1], "b", valid[epoch - 1]), Map.of());
        }

        @Override
        public boolean validates() {
            return valid != null;
        }

        @Override
        public EpochReport complete(EpochReport report) {
            log.add("complete " + report.epoch() + " best " + report.best());
            return report;
        }
    }

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(2).sharedLayers(3).seed(1)
                .tasks(Task.regression("a", 1), Task.regression("b", 1)).build();
    }

    @Test
    void stopsAtPatienceAndPutsBackTheBestEpoch() {
        MultiTaskModel model = model();
        Map<String, Double> userWeights = model.weights().asMap();
        // Relative validation loss 1, 0.5, 0.75, 0.6, 0.9: epoch 2 is best; patience 2 stops after epoch 4.
        ScriptedStep step = new ScriptedStep(model, new double[] {4.0, 2.0, 3.0, 2.4, 3.6});
        List<String> heard = new ArrayList<>();
        TrainingHistory history = new Settings(model).epochs(5).earlyStopping(2)
                .listener(r -> heard.add("listener " + r.epoch() + " criterion " + r.criterion() + " best " + r.best()
                        + " parameter " + model.graph().params().getDouble(0)))
                .build().run(step, userWeights);

        assertEquals(4, history.epochs().size());
        assertEquals(List.of(1.0, 0.5, 0.75, 0.6), history.epochs().stream().map(EpochReport::criterion).toList());
        assertEquals(2, history.bestEpoch().epoch());
        assertEquals(KeptParameters.BEST, history.kept());
        assertEquals(2.0, model.graph().params().minNumber().doubleValue(), 0.0);
        assertEquals(2.0, model.graph().params().maxNumber().doubleValue(), 0.0);
        assertEquals(userWeights, model.weights().asMap(), "task weights put back");
        assertEquals(2.0, history.epochs().get(0).task("b").weight(), 0.0);
        assertEquals(2.0, history.epochs().get(1).task("a").validLoss(), 0.0);
        // Per epoch: updates, evaluation after the epoch counter advanced, completion, then the listeners, who see
        // the finished report and the epoch's own parameters.
        assertEquals(List.of("update 1", "evaluate 1 at epoch count 1", "complete 1 best true"), step.log.subList(0, 3));
        assertEquals("listener 3 criterion 0.75 best false parameter 3.0", heard.get(2));
        assertEquals(4, heard.size());
    }

    @Test
    void withoutValidationTheLastEpochIsKeptUnlessTheStepLearnsOfValidationData() {
        MultiTaskModel model = model();
        TrainingHistory history = new Settings(model).epochs(3).build().run(new ScriptedStep(model, null), model.weights().asMap());
        assertEquals(KeptParameters.LAST, history.kept());
        assertEquals(3.0, model.graph().params().getDouble(0), 0.0);

        MultiTaskModel other = model();
        double[] valid = {1.0, 0.5, 0.8};
        ScriptedStep learning = new ScriptedStep(other, valid) {
            private boolean evaluated;

            @Override
            public EpochLoop.Evaluation evaluate() {
                evaluated = true;
                return super.evaluate();
            }

            @Override
            public boolean validates() {
                return evaluated;
            }
        };
        TrainingHistory learned = new Settings(other).epochs(3).build().run(learning, other.weights().asMap());
        assertEquals(KeptParameters.BEST, learned.kept());
        assertEquals(2.0, other.graph().params().getDouble(0), 0.0);
    }

    @Test
    void aDivergedEpochIsReportedWithItsNumberAndTheHistoryBeforeIt() {
        MultiTaskModel model = model();
        ScriptedStep diverging = new ScriptedStep(model, null) {
            @Override
            public EpochLoop.Updates update(int e) {
                if (e == 2) {
                    throw new TrainingDivergedException("b", 0, Double.NaN, null);
                }
                return super.update(e);
            }
        };
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Settings(model).epochs(3).build().run(diverging, model.weights().asMap()));
        assertEquals(2, e.epoch());
        assertEquals("b", e.task());
        assertEquals(1, e.history().epochs().size());
        assertEquals(KeptParameters.LAST, e.history().kept());
    }

    @Test
    void plateauScheduleHalvesTheRateAfterPatienceEpochsWithoutABestAndPutsItBack() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(2).sharedLayers(3).seed(1).updater(new Adam(0.1))
                .tasks(Task.regression("a", 1), Task.regression("b", 1)).build();
        // Relative validation loss 1, .5, .6, .7, .8, .4, .45, .46, .47; patience 2. Epochs since the last best:
        // e3 1, e4 2 -> halve (0.05, count restarts), e5 1, e6 best, e7 1, e8 2 -> halve (0.025); e9 is the last
        // epoch, after which nothing is reduced.
        ScriptedStep step = new ScriptedStep(model, new double[] {1.0, 0.5, 0.6, 0.7, 0.8, 0.4, 0.45, 0.46, 0.47});
        List<Set<Double>> heard = new ArrayList<>();
        List<Double> stateAtEpoch4 = new ArrayList<>();
        new Settings(model).epochs(9).learningRateSchedule(PlateauSchedule.halving(2)).listener(r -> {
            heard.add(rates(model));
            INDArray state = model.graph().getUpdater(true).getStateViewArray();
            if (r.epoch() == 3) {
                state.assign(7.0);
            } else if (r.epoch() == 4) {
                stateAtEpoch4.add(state.minNumber().doubleValue());
                stateAtEpoch4.add(state.maxNumber().doubleValue());
            }
        }).build().run(step, model.weights().asMap());

        assertEquals(List.of(Set.of(0.1), Set.of(0.1), Set.of(0.1), Set.of(0.05), Set.of(0.05), Set.of(0.05), Set.of(0.05),
                Set.of(0.025), Set.of(0.025)), heard);
        assertEquals(List.of(7.0, 7.0), stateAtEpoch4, "the optimizer state survives the rate change");
        assertEquals(Set.of(0.1), rates(model), "the starting rate is put back when training ends");
        assertThrows(IllegalArgumentException.class, () -> new PlateauSchedule(0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new PlateauSchedule(2, 1.0));
    }

    /** The distinct learning rates of the model's layers that have one. */
    private static Set<Double> rates(MultiTaskModel model) {
        Set<Double> rates = new HashSet<>();
        for (Layer layer : model.graph().getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null && base.getIUpdater().hasLearningRate()) {
                rates.add(base.getIUpdater().getLearningRate(0, 0));
            }
        }
        return rates;
    }
}
