package io.github.mtldl4j.eval;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.SharingMode;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.TrainingHistory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Mean gate weights per task and expert, against the gate activations averaged by hand over the whole data. */
class GateUtilizationTest {
    private static final int INPUTS = 5;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model(SharingMode mode) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).dataType(DataType.DOUBLE).seed(5)
                .tasks(TestData.mixedTasks().toArray(Task[]::new)).sharing(mode).build();
    }

    private static MultiDataSet data() {
        return TestData.batch(TestData.mixedTasks(), INPUTS, 11, 4);
    }

    @Test
    void averagesOverAllRowsAcrossUnevenBatches() {
        MultiTaskModel model = model(MixtureOfExperts.mmoe(3, 4));
        GateUtilization utilization = GateUtilization.of(model, new InMemoryMultiDataSetIterator(data(), 4));
        Map<String, INDArray> acts = model.graph().feedForward(data().getFeatures(0), false);
        for (Task task : TestData.mixedTasks()) {
            INDArray gate = acts.get(task.name() + "_gate");
            Map<String, Double> weights = utilization.byTask().get(task.name());
            assertEquals(List.of("expert_0", "expert_1", "expert_2"), List.copyOf(weights.keySet()));
            double total = 0;
            for (int e = 0; e < 3; e++) {
                double mean = 0;
                for (int r = 0; r < 11; r++) {
                    mean += gate.getDouble(r, e) / 11;
                }
                assertClose(mean, utilization.weight(task.name(), "expert_" + e), REORDERED, task.name() + " expert_" + e);
                total += weights.get("expert_" + e);
            }
            assertClose(1.0, total, REORDERED, task.name() + " total");
        }
    }

    @Test
    void omoeTasksShareOneGateAndCgcTasksSeeTheirOwnAndTheSharedExperts() {
        GateUtilization omoe = GateUtilization.of(model(MixtureOfExperts.omoe(2, 4)), new InMemoryMultiDataSetIterator(data(), 5));
        assertEquals(omoe.byTask().get("price"), omoe.byTask().get("tags"));

        GateUtilization cgc = GateUtilization.of(model(MixtureOfExperts.cgc(1, 1, 4)), new InMemoryMultiDataSetIterator(data(), 5));
        assertEquals(List.of("price_expert_0", "expert_0"), List.copyOf(cgc.byTask().get("price").keySet()));
        assertEquals(0.0, cgc.weight("price", "churn_expert_0"));
        String table = cgc.table();
        assertTrue(table.startsWith("task"), table);
        assertTrue(table.lines().filter(l -> l.startsWith("price")).findFirst().orElseThrow().contains("-"), table);

        GateUtilization ple = GateUtilization.of(model(MixtureOfExperts.ple(2, 1, 1, 4)), new InMemoryMultiDataSetIterator(data(), 5));
        assertEquals(List.of("price_expert_l1_0", "expert_l1_0"), List.copyOf(ple.byTask().get("price").keySet()));
    }

    @Test
    void trainerPutsTheTableIntoEveryEpochReportWhenAsked() {
        MultiTaskModel model = model(MixtureOfExperts.mmoe(2, 4));
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(2).metrics(false).gateUtilization(true).build()
                .fit(new InMemoryMultiDataSetIterator(data(), 4), new InMemoryMultiDataSetIterator(data(), 5));
        assertEquals(2, history.epochs().size());
        EpochReport last = history.epochs().get(1);
        assertEquals(GateUtilization.of(model, new InMemoryMultiDataSetIterator(data(), 11)).byTask().get("churn").get("expert_1"),
                last.gates().weight("churn", "expert_1"), REORDERED, "churn expert_1");
        assertTrue(!history.epochs().get(0).gates().equals(last.gates()), "gates move with training");

        TrainingHistory plain = MultiTaskTrainer.builder(model).epochs(1).metrics(false).build()
                .fit(new InMemoryMultiDataSetIterator(data(), 4));
        assertNull(plain.epochs().get(0).gates());

        MultiTaskModel hard = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(4).dataType(DataType.DOUBLE)
                .tasks(TestData.mixedTasks().toArray(Task[]::new)).build();
        INDArray before = hard.graph().params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MultiTaskTrainer.builder(hard)
                .epochs(1).gateUtilization(true).build().fit(new InMemoryMultiDataSetIterator(data(), 4)));
        assertTrue(e.getMessage().contains("reads no gated mixture"), e.getMessage());
        assertIdentical(before, hard.graph().params(), "refused before training");
    }

    @Test
    void refusesAModelWithoutGates() {
        MultiTaskModel hard = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(4).dataType(DataType.DOUBLE)
                .tasks(TestData.mixedTasks().toArray(Task[]::new)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GateUtilization.of(hard, new InMemoryMultiDataSetIterator(data(), 5)));
        assertTrue(e.getMessage().contains("Task 'price' reads no gated mixture of experts (sharing mode 'hard')"), e.getMessage());
    }
}
