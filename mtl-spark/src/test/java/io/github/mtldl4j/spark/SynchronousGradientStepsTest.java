package io.github.mtldl4j.spark;

import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.ShardedGradientStep;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Issue 20's must-hold: with two workers ({@code local[2]}, two partitions) and the same global batch, the per-step
 * methods give the parameters of one machine ({@code MultiTaskTrainer}) on the concatenated batches, over several steps.
 */
class SynchronousGradientStepsTest {
    /** Global batch rows; each of the two workers gets half. */
    private static final int BATCH = 32;
    private static final int STEPS = 4;
    /**
     * The tolerance policy's rule for FLOAT networks after Adam steps (NumericAssertions): the sums run in another order
     * (per worker in double, then across workers; one machine in float in one pass), and Adam passes rounding on with a
     * gain of up to lr/eps where a gradient element is small. MGDA-UB's Frank-Wolfe bound (1e-5) is below it.
     */
    private static final double TOLERANCE = FLOAT_ADAM_STEPS;

    private static JavaSparkContext spark;

    @BeforeAll
    static void startSpark() {
        spark = new JavaSparkContext(DistributedTabularTraining.conf("local[2]"));
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    @Test
    void pcgradMgdaUbAndUncertaintyOnTwoWorkersEqualOneMachineOnTheConcatenatedBatches() {
        TabularPreprocessor preprocessor = TabularPreprocessor.fit(Penguins.table(), Penguins.tasks(), null, Set.of());
        MultiDataSet all = preprocessor.encode(Penguins.table()).data();
        MultiDataSet rows = slice(all, 0, (long) BATCH * STEPS);
        long sexLabelled = rows.getLabelsMaskArray(1) == null ? rows.getFeatures(0).size(0) : rows.getLabelsMaskArray(1).sumNumber().longValue();
        assertTrue(sexLabelled < BATCH * STEPS, "some rows lack the sex label, so per-task means over labelled rows are tested");
        // Worker 0 holds the first half of every global batch, worker 1 the second half.
        List<MultiDataSet> halves = new ArrayList<>();
        for (int worker = 0; worker < 2; worker++) {
            for (int s = 0; s < STEPS; s++) {
                long from = (long) s * BATCH + (long) worker * BATCH / 2;
                halves.add(slice(rows, from, from + BATCH / 2));
            }
        }
        JavaRDD<MultiDataSet> shards = spark.parallelize(halves, 2);

        for (String method : List.of("pcgrad", "mgda", "uncertainty")) {
            TabularTraining.Settings settings = Penguins.settings(method, Map.of(), 1);
            MultiTaskModel single = TabularTraining.build(preprocessor, settings);
            MultiTaskModel distributed = SparkBackend.modelOf(SparkBackend.bytesOf(single));
            INDArray initial = single.graph().params().dup();

            LossWeighting oneWeighting = MethodRegistry.weighting(method, Map.of());
            MultiTaskTrainer.builder(single).epochs(1).seed(42).weighting(oneWeighting).aggregator(MethodRegistry.aggregator(method))
                    .build().fit(new InMemoryMultiDataSetIterator((org.nd4j.linalg.dataset.MultiDataSet) rows, BATCH));

            LossWeighting manyWeighting = MethodRegistry.weighting(method, Map.of());
            GradientAggregator aggregator = MethodRegistry.aggregator(method);
            ShardedGradientStep step = new ShardedGradientStep(distributed, manyWeighting, aggregator, 42);
            try (SparkGradientSteps steps = new SparkGradientSteps(spark, shards, BATCH, distributed, step)) {
                assertEquals(STEPS, steps.steps());
                assertEquals(BATCH / 2, steps.shardRows());
                for (int s = 0; s < STEPS; s++) {
                    ShardedGradientStep.Step taken = steps.step(s, 0);
                    assertEquals(BATCH, taken.coverage().rows(), method);
                }
            }

            INDArray one = single.graph().params();
            assertTrue(one.distance2(initial) > 1e-3 * initial.norm2Number().doubleValue(), method + ": training moved the parameters");
            // One vector: MGDA-UB's bound is on the scale of the largest gradient (NumericAssertions.FRANK_WOLFE).
            assertClose(one, distributed.graph().params(), TOLERANCE, method + ": parameters after " + STEPS + " steps");
            if (oneWeighting instanceof UncertaintyWeighting u) {
                Map<String, Double> expected = u.logVariances();
                Map<String, Double> actual = ((UncertaintyWeighting) manyWeighting).logVariances();
                for (String task : expected.keySet()) {
                    // Each step's log-variance update reads the step's losses, which differ by float reordering only.
                    assertClose(expected.get(task), actual.get(task), FLOAT_REORDERED, "log-variance of " + task);
                }
            }
        }
    }

    private static MultiDataSet slice(MultiDataSet data, long from, long to) {
        return new org.nd4j.linalg.dataset.MultiDataSet(slice(data.getFeatures(), from, to), slice(data.getLabels(), from, to),
                slice(data.getFeaturesMaskArrays(), from, to), slice(data.getLabelsMaskArrays(), from, to));
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
