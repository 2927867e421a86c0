package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.ParameterCounts;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
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
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/** MMoE, OMoE, CGC and PLE: gradients, gate weights, equivalence with hard sharing, serialization and validation. */
class MixtureOfExpertsTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    private static final int INPUTS = 5;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder(SharingMode mode) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(12345)
                .tasks(TestData.mixedTasks().toArray(Task[]::new)).sharing(mode);
    }

    private static MultiDataSet data() {
        return TestData.batch(TestData.mixedTasks(), INPUTS, 10, 3);
    }

    private static boolean check(ComputationGraph graph, MultiDataSet data) {
        return GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(data.getFeatures()).labels(data.getLabels()).labelMask(data.getLabelsMaskArrays())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false));
    }

    // ---- gradient checks -------------------------------------------------------------------------------------

    @Test
    void gatedSumVertexAloneInAPlainGraph() {
        // gate [N,3] (softmax) and three experts [N,4] mixed, then one regression output.
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new NoOp())
                .dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward(INPUTS))
                .addLayer("g", new DenseLayer.Builder().nIn(INPUTS).nOut(3).activation(Activation.SOFTMAX).build(), "in")
                .addLayer("e0", new DenseLayer.Builder().nIn(INPUTS).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("e1", new DenseLayer.Builder().nIn(INPUTS).nOut(4).activation(Activation.TANH).build(), "in")
                .addLayer("e2", new DenseLayer.Builder().nIn(INPUTS).nOut(4).activation(Activation.TANH).build(), "in")
                .addVertex("mix", new GatedSumVertex(), "g", "e0", "e1", "e2")
                .addLayer("out", new OutputLayer.Builder().nIn(4).nOut(2).activation(Activation.IDENTITY)
                        .lossFunction(new LossMSE()).build(), "mix")
                .setOutputs("out").build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        MultiDataSet data = TestData.batch(List.of(Task.regression("out", 2)), INPUTS, 8, 5);
        assertTrue(check(graph, data));
    }

    @Test
    void mmoe() {
        assertTrue(check(builder(MixtureOfExperts.mmoe(3, 6, 4)).build().graph(), data()));
    }

    @Test
    void omoe() {
        assertTrue(check(builder(MixtureOfExperts.omoe(3, 4)).build().graph(), data()));
    }

    @Test
    void cgcWithTaskExpertsOverriddenAndCascade() {
        MixtureOfExperts cgc = MixtureOfExperts.cgc(2, 1, 4).withExpertsFor("segment", 2).withExpertsFor("tags", 0);
        assertTrue(check(builder(cgc).cascade("tags", "price").build().graph(), data()));
    }

    @Test
    void pleTwoLevelsGatesReadingTheLevelInputWithMissingLabels() {
        MultiDataSet data = data();
        INDArray[] masks = new INDArray[4];
        for (int t = 0; t < 4; t++) {
            masks[t] = Nd4j.ones(DataType.DOUBLE, 10, 1);
        }
        masks[1].putScalar(4, 0, 0.0);
        data.setLabelsMaskArray(masks);
        MixtureOfExperts ple = MixtureOfExperts.ple(2, 2, 1, 4).withGateInput(MixtureOfExperts.GateInput.LEVEL_INPUT);
        assertTrue(check(builder(ple).build().graph(), data));
    }

    // ---- values ----------------------------------------------------------------------------------------------

    @Test
    void gatedSumForwardMatchesTheFormulaComputedByHand() {
        MultiTaskModel model = builder(MixtureOfExperts.mmoe(3, 4)).build();
        INDArray x = data().getFeatures(0);
        Map<String, INDArray> acts = model.graph().feedForward(x, false);
        INDArray gate = acts.get("churn_gate");
        INDArray mix = acts.get("churn_mix");
        INDArray expected = Nd4j.create(DataType.DOUBLE, x.rows(), 4);
        for (int r = 0; r < x.rows(); r++) {
            for (int j = 0; j < 4; j++) {
                double sum = 0;
                for (int e = 0; e < 3; e++) {
                    sum += gate.getDouble(r, e) * acts.get("expert_" + e + "_0").getDouble(r, j);
                }
                expected.putScalar(r, j, sum);
            }
        }
        assertClose(expected, mix, REORDERED, "churn_mix");
    }

    @Test
    void gateWeightsArePositiveAndSumToOnePerRow() {
        MultiTaskModel model = builder(MixtureOfExperts.cgc(2, 2, 4)).build();
        Map<String, INDArray> acts = model.graph().feedForward(data().getFeatures(0), false);
        for (Task task : TestData.mixedTasks()) {
            INDArray gate = acts.get(VertexNames.gate(task.name(), 0));
            assertEquals(4, gate.columns(), "two own plus two shared experts");
            for (int r = 0; r < gate.rows(); r++) {
                double sum = 0;
                for (int e = 0; e < gate.columns(); e++) {
                    assertTrue(gate.getDouble(r, e) > 0);
                    sum += gate.getDouble(r, e);
                }
                assertClose(1.0, sum, REORDERED, "gate row sum");
            }
        }
    }

    @Test
    void mmoeWithOneExpertComputesWhatHardSharingComputesWithTheSameWeights() {
        MultiTaskModel hard = builder(new HardSharing()).sharedLayers(6, 4).seed(1).build();
        MultiTaskModel moe = builder(MixtureOfExperts.mmoe(1, 6, 4)).seed(2).build();
        for (String name : hard.layout().owners().keySet()) {
            String target = name.startsWith("trunk_") ? "expert_0_" + name.substring("trunk_".length()) : name;
            moe.graph().getLayer(target).setParams(hard.graph().getLayer(name).params().dup());
        }
        INDArray x = data().getFeatures(0);
        Map<String, INDArray> a = hard.predict(x);
        Map<String, INDArray> b = moe.predict(x);
        for (String task : hard.taskNames()) {
            // One expert: its gate is exactly 1, so the mix is exactly the expert.
            assertIdentical(a.get(task), b.get(task), task);
        }
        // The only extra parameters are the gates: per task INPUTS weights + 1 bias.
        assertEquals(hard.parameterCounts().shared(), moe.parameterCounts().shared());
        for (String task : hard.taskNames()) {
            assertEquals(hard.parameterCounts().perTask().get(task) + INPUTS + 1, moe.parameterCounts().perTask().get(task));
        }
    }

    @Test
    void parameterCountsAttributeExpertsAndGatesToTheirOwners() {
        // CGC, 1 shared + 1 per task expert of width 4 on 5 inputs: expert = 5*4+4 = 24; gate over 2 experts = 5*2+2 = 12.
        MultiTaskModel cgc = builder(MixtureOfExperts.cgc(1, 1, 4)).build();
        ParameterCounts counts = cgc.parameterCounts();
        assertEquals(24, counts.shared());
        MultiTaskModel heads = builder(MixtureOfExperts.omoe(1, 4)).build();
        for (Task task : TestData.mixedTasks()) {
            assertEquals(heads.parameterCounts().perTask().get(task.name()) + 24 + 12, counts.perTask().get(task.name()));
            assertEquals(task.name(), cgc.layout().owners().get(task.name() + "_expert_0_0"));
            assertEquals(task.name(), cgc.layout().owners().get(task.name() + "_gate"));
        }
        assertNull(cgc.layout().owners().get("expert_0_0"));
        assertTrue(cgc.layout().owners().containsKey("expert_0_0"));
        // OMoE: one shared gate (5*1+1) and one shared expert.
        assertEquals(24 + 6, heads.parameterCounts().shared());
    }

    @Test
    void pleWiresASharedGateBetweenLevelsAndNoneAfterTheLast() {
        MultiTaskModel ple = builder(MixtureOfExperts.ple(3, 1, 1, 4)).build();
        Map<String, String> owners = ple.layout().owners();
        assertTrue(owners.containsKey("gate") && owners.containsKey("gate_l1"));
        assertTrue(!owners.containsKey("gate_l2"));
        assertTrue(owners.containsKey("price_expert_l2_0_0") && owners.containsKey("expert_l2_0_0"));
        ComputationGraphConfiguration conf = ple.graph().getConfiguration();
        // Level-1 shared expert reads the level-0 shared mix; a level-1 task expert reads the task's level-0 mix.
        assertEquals(List.of("mix"), conf.getVertexInputs().get("expert_l1_0_0"));
        assertEquals(List.of("price_mix"), conf.getVertexInputs().get("price_expert_l1_0_0"));
        // The shared gate mixes every expert of its level: 4 tasks' own plus 1 shared.
        assertEquals(6, conf.getVertexInputs().get("mix").size());
        assertEquals(List.of("price_mix_l2"), conf.getVertexInputs().get("price_head_0"));
    }

    // ---- serialization ---------------------------------------------------------------------------------------

    @Test
    void jsonModelSerializerAndSaveLoadRoundTrips() throws IOException {
        for (MixtureOfExperts mode : List.of(MixtureOfExperts.mmoe(2, 4), MixtureOfExperts.omoe(2, 4),
                MixtureOfExperts.cgc(1, 1, 4), MixtureOfExperts.ple(2, 1, 1, 4))) {
            MultiTaskModel model = builder(mode).updater(new Adam(0.01)).build();
            for (int i = 0; i < 2; i++) {
                model.fit(TestData.batch(TestData.mixedTasks(), INPUTS, 16, i));
            }
            ComputationGraphConfiguration conf = model.graph().getConfiguration();
            assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()), mode.name());
            assertTrue(conf.toJson().contains(GatedSumVertex.class.getName()));

            Path plain = dir.resolve(mode.name() + "-plain.zip");
            ModelSerializer.writeModel(model.graph(), plain.toFile(), true);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(plain.toFile());
            assertIdentical(model.graph().params(), restored.params(), "parameters");
            INDArray x = data().getFeatures(0);
            INDArray[] expected = model.graph().output(x);
            INDArray[] actual = restored.output(x);
            for (int i = 0; i < expected.length; i++) {
                assertIdentical(expected[i], actual[i], mode.name());
            }

            Path file = dir.resolve(mode.name() + ".zip");
            model.save(file);
            MultiTaskModel loaded = MultiTaskModel.load(file);
            assertEquals(mode.name(), loaded.layout().sharing());
            assertEquals(model.layout().owners(), loaded.layout().owners());
            assertIdentical(model.predict(x), loaded.predict(x), "predictions");
            MultiDataSet next = TestData.batch(TestData.mixedTasks(), INPUTS, 16, 9);
            model.fit(next);
            loaded.fit(next);
            assertIdentical(model.graph().params(), loaded.graph().params(), "same next step after load: " + mode.name());
        }
    }

    // ---- validation ------------------------------------------------------------------------------------------

    @Test
    void refusesImpossibleSettingsWithClearMessages() {
        assertMessage(() -> MixtureOfExperts.mmoe(0, 4), "at least one expert, received 0");
        assertMessage(() -> MixtureOfExperts.omoe(-1, 4), "at least one expert, received -1");
        assertMessage(() -> MixtureOfExperts.cgc(0, 0, 4), "at least one expert");
        assertMessage(() -> MixtureOfExperts.cgc(-1, 2, 4), "must be >= 0");
        assertMessage(() -> MixtureOfExperts.mmoe(2, 4, 0), "widths must be >= 1, received [4, 0]");
        assertMessage(() -> MixtureOfExperts.ple(0, 1, 1, 4), "at least one level, received 0");
        assertMessage(() -> MixtureOfExperts.omoe(2, 4).withExpertsFor("price", 1), "OMoE");
        assertMessage(() -> MixtureOfExperts.cgc(1, 1, 4).withExpertsFor("price", -2), "'price' is given -2 experts");
        assertMessage(() -> builder(MixtureOfExperts.cgc(1, 1, 4).withExpertsFor("prise", 2)).build(),
                "unknown task 'prise'; known tasks: [price, churn, segment, tags]");
        assertMessage(() -> builder(MixtureOfExperts.cgc(0, 1, 4).withExpertsFor("churn", 0)).build(),
                "Task 'churn' would have no expert");
        assertMessage(() -> builder(MixtureOfExperts.mmoe(2)).build(), "no expert layer widths");
        assertMessage(() -> builder(MixtureOfExperts.mmoe(2).withGateInput(null)).build(), "Gate input is null");
    }

    @Test
    void expertsTakeTheBuilderSharedWidthsWhenNoneAreGiven() {
        MultiTaskModel model = builder(MixtureOfExperts.mmoe(2)).sharedLayers(7, 3).build();
        assertEquals(7, model.graph().getLayer("expert_1_0").getParam("W").columns());
        assertEquals(3, model.graph().getLayer("expert_1_1").getParam("W").columns());
    }

    private static void assertMessage(Runnable action, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
    }
}
