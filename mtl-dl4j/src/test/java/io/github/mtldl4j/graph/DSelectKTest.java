package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.DirectTrainingStep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
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

/**
 * DSelect-k (Hazimeh et al., NeurIPS 2021): the smooth-step and the gate's weights by hand, the sparsity of saturated
 * selectors, gradients (the per-example formula against central differences, the whole graph with DL4J's gradient
 * check), training, gate utilization, serialization, and the direct step's refusal.
 */
class DSelectKTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    /** Central differences with step 1e-6 on smooth cubics: error ~1e-12, far below this. */
    private static final double FINITE_DIFFERENCE = 1e-7;
    private static final int INPUTS = 5;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder(int experts, int k) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(12345)
                .tasks(TestData.mixedTasks().toArray(Task[]::new)).sharing(MixtureOfExperts.dselectK(experts, k, 3));
    }

    @Test
    void smoothStepByHand() {
        // S(t) = -2t^3/g^3 + 3t/(2g) + 1/2 on |t| <= g/2: S(1/4) = -1/32 + 3/8 + 1/2 with g = 1.
        assertEquals(0.5, DSelectKGate.smoothStep(0, 1));
        assertEquals(0.84375, DSelectKGate.smoothStep(0.25, 1), 1e-15);
        assertEquals(0.15625, DSelectKGate.smoothStep(-0.25, 1), 1e-15);
        assertEquals(0.84375, DSelectKGate.smoothStep(0.5, 2), 1e-15, "scales with gamma");
        assertEquals(1.0, DSelectKGate.smoothStep(0.5, 1));
        assertEquals(0.0, DSelectKGate.smoothStep(-0.5, 1));
        assertEquals(1.0, DSelectKGate.smoothStep(7, 1));
        assertEquals(0.0, DSelectKGate.smoothStep(-7, 1));
        // S'(t) = -6t^2/g^3 + 3/(2g): 1.5 at 0, 0 at the ends (continuously), 0 outside.
        assertEquals(1.5, DSelectKGate.smoothStepDerivative(0, 1), 1e-15);
        assertEquals(1.125, DSelectKGate.smoothStepDerivative(0.25, 1), 1e-15);
        assertEquals(0.0, DSelectKGate.smoothStepDerivative(0.5 - 1e-9, 1), 1e-8);
        assertEquals(0.0, DSelectKGate.smoothStepDerivative(3, 1));
    }

    @Test
    void gateWeightsOfAHandComputedExample() {
        // 4 experts (2 bits, expert j's bit l = (j >> l) & 1), k = 2, gamma = 1.
        // Selector 0: z = (0.25, -0.25), S = (0.84375, 0.15625):
        //   r0 = [(1-s0)(1-s1), s0(1-s1), (1-s0)s1, s0 s1] = [0.1318359375, 0.7119140625, 0.0244140625, 0.1318359375].
        // Selector 1: z = (0, 0.6), S = (0.5, 1): r1 = [0, 0, 0.5, 0.5].
        // Selector weights softmax(0, ln 3) = (0.25, 0.75).
        double[] logits = {0.25, -0.25, 0, 0.6, 0, Math.log(3)};
        double[] q = DSelectKGate.expertWeights(logits, 4, 2, 1);
        double[] expected = {0.25 * 0.1318359375, 0.25 * 0.7119140625, 0.25 * 0.0244140625 + 0.375,
                0.25 * 0.1318359375 + 0.375};
        assertClose(expected, q, REORDERED, "q");
        assertEquals(1.0, q[0] + q[1] + q[2] + q[3], 1e-15, "weights sum to 1");
    }

    @Test
    void saturatedSelectorsGiveWeightToAtMostKExperts() {
        // n = 8, k = 2: selector 0 picks expert 5 = 101b, selector 1 expert 2 = 010b; every |z| >= gamma/2.
        double[] logits = {0.5, -0.9, 3, -2, 0.7, -0.5, 1, -1};
        double[] q = DSelectKGate.expertWeights(logits, 8, 2, 1);
        double a = Math.exp(1) / (Math.exp(1) + Math.exp(-1));
        for (int j = 0; j < 8; j++) {
            assertEquals(j == 5 ? a : j == 2 ? 1 - a : 0.0, q[j], 1e-15, "expert " + j);
        }
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int k = 1 + random.nextInt(4);
            double[] z = new double[k * 3 + k];
            for (int i = 0; i < z.length; i++) {
                z[i] = i < k * 3 ? (random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble()) : random.nextGaussian();
            }
            double[] w = DSelectKGate.expertWeights(z, 8, k, 1);
            long nonZero = java.util.Arrays.stream(w).filter(v -> v != 0).count();
            assertTrue(nonZero >= 1 && nonZero <= k, "at most k = " + k + " experts, got " + nonZero);
            assertEquals(1.0, java.util.Arrays.stream(w).sum(), 1e-12, "sum");
        }
        // Not saturated: every expert gets some weight.
        double[] soft = DSelectKGate.expertWeights(new double[] {0.1, -0.2, 0.05, 0.3, 0, 0, 0.4, -1}, 8, 2, 1);
        assertTrue(java.util.Arrays.stream(soft).allMatch(v -> v > 0), java.util.Arrays.toString(soft));
    }

    @Test
    void logitGradientMatchesCentralDifferences() {
        Random random = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int experts = 1 << (1 + random.nextInt(3));
            int k = 1 + random.nextInt(experts);
            int bits = Integer.numberOfTrailingZeros(experts);
            double[] logits = new double[k * bits + k];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = random.nextDouble() * 0.8 - 0.4;
            }
            double[] dq = new double[experts];
            for (int j = 0; j < experts; j++) {
                dq[j] = random.nextGaussian();
            }
            double[] grad = DSelectKGate.logitGradient(logits, dq, experts, k, 1);
            for (int i = 0; i < logits.length; i++) {
                double[] up = logits.clone();
                double[] down = logits.clone();
                up[i] += 1e-6;
                down[i] -= 1e-6;
                double numeric = (dot(dq, DSelectKGate.expertWeights(up, experts, k, 1))
                        - dot(dq, DSelectKGate.expertWeights(down, experts, k, 1))) / 2e-6;
                assertEquals(numeric, grad[i], FINITE_DIFFERENCE, "logit " + i + " of n=" + experts + ", k=" + k);
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void gradientCheckOfTheWholeGraphWithMissingLabels() {
        // Two tasks and small experts: DL4J's check perturbs every parameter, so the graph is kept small.
        java.util.List<Task> tasks = java.util.List.of(Task.regression("price", 2).withHead(3), Task.binary("churn"));
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.TANH).updater(new NoOp())
                .dataType(DataType.DOUBLE).seed(12345).tasks(tasks.toArray(Task[]::new))
                .sharing(MixtureOfExperts.dselectK(4, 2, 2)).build();
        // Spread the gates' logits over the smooth region so that every parameter's gradient is exercised.
        for (Task task : tasks) {
            INDArray w = model.graph().getLayer(VertexNames.gate(task.name(), 0)).getParam(DSelectKParamInitializer.WEIGHTS);
            w.addi(Nd4j.rand(DataType.DOUBLE, w.shape()).subi(0.5).muli(0.3));
        }
        MultiDataSet data = TestData.batch(tasks, INPUTS, 6, 3);
        INDArray[] masks = {Nd4j.ones(DataType.DOUBLE, 6, 1), Nd4j.ones(DataType.DOUBLE, 6, 1)};
        masks[1].putScalar(2, 0, 0.0);
        data.setLabelsMaskArray(masks);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(model.graph())
                .inputs(data.getFeatures()).labels(data.getLabels()).labelMask(data.getLabelsMaskArrays())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
    }

    @Test
    void parametersAndGateOutputsFollowTheFormula() {
        MultiTaskModel model = builder(8, 2).build();
        String gate = VertexNames.gate("price", 0);
        // 5 inputs + bias, k m + k = 2*3 + 2 logits.
        assertEquals(6 * 8, model.graph().getLayer(gate).numParams());
        assertEquals("price", model.layout().owners().get(gate));
        INDArray x = TestData.batch(TestData.mixedTasks(), INPUTS, 4, 5).getFeatures(0);
        INDArray w = model.graph().getLayer(gate).getParam(DSelectKParamInitializer.WEIGHTS);
        INDArray b = model.graph().getLayer(gate).getParam(DSelectKParamInitializer.BIAS);
        INDArray out = model.graph().feedForward(x, false).get(gate);
        for (int r = 0; r < 4; r++) {
            double[] logits = new double[8];
            for (int c = 0; c < 8; c++) {
                double sum = b.getDouble(0, c);
                for (int i = 0; i < INPUTS; i++) {
                    sum += x.getDouble(r, i) * w.getDouble(i, c);
                }
                logits[c] = sum;
            }
            double[] expected = DSelectKGate.expertWeights(logits, 8, 2, 1);
            for (int j = 0; j < 8; j++) {
                assertEquals(expected[j], out.getDouble(r, j), 1e-12, "row " + r + " expert " + j);
                // Initialized near 0, as in the paper's code: every expert starts near 1/8.
                assertEquals(1.0 / 8, out.getDouble(r, j), 0.01, "initial weight");
            }
        }
    }

    @Test
    void trainsToFiniteLossesShowsGateUtilizationAndRoundTrips() throws IOException {
        MultiTaskModel model = builder(4, 2).updater(new Adam(0.05)).build();
        INDArray before = model.graph().getLayer(VertexNames.gate("churn", 0)).params().dup();
        for (int i = 0; i < 3; i++) {
            model.fit(TestData.batch(TestData.mixedTasks(), INPUTS, 16, i));
            model.lastLosses().weighted().values().forEach(l -> assertTrue(Double.isFinite(l), "finite loss " + l));
        }
        assertNotEquals(before, model.graph().getLayer(VertexNames.gate("churn", 0)).params());

        MultiDataSet data = TestData.batch(TestData.mixedTasks(), INPUTS, 12, 9);
        GateUtilization use = GateUtilization.of(model, new InMemoryMultiDataSetIterator(data, 5));
        for (Task task : TestData.mixedTasks()) {
            Map<String, Double> weights = use.byTask().get(task.name());
            assertEquals(4, weights.size(), task.name());
            assertEquals(1.0, weights.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-12, task.name());
        }

        ComputationGraphConfiguration conf = model.graph().getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertTrue(conf.toJson().contains(DSelectKLayer.class.getName()));
        Path plain = dir.resolve("plain.zip");
        ModelSerializer.writeModel(model.graph(), plain.toFile(), true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(plain.toFile(), true);
        INDArray[] original = model.graph().output(data.getFeatures(0));
        INDArray[] again = restored.output(data.getFeatures(0));
        for (int t = 0; t < original.length; t++) {
            assertIdentical(original[t], again[t], "restored output " + t);
        }
        Path saved = dir.resolve("model.zip");
        model.save(saved);
        MultiTaskModel loaded = MultiTaskModel.load(saved);
        assertEquals("dselect-k", loaded.layout().sharing());
        assertIdentical(model.predict(data.getFeatures(0)), loaded.predict(data.getFeatures(0)), "loaded");
        loaded.fit(TestData.batch(TestData.mixedTasks(), INPUTS, 16, 4));
        loaded.lastLosses().weighted().values().forEach(l -> assertTrue(Double.isFinite(l), "finite after loading"));
    }

    @Test
    void theDirectStepRefusesTheGateSoTrainingUsesFit() {
        ComputationGraph graph = builder(4, 1).build().graph();
        Optional<String> reason = DirectTrainingStep.unsupportedReason(graph, RepresentationTapVertex.class);
        assertTrue(reason.isPresent() && reason.get().contains("DSelectKLayer"), reason.toString());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> DirectTrainingStep.of(graph));
        assertTrue(refused.getMessage().contains("ComputationGraph.fit"), refused.getMessage());
    }

    @Test
    void settingsAreValidatedWithOneClearMessage() {
        IllegalArgumentException six = assertThrows(IllegalArgumentException.class, () -> MixtureOfExperts.dselectK(6, 2));
        assertTrue(six.getMessage().contains("power-of-two") && six.getMessage().contains("6"), six.getMessage());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> MixtureOfExperts.dselectK(4, 5));
        assertTrue(tooMany.getMessage().contains("between 1 and 4 selectors"), tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MixtureOfExperts.dselectK(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new MixtureOfExperts.GateFunction.DSelectK(2, 0));
        // CGC's mixes of own plus shared experts must also come to a power of two.
        MixtureOfExperts cgc = new MixtureOfExperts("cgc", 2, 1, Map.of(), java.util.List.of(3), 1,
                MixtureOfExperts.Gates.ONE_PER_TASK, MixtureOfExperts.GateInput.RAW_INPUT,
                new MixtureOfExperts.GateFunction.DSelectK(2, 1));
        assertThrows(IllegalArgumentException.class, () -> builder(4, 2).sharing(cgc).build());
    }
}
