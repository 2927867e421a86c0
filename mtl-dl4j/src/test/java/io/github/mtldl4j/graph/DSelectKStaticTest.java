package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
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

/**
 * DSelect-k's static gate and its entropy regularizer (Hazimeh et al., NeurIPS 2021): the entropy by hand, its gradient
 * against central differences and through DL4J's double-precision gradient check of a whole graph, the static gate's
 * weights by hand (the same for every row), the regularizer pushing selectors to one expert, round trips, refusals.
 */
class DSelectKStaticTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    /** Central differences with step 1e-6 of a smooth function: error ~1e-10 at most here. */
    private static final double FINITE_DIFFERENCE = 1e-7;
    private static final int INPUTS = 5;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder(MixtureOfExperts sharing) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.TANH).updater(new NoOp()).dataType(DataType.DOUBLE)
                .seed(12345).tasks(Task.regression("price", 2).withHead(3), Task.binary("churn")).sharing(sharing);
    }

    private static INDArray gateParams(MultiTaskModel model, String task) {
        return model.graph().getLayer(VertexNames.gate(task, 0)).getParam(DSelectKParamInitializer.BIAS);
    }

    @Test
    void entropyOfATinyCaseByHand() {
        // 4 experts (expert j's bit l = (j >> l) & 1), gamma = 1.
        // Selector 0: z = (0.25, 0), S = (0.84375, 0.5): r0 = [0.078125, 0.421875, 0.078125, 0.421875].
        // Selector 1: z = (-1, 2), saturated at expert 2 = 10b: r1 = [0, 0, 1, 0], entropy -log(1 + 1e-6).
        double h0 = -2 * (0.078125 * Math.log(0.078125 + 1e-6) + 0.421875 * Math.log(0.421875 + 1e-6));
        double h1 = -Math.log(1 + 1e-6);
        assertEquals(h0, SelectorEntropyRegularization.entropy(new double[] {0.25, 0, 0.3}, 4, 1, 1), 1e-15);
        // The selector logits (last k) do not enter.
        assertEquals(h0 + h1, SelectorEntropyRegularization.entropy(new double[] {0.25, 0, -1, 2, 5, -5}, 4, 2, 1), 1e-15);
        // Uniform selector (all logits 0): log 4 up to the 1e-6 inside the logarithm.
        assertEquals(Math.log(4), SelectorEntropyRegularization.entropy(new double[] {0, 0, 0}, 4, 1, 1), 1e-5);

        // In a graph: the score of the regularization is lambda times the sum over both tasks' gates.
        double lambda = 0.1;
        MultiTaskModel model = builder(MixtureOfExperts.dselectKStatic(4, 2, 3).withSelectorEntropy(lambda)).build();
        for (String task : List.of("price", "churn")) {
            gateParams(model, task).assign(Nd4j.create(new double[][] {{0.25, 0, -1, 2, 5, -5}}));
        }
        assertEquals(2 * lambda * (h0 + h1), model.graph().calcRegularizationScore(true), 1e-14);
    }

    @Test
    void entropyGradientMatchesCentralDifferences() {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            int k = 1 + random.nextInt(3);
            int experts = 1 << (1 + random.nextInt(3));
            int bits = Integer.numberOfTrailingZeros(experts);
            double[] z = new double[k * bits + k];
            for (int i = 0; i < z.length; i++) {
                z[i] = (random.nextDouble() - 0.5) * 0.9;
            }
            double[] grad = SelectorEntropyRegularization.entropyGradient(z, experts, k, 1);
            for (int i = 0; i < z.length; i++) {
                double[] up = z.clone();
                double[] down = z.clone();
                up[i] += EPSILON;
                down[i] -= EPSILON;
                double numeric = (SelectorEntropyRegularization.entropy(up, experts, k, 1)
                        - SelectorEntropyRegularization.entropy(down, experts, k, 1)) / (2 * EPSILON);
                assertEquals(numeric, grad[i], FINITE_DIFFERENCE, "trial " + trial + " logit " + i);
            }
        }
        // apply() adds lambda times the gradient to the gradient view.
        INDArray param = Nd4j.create(new double[][] {{0.25, -0.1, 0.2}});
        INDArray gradView = Nd4j.create(new double[][] {{1, 2, 3}});
        new SelectorEntropyRegularization(0.5, 4, 1, 1).apply(param, gradView, 0.01, 0, 0);
        double[] g = SelectorEntropyRegularization.entropyGradient(new double[] {0.25, -0.1, 0.2}, 4, 1, 1);
        assertEquals(1 + 0.5 * g[0], gradView.getDouble(0, 0), 1e-15);
        assertEquals(2 + 0.5 * g[1], gradView.getDouble(0, 1), 1e-15);
        assertEquals(3, gradView.getDouble(0, 2), 1e-15, "the selector logit is not regularized");
    }

    @Test
    void gradientCheckOfTheWholeGraphWithTheRegularizer() {
        MultiTaskModel model = builder(MixtureOfExperts.dselectKStatic(4, 2, 2).withSelectorEntropy(0.05)).build();
        Random random = new Random(5);
        for (String task : List.of("price", "churn")) {
            INDArray b = gateParams(model, task);
            for (int c = 0; c < b.length(); c++) {
                b.putScalar(c, (random.nextDouble() - 0.5) * 0.8);
            }
        }
        MultiDataSet data = TestData.batch(List.of(Task.regression("price", 2).withHead(3), Task.binary("churn")), INPUTS, 6, 3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(model.graph())
                .inputs(data.getFeatures()).labels(data.getLabels())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
    }

    @Test
    void staticGateGivesEveryRowTheSameHandComputedWeights() {
        MultiTaskModel model = builder(MixtureOfExperts.dselectKStatic(2, 1, 3)).build();
        String gate = VertexNames.gate("price", 0);
        // 1 bit logit + 1 selector logit, no input weights.
        assertEquals(2, model.graph().getLayer(gate).numParams());
        gateParams(model, "price").assign(Nd4j.create(new double[][] {{0.25, 0.7}}));
        INDArray x = TestData.batch(List.of(Task.regression("price", 2).withHead(3), Task.binary("churn")), INPUTS, 4, 5).getFeatures(0);
        INDArray out = model.graph().feedForward(x, false).get(gate);
        for (int r = 0; r < 4; r++) {
            // Expert 0 (bit 0) gets 1 - S(0.25), expert 1 gets S(0.25) = 0.84375; one selector: its softmax weight is 1.
            assertEquals(0.15625, out.getDouble(r, 0), 1e-15, "row " + r);
            assertEquals(0.84375, out.getDouble(r, 1), 1e-15, "row " + r);
        }
    }

    @Test
    void theRegularizerPushesEachSelectorToOneExpertAndTheModelRoundTrips() throws Exception {
        MultiTaskModel plain = builder(MixtureOfExperts.dselectKStatic(8, 2, 3)).updater(new Adam(0.1)).build();
        MultiTaskModel pushed = builder(MixtureOfExperts.dselectKStatic(8, 2, 3).withSelectorEntropy(0.5)).updater(new Adam(0.1)).build();
        List<Task> tasks = List.of(Task.regression("price", 2).withHead(3), Task.binary("churn"));
        for (int i = 0; i < 8; i++) {
            MultiDataSet batch = TestData.batch(tasks, INPUTS, 16, i);
            plain.fit(batch);
            pushed.fit(batch);
        }
        for (String task : List.of("price", "churn")) {
            double withRegularizer = SelectorEntropyRegularization.entropy(gateParams(pushed, task).toDoubleVector(), 8, 2, 1);
            double without = SelectorEntropyRegularization.entropy(gateParams(plain, task).toDoubleVector(), 8, 2, 1);
            assertTrue(withRegularizer < without - 0.1, task + ": entropy " + withRegularizer + " with the regularizer, " + without + " without");
        }

        ComputationGraphConfiguration conf = pushed.graph().getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        Path saved = dir.resolve("model.zip");
        pushed.save(saved);
        MultiTaskModel loaded = MultiTaskModel.load(saved);
        DSelectKLayer layer = (DSelectKLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) loaded.graph().getConfiguration()
                .getVertices().get(VertexNames.gate("churn", 0))).getLayerConf().getLayer();
        assertEquals(DSelectKLayer.Routing.STATIC, layer.routing());
        assertEquals(0.5, layer.entropy());
        INDArray x = TestData.batch(tasks, INPUTS, 5, 99).getFeatures(0);
        assertIdentical(pushed.predict(x), loaded.predict(x), "loaded");
        assertEquals(pushed.graph().calcRegularizationScore(true), loaded.graph().calcRegularizationScore(true), 0.0);
    }

    @Test
    void settingsAreValidatedWithOneClearMessage() {
        IllegalArgumentException perExample = assertThrows(IllegalArgumentException.class,
                () -> MixtureOfExperts.dselectK(4, 2).withSelectorEntropy(1e-3));
        assertTrue(perExample.getMessage().contains("static gate only"), perExample.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> MixtureOfExperts.dselectKStatic(4, 2).withSelectorEntropy(-1));
        assertTrue(negative.getMessage().contains(">= 0 and finite"), negative.getMessage());
        IllegalArgumentException softmax = assertThrows(IllegalArgumentException.class,
                () -> MixtureOfExperts.mmoe(4).withSelectorEntropy(1e-3));
        assertTrue(softmax.getMessage().contains("DSelect-k gates"), softmax.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MixtureOfExperts.dselectKStatic(6, 2));
    }
}
