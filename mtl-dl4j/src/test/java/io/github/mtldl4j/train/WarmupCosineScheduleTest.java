package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

class WarmupCosineScheduleTest {

    @TempDir
    Path dir;

    @Test
    void curveRisesLinearlyThenFollowsTheCosineToTheFloor() {
        // 105 iterations, 5 % warm-up: W = round(5.25) = 5, then 100 cosine iterations. By hand:
        // i = 0..4: (i + 1) / 5; i = 5: t = 0 -> 1; i = 30: t = 1/4 -> (1 + cos(pi/4)) / 2; i = 55: t = 1/2 -> 1/2;
        // i = 105 and later: the floor 0.
        ISchedule curve = WarmupCosineSchedule.standard().over(1.0, 105);
        double[] expected = {0.2, 0.4, 0.6, 0.8, 1.0, 1.0, (1 + Math.sqrt(0.5)) / 2, 0.5, 0.0, 0.0};
        int[] iterations = {0, 1, 2, 3, 4, 5, 30, 55, 105, 1000};
        double[] actual = new double[iterations.length];
        for (int i = 0; i < iterations.length; i++) {
            actual[i] = curve.valueAt(iterations[i], 7);
        }
        assertClose(expected, actual, REORDERED, "rates by hand");

        // A floor of 10 % and a base rate of 0.02: halfway down the cosine is 0.02 (0.1 + 0.9 / 2).
        assertClose(0.02 * 0.55, new WarmupCosineSchedule(0.0, 0.1).over(0.02, 40).valueAt(20, 0), REORDERED, "floor");
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0.05, -0.1));
        assertThrows(IllegalArgumentException.class, () -> WarmupCosineSchedule.standard().over(0.01, 0));
    }

    @Test
    void theFirstAdamStepMovesParametersByTheWarmUpRateAndTheScheduleSurvivesSaveAndLoad() throws IOException {
        // Adam's first update is rate * g / (|g| + eps) per parameter (bias-corrected m and v): the largest move of a
        // parameter with a gradient is the rate of iteration 0, here 0.1 * 1 / 5 (W = 5 of 100 iterations).
        ISchedule curve = WarmupCosineSchedule.standard().over(0.1, 100);
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).seed(3).updater(new Adam(curve))
                .dataType(DataType.DOUBLE).tasks(Task.regression("a", 1), Task.regression("b", 1)).build();
        INDArray before = model.graph().params().dup();
        Nd4j.getRandom().setSeed(5);
        MultiDataSet batch = new MultiDataSet(new INDArray[] {Nd4j.randn(DataType.DOUBLE, 16, 3)},
                new INDArray[] {Nd4j.randn(DataType.DOUBLE, 16, 1), Nd4j.randn(DataType.DOUBLE, 16, 1)});
        MultiTaskTrainer.builder(model).epochs(1).metrics(false).seed(1).build()
                .fit(new InMemoryMultiDataSetIterator(batch, 16));
        double largestMove = model.graph().params().sub(before).amaxNumber().doubleValue();
        assertClose(0.02, largestMove, 1e-6, "largest parameter move of the first step");

        Path file = dir.resolve("cosine.zip");
        model.save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        ComputationGraphConfiguration configuration = loaded.graph().getConfiguration();
        assertEquals(model.graph().getConfiguration().toJson(), configuration.toJson(), "configuration after load");
        for (Layer layer : loaded.graph().getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null) {
                assertEquals(curve.valueAt(30, 0), base.getIUpdater().getLearningRate(30, 0),
                        layer.conf().getLayer().getLayerName() + ": rate at iteration 30 after load");
            }
        }
    }
}
