package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FRANK_WOLFE;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.CaGrad;
import io.github.mtldl4j.gradient.DbMtl;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.Famo;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.RandomLossWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A step from shards equals {@link MultiTaskTrainer}'s step on the concatenated batch: each 8-row batch split into
 * shards of 3 and 5 rows (uneven, and a task labelled in every third row only, so the shards' labelled counts differ),
 * in double precision, over the 5 steps of one epoch.
 */
class ShardedGradientStepTest {
    private static final List<Task> TASKS = TestData.mixedTasks();
    private static final int INPUTS = 4;
    private static final int ROWS = 40;
    private static final int BATCH = 8;
    private static final int FIRST_SHARD = 3;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model() {
        return builder().representationTap().build();
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 5).activation(Activation.TANH).l2(1e-3)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(3).tasks(TASKS.toArray(Task[]::new));
    }

    /** The churn prediction feeds the tags head, and the heads' first layers are one fused layer: tasks reach more than trunk and own head. */
    private static MultiTaskModel cascadeWithFusedHeads() {
        return builder().fusedHeads().cascade("tags", "churn").build();
    }

    /** "segment" labelled in every third row only, "tags" in no row of the second batch. */
    private static MultiDataSet data() {
        MultiDataSet data = TestData.batch(TASKS, INPUTS, ROWS, 21);
        INDArray segment = Nd4j.zeros(DataType.DOUBLE, ROWS, 1);
        INDArray tags = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        for (int r = 0; r < ROWS; r += 3) {
            segment.putScalar(r, 0, 1);
        }
        for (int r = 8; r < 16; r++) {
            tags.putScalar(r, 0, 0);
        }
        data.setLabelsMaskArray(new INDArray[] {null, null, segment, tags});
        return data;
    }

    @Test
    void workersSendEachTasksGradientOnlyWhereItsLossReaches() {
        MultiTaskModel model = model();
        // Trunk 4 -> 6 -> 5 (weights and biases): every task's loss reaches it; each head only its own task's.
        long trunk = 4 * 6 + 6 + 6 * 5 + 5;
        long p = model.graph().numParams();
        ShardedGradientStep step = new ShardedGradientStep(model, new FixedWeighting(), new PcGrad(), 1);
        assertEquals(p, step.parameters());
        assertEquals(TASKS.size() * trunk + (p - trunk), step.gradientWidth());
        assertEquals(step.gradientWidth(), new ShardedGradientStep.Worker(model, false).gradients(rows(data(), 0, 4)).gradientSums().length);
    }

    @Test
    void stepsFromUnevenShardsEqualTheTrainerOnTheConcatenatedBatch() {
        check("pcgrad", FixedWeighting::new, PcGrad::new, ADAM_STEPS);
        // MGDA-UB's representation Gram matrices summed over the shards; Frank-Wolfe's stopping rule bounds the match.
        check("mgda-ub", FixedWeighting::new, MgdaUb::onRepresentation, FRANK_WOLFE);
        check("uncertainty", UncertaintyWeighting::new, () -> null, ADAM_STEPS);
        check("rlw", RandomLossWeighting::new, () -> null, ADAM_STEPS);
        check("gradnorm", GradNorm::new, () -> null, ADAM_STEPS);
        check("cagrad", FixedWeighting::new, CaGrad::new, ADAM_STEPS);
        check("db-mtl", FixedWeighting::new, DbMtl::new, ADAM_STEPS);
    }

    @Test
    void aCascadeAndFusedHeadsToo() {
        check(ShardedGradientStepTest::cascadeWithFusedHeads, "pcgrad, cascade", FixedWeighting::new, PcGrad::new, ADAM_STEPS);
        check(ShardedGradientStepTest::cascadeWithFusedHeads, "uncertainty, cascade", UncertaintyWeighting::new, () -> null, ADAM_STEPS);
    }

    private static void check(String what, Supplier<LossWeighting> weighting, Supplier<GradientAggregator> aggregator, double tolerance) {
        check(ShardedGradientStepTest::model, what, weighting, aggregator, tolerance);
    }

    private static void check(Supplier<MultiTaskModel> model, String what, Supplier<LossWeighting> weighting,
                              Supplier<GradientAggregator> aggregator, double tolerance) {
        MultiDataSet data = data();
        MultiTaskModel single = model.get();
        MultiTaskModel driver = model.get();
        MultiTaskModel worker = model.get();
        INDArray initial = single.graph().params().dup();
        MultiTaskTrainer.builder(single).epochs(1).seed(42).metrics(false).weighting(weighting.get()).aggregator(aggregator.get())
                .build().fit(new InMemoryMultiDataSetIterator(data, BATCH));

        ShardedGradientStep step = new ShardedGradientStep(driver, weighting.get(), aggregator.get(), 42);
        ShardedGradientStep.Worker shards = new ShardedGradientStep.Worker(worker, step.usesRepresentationGram());
        for (int from = 0; from < ROWS; from += BATCH) {
            worker.graph().setParams(driver.graph().params());
            ShardedGradientStep.ShardGradients first = shards.gradients(rows(data, from, from + FIRST_SHARD));
            ShardedGradientStep.ShardGradients second = shards.gradients(rows(data, from + FIRST_SHARD, from + BATCH));
            ShardedGradientStep.Step taken = step.apply(first.plus(second), 0);
            assertEquals(BATCH, taken.coverage().rows());
        }
        assertTrue(single.graph().params().distance2(initial) > 1e-3, what + ": training moved the parameters");
        assertClose(single.graph().params(), driver.graph().params(), tolerance, what + ": parameters after 5 steps");
    }

    @Test
    void aShardWithoutRowsOrLabelsAddsNothingAndFamoIsRefused() {
        MultiTaskModel model = model();
        ShardedGradientStep.Worker worker = new ShardedGradientStep.Worker(model, false);
        ShardedGradientStep.ShardGradients none = worker.gradients(null);
        assertEquals(0, none.rows());
        MultiDataSet unlabelled = rows(data(), 0, 4);
        unlabelled.setLabelsMaskArray(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 4, 1), Nd4j.zeros(DataType.DOUBLE, 4, 1),
                Nd4j.zeros(DataType.DOUBLE, 4, 1), Nd4j.zeros(DataType.DOUBLE, 4, 1)});
        ShardedGradientStep.ShardGradients empty = worker.gradients(unlabelled);
        assertEquals(4, empty.rows());
        assertTrue(java.util.Arrays.stream(empty.gradientSums()).allMatch(v -> v == 0.0));
        INDArray before = model.graph().params().dup();
        assertNull(new ShardedGradientStep(model, new FixedWeighting(), new PcGrad(), 1).apply(empty, 0), "nothing labelled: no step");
        assertEquals(before, model.graph().params());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ShardedGradientStep(model, new Famo(), null, 1));
        assertTrue(e.getMessage().contains("losses after the update"), e.getMessage());
    }

    private static MultiDataSet rows(MultiDataSet data, long from, long to) {
        INDArray[] features = slice(data.getFeatures(), from, to);
        INDArray[] labels = slice(data.getLabels(), from, to);
        INDArray[] masks = slice(data.getLabelsMaskArrays(), from, to);
        return new MultiDataSet(features, labels, null, masks);
    }

    private static INDArray[] slice(INDArray[] arrays, long from, long to) {
        if (arrays == null) {
            return null;
        }
        INDArray[] out = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            out[i] = arrays[i] == null ? null : arrays[i].get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup();
        }
        return out;
    }
}
