package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** A NaN loss stops training naming task and epoch, with the parameters of the last complete epoch put back. */
class DivergenceGuardTest {
    private static final List<Task> TASKS = List.of(Task.regression("price"), Task.binary("churn"));

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(1)
                .tasks(TASKS.toArray(Task[]::new)).build();
    }

    /**
     * The clean batches every epoch, except that in epoch {@code poisonedEpoch} the second batch's first price label is
     * {@code poison} (NaN by default). The trainer refuses NaN labels in its first pass (LabelValidator), so a divergence
     * in epoch 1 is caused by a finite label whose squared error overflows (1e300).
     */
    private static final class PoisonedIterator implements MultiDataSetIterator {
        private final List<MultiDataSet> batches = new InMemoryMultiDataSetIterator(TestData.batch(TASKS, 3, 24, 4), 8).toList();
        private final int poisonedEpoch;
        private final double poison;
        private int epoch;
        private int cursor;

        PoisonedIterator(int poisonedEpoch) {
            this(poisonedEpoch, Double.NaN);
        }

        PoisonedIterator(int poisonedEpoch, double poison) {
            this.poisonedEpoch = poisonedEpoch;
            this.poison = poison;
        }

        @Override
        public MultiDataSet next() {
            MultiDataSet batch = batches.get(cursor++);
            if (epoch == poisonedEpoch && cursor == 2) {
                MultiDataSet copy = batch.copy();
                copy.getLabels(0).putScalar(0, 0, poison);
                return copy;
            }
            return batch;
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public boolean hasNext() {
            return cursor < batches.size();
        }

        @Override
        public void reset() {
            epoch++;
            cursor = 0;
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
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }
    }

    @Test
    void nanLossStopsWithTaskAndEpochAndRestoresTheLastCompleteEpoch() {
        MultiTaskModel model = model();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                MultiTaskTrainer.builder(model).epochs(4).metrics(false).build().fit(new PoisonedIterator(2)));
        assertEquals("price", e.task());
        assertEquals(2, e.epoch());
        assertTrue(e.getMessage().contains("task 'price'") && e.getMessage().contains("epoch 2")
                && e.getMessage().contains("back to the end of epoch 1"), e.getMessage());
        assertEquals(1, e.history().epochs().size());

        // Reference: the same model trained one clean epoch.
        MultiTaskModel oneEpoch = model();
        MultiTaskTrainer.builder(oneEpoch).epochs(1).metrics(false).build().fit(new PoisonedIterator(99));
        assertArrayEquals(oneEpoch.graph().params().toDoubleVector(), model.graph().params().toDoubleVector(), 0.0);
        assertArrayEquals(oneEpoch.graph().getUpdater().getStateViewArray().toDoubleVector(),
                model.graph().getUpdater().getStateViewArray().toDoubleVector(), 0.0);
        assertTrue(java.util.Arrays.stream(model.graph().params().toDoubleVector()).allMatch(Double::isFinite), "no NaN left in the parameters");
    }

    @Test
    void divergenceInTheAggregatorPathIsCaughtToo() {
        MultiTaskModel model = model();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> MultiTaskTrainer.builder(model).epochs(2)
                .metrics(false).aggregator(new io.github.mtldl4j.gradient.PcGrad()).build().fit(new PoisonedIterator(1, 1e300)));
        assertEquals(1, e.epoch());
        assertTrue(e.getMessage().contains("back to their values before training"), e.getMessage());
        assertArrayEquals(model().graph().params().toDoubleVector(), model.graph().params().toDoubleVector(), 0.0);
    }

    @Test
    void divergenceOnMgdasShortRouteThroughTheRepresentationNamesTheTask() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).representationTap().updater(new Adam(0.01))
                .dataType(DataType.DOUBLE).seed(1).tasks(TASKS.toArray(Task[]::new)).build();
        double[] before = model.graph().params().toDoubleVector();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> MultiTaskTrainer.builder(model).epochs(2)
                .metrics(false).aggregator(io.github.mtldl4j.gradient.MgdaUb.onRepresentation()).build().fit(new PoisonedIterator(1, 1e300)));
        assertEquals("price", e.task());
        assertEquals(1, e.epoch());
        assertArrayEquals(before, model.graph().params().toDoubleVector(), 0.0);
    }

    @Test
    void clippingSetsDl4jPerLayerClipping() {
        MultiTaskModel model = model();
        MultiTaskTrainer.builder(model).epochs(1).metrics(false).clipGradientNorm(0.5).build().fit(new PoisonedIterator(99));
        for (var layer : model.graph().getLayers()) {
            BaseLayer conf = (BaseLayer) layer.conf().getLayer();
            assertEquals(GradientNormalization.ClipL2PerLayer, conf.getGradientNormalization());
            assertEquals(0.5, conf.getGradientNormalizationThreshold(), 0.0);
        }
        assertThrows(IllegalArgumentException.class, () -> MultiTaskTrainer.builder(model).clipGradientNorm(0));
    }

    /** With SGD at learning rate 1, each layer's parameter change in one step is its clipped gradient: norm <= the limit. */
    @Test
    void clippingBoundsEveryLayersStepOnBothPaths() {
        for (boolean aggregated : new boolean[] {false, true}) {
            MultiTaskModel model = MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).updater(new org.nd4j.linalg.learning.config.Sgd(1.0))
                    .dataType(DataType.DOUBLE).seed(1).tasks(TASKS.toArray(Task[]::new)).build();
            java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> before = new java.util.HashMap<>();
            model.graph().paramTable().forEach((k, v) -> before.put(k, v.dup()));
            MultiTaskTrainer.Builder trainer = MultiTaskTrainer.builder(model).epochs(1).metrics(false).clipGradientNorm(1e-3);
            if (aggregated) {
                trainer.aggregator(new io.github.mtldl4j.gradient.PcGrad());
            }
            trainer.build().fit(new InMemoryMultiDataSetIterator(TestData.batch(TASKS, 3, 8, 4), 8));
            for (var layer : model.graph().getLayers()) {
                String name = layer.conf().getLayer().getLayerName();
                double squares = 0;
                for (String param : layer.paramTable().keySet()) {
                    org.nd4j.linalg.api.ndarray.INDArray delta = model.graph().getParam(name + "_" + param).sub(before.get(name + "_" + param));
                    squares += delta.norm2Number().doubleValue() * delta.norm2Number().doubleValue();
                }
                assertTrue(Math.sqrt(squares) <= 1e-3 * (1 + 1e-9), (aggregated ? "pcgrad " : "plain ") + name + ": " + Math.sqrt(squares));
                assertTrue(Math.sqrt(squares) > 1e-4, name + " moved at all: " + Math.sqrt(squares));
            }
        }
    }
}
