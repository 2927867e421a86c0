package io.github.mtldl4j.scaleout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.spark.Penguins;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.TrainingHistory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/** The driver's epoch loop on a one-device backend whose "workers" wreck the parameters from a chosen epoch on. */
class EpochwiseTrainerTest {

    /** Plain fit epochs on this machine; from {@code wreckFrom} on, every parameter is shifted by 5 instead. */
    private static final class WreckingBackend implements DataParallelBackend {
        private final MultiDataSet data;
        private final int wreckFrom;
        final Map<Integer, Map<String, Double>> weightsSeen = new HashMap<>();

        WreckingBackend(MultiDataSet data, int wreckFrom) {
            this.data = data;
            this.wreckFrom = wreckFrom;
        }

        @Override
        public void fitEpoch(MultiTaskModel model, int epoch) {
            weightsSeen.put(epoch, model.weights().asMap());
            if (epoch >= wreckFrom) {
                model.graph().params().addi(5.0);
            } else {
                model.fit(new InMemoryMultiDataSetIterator(data, 32, (long) epoch));
            }
        }

        @Override
        public TaskFigures trainingFigures(MultiTaskModel model) {
            return TaskFigures.of(model, new InMemoryMultiDataSetIterator(data, 1024), false);
        }

        @Override
        public TaskFigures validationFigures(MultiTaskModel model) {
            return TaskFigures.of(model, new InMemoryMultiDataSetIterator(data, 1024), true);
        }

        @Override
        public String describe() {
            return "one device, wrecking from epoch " + wreckFrom;
        }
    }

    @Test
    void earlyStoppingKeepsTheBestEpochAndWeightsAreScaledByLabelCoverage() {
        TabularPreprocessor preprocessor = TabularPreprocessor.fit(Penguins.table(), Penguins.tasks(), null, Set.of());
        MultiDataSet data = preprocessor.encode(Penguins.table()).data();
        MultiTaskModel model = TabularTraining.build(preprocessor, Penguins.settings("fixed", Map.of("mass", 2.0), 1));
        WreckingBackend backend = new WreckingBackend(data, 3);
        Map<Integer, INDArray> parameters = new LinkedHashMap<>();
        TrainingHistory history = EpochwiseTrainer.builder(model, backend).epochs(10).earlyStopping(2)
                .listener(report -> parameters.put(report.epoch(), model.graph().params().dup())).build().fit();

        // Epochs 3 and 4 are worse than epoch 2; patience 2 stops after epoch 4 and restores epoch 2's parameters.
        assertEquals(4, history.epochs().size());
        assertEquals(2, history.bestEpoch().epoch());
        assertEquals(0.0, model.graph().params().sub(parameters.get(2)).amaxNumber().doubleValue(), 0.0);
        // 344 penguins: 11 without sex, 2 without body mass. Each weight is scaled by rows / labelled rows.
        Map<String, Double> seen = backend.weightsSeen.get(1);
        assertEquals(1.0, seen.get("species"), 1e-15);
        assertEquals(344.0 / 333.0, seen.get("sex"), 1e-15);
        assertEquals(2.0 * 344.0 / 342.0, seen.get("mass"), 1e-15);
        assertEquals(Map.of("species", 1.0, "sex", 1.0, "mass", 2.0), model.weights().asMap(), "weights restored after training");
        assertEquals(2.0, history.epochs().get(0).task("mass").weight(), "history reports the unscaled weight");
    }

    @Test
    void withValidationTheBestEpochIsKeptWithoutEarlyStoppingAndKeepLastKeepsTheLast() {
        TabularPreprocessor preprocessor = TabularPreprocessor.fit(Penguins.table(), Penguins.tasks(), null, Set.of());
        MultiDataSet data = preprocessor.encode(Penguins.table()).data();
        for (KeptParameters keep : new KeptParameters[] {null, KeptParameters.LAST}) {
            MultiTaskModel model = TabularTraining.build(preprocessor, Penguins.settings("fixed", Map.of(), 1));
            Map<Integer, INDArray> parameters = new LinkedHashMap<>();
            EpochwiseTrainer.Builder builder = EpochwiseTrainer.builder(model, new WreckingBackend(data, 3)).epochs(4)
                    .listener(report -> parameters.put(report.epoch(), model.graph().params().dup()));
            if (keep != null) {
                builder.keep(keep);
            }
            TrainingHistory history = builder.build().fit();
            // Epochs 3 and 4 wreck the parameters: epoch 2 is the best; all four epochs run (no early stopping).
            assertEquals(4, history.epochs().size());
            assertEquals(2, history.bestEpoch().epoch());
            int expected = keep == null ? 2 : 4;
            assertEquals(keep == null ? KeptParameters.BEST : KeptParameters.LAST, history.kept());
            assertEquals(expected, history.keptEpoch().orElseThrow().epoch());
            assertEquals(parameters.get(expected), model.graph().params(), "kept " + history.kept());
        }
    }
}
