package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

/** Cross-stitch: gradients, the mixing formula, initialization, independence at alpha = I, training and serialization. */
class CrossStitchTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    private static final int INPUTS = 5;
    private static final int TASKS = 4;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder(double selfWeight) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 4).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(12345)
                .tasks(TestData.mixedTasks().toArray(Task[]::new)).sharing(new CrossStitch(selfWeight));
    }

    private static MultiDataSet data() {
        return TestData.batch(TestData.mixedTasks(), INPUTS, 10, 3);
    }

    @Test
    void gradientCheckWithMixedTasksCascadeAndMissingLabels() {
        MultiTaskModel model = builder(0.9).cascade("tags", "price").build();
        // Move alpha away from its structured start so every entry's gradient is exercised.
        for (int i = 0; i < 2; i++) {
            INDArray alpha = model.graph().getLayer("cross_stitch_" + i).getParam("alpha");
            alpha.addi(Nd4j.rand(DataType.DOUBLE, TASKS, TASKS).subi(0.5).muli(0.4));
        }
        MultiDataSet data = data();
        INDArray[] masks = new INDArray[TASKS];
        for (int t = 0; t < TASKS; t++) {
            masks[t] = Nd4j.ones(DataType.DOUBLE, 10, 1);
        }
        masks[3].putScalar(6, 0, 0.0);
        data.setLabelsMaskArray(masks);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(model.graph())
                .inputs(data.getFeatures()).labels(data.getLabels()).labelMask(data.getLabelsMaskArrays())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
    }

    @Test
    void alphaStartsNearIdentityAsInThePaper() {
        INDArray alpha = builder(0.9).build().graph().getLayer("cross_stitch_0").getParam("alpha");
        for (int t = 0; t < TASKS; t++) {
            for (int s = 0; s < TASKS; s++) {
                assertClose(t == s ? 0.9 : 0.1 / 3, alpha.getDouble(t, s), REORDERED, "alpha[" + t + "][" + s + "]");
            }
        }
    }

    @Test
    void eachTaskReadsTheAlphaWeightedSumOfAllTowersComputedByHand() {
        MultiTaskModel model = builder(0.7).build();
        INDArray alpha = model.graph().getLayer("cross_stitch_1").getParam("alpha");
        alpha.assign(Nd4j.rand(DataType.DOUBLE, TASKS, TASKS));
        Map<String, INDArray> acts = model.graph().feedForward(data().getFeatures(0), false);
        List<String> tasks = model.taskNames();
        for (int t = 0; t < TASKS; t++) {
            INDArray slice = acts.get(tasks.get(t) + "_stitch_1");
            INDArray expected = Nd4j.create(DataType.DOUBLE, 10, 4);
            for (int r = 0; r < 10; r++) {
                for (int j = 0; j < 4; j++) {
                    double sum = 0;
                    for (int s = 0; s < TASKS; s++) {
                        sum += alpha.getDouble(t, s) * acts.get(tasks.get(s) + "_tower_1").getDouble(r, j);
                    }
                    expected.putScalar(r, j, sum);
                }
            }
            assertClose(expected, slice, REORDERED, tasks.get(t) + "_stitch_1");
        }
    }

    @Test
    void withAlphaTheIdentityItComputesWhatIndependentTowersCompute() {
        MultiTaskModel towers = builder(0.9).independentTowers().seed(1).build();
        MultiTaskModel stitched = builder(1.0).seed(2).build();
        for (String name : towers.layout().owners().keySet()) {
            if (towers.graph().getLayer(name) != null) {
                stitched.graph().getLayer(name).setParams(towers.graph().getLayer(name).params().dup());
            }
        }
        INDArray x = data().getFeatures(0);
        Map<String, INDArray> a = towers.predict(x);
        Map<String, INDArray> b = stitched.predict(x);
        for (String task : towers.taskNames()) {
            // alpha = I: 1 x own tower + 0 x the others, exactly the tower.
            assertIdentical(a.get(task), b.get(task), task);
            assertEquals(towers.parameterCounts().perTask().get(task), stitched.parameterCounts().perTask().get(task));
        }
        assertEquals(0, towers.parameterCounts().shared());
        assertEquals(2 * TASKS * TASKS, stitched.parameterCounts().shared(), "two 4 x 4 alpha matrices");
        assertNull(stitched.layout().owners().get("cross_stitch_0"));
        assertEquals("price", stitched.layout().owners().get("price_stitch_0"));
    }

    @Test
    void trainingMovesAlphaAndRoundTripsThroughJsonModelSerializerAndSaveLoad() throws IOException {
        MultiTaskModel model = builder(0.9).updater(new Adam(0.01)).build();
        INDArray before = model.graph().getLayer("cross_stitch_0").getParam("alpha").dup();
        for (int i = 0; i < 3; i++) {
            model.fit(TestData.batch(TestData.mixedTasks(), INPUTS, 16, i));
        }
        assertNotEquals(before, model.graph().getLayer("cross_stitch_0").getParam("alpha"));

        ComputationGraphConfiguration conf = model.graph().getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertTrue(conf.toJson().contains(CrossStitchLayer.class.getName()));

        Path plain = dir.resolve("plain.zip");
        ModelSerializer.writeModel(model.graph(), plain.toFile(), true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(plain.toFile());
        assertIdentical(model.graph().params(), restored.params(), "parameters");

        Path file = dir.resolve("model.zip");
        model.save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        assertEquals(CrossStitch.NAME, loaded.layout().sharing());
        INDArray x = data().getFeatures(0);
        assertIdentical(model.predict(x), loaded.predict(x), "predictions");
        MultiDataSet next = TestData.batch(TestData.mixedTasks(), INPUTS, 16, 9);
        model.fit(next);
        loaded.fit(next);
        assertIdentical(model.graph().params(), loaded.graph().params(), "parameters after the next step");
    }

    @Test
    void refusesSettingsThatCannotWork() {
        IllegalArgumentException weight = assertThrows(IllegalArgumentException.class, () -> new CrossStitch(1.5));
        assertTrue(weight.getMessage().contains("[0, 1], received 1.5"), weight.getMessage());
        IllegalArgumentException layers = assertThrows(IllegalArgumentException.class,
                () -> builder(0.9).sharedLayers().build());
        assertTrue(layers.getMessage().contains("no shared layer widths"), layers.getMessage());
    }
}
