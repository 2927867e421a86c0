package io.github.mtldl4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * predict from 8 threads at once gives exactly the serial results, and follows parameter changes made by training;
 * through the direct forward pass, 4 threads give exactly the results of serial predict calls.
 */
class ConcurrentPredictTest {
    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 40;
    private static final List<Task> TASKS = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", 3));

    /** Through the graph's own output (direct inference switched off for this model). */
    @Test
    void eightThreadsGiveTheSerialResults() throws Exception {
        MultiTaskModel model;
        System.setProperty(MultiTaskModel.DIRECT_INFERENCE_PROPERTY, "false");
        try {
            model = MultiTaskGraphBuilder.forInputs(5).sharedLayers(16, 8).dropout(0.3).seed(2)
                    .dataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .sharing(MixtureOfExperts.mmoe(2)).tasks(TASKS.toArray(Task[]::new)).build();
        } finally {
            System.clearProperty(MultiTaskModel.DIRECT_INFERENCE_PROPERTY);
        }
        assertFalse(model.predictsDirectly(), "the graph's own route");
        MultiDataSet data = TestData.batch(TASKS, 5, 64, 9);
        INDArray all = data.getFeatures(0);
        model.fit(data.copy()); // parameters away from their initial values, and masks left on the training graph
        // Inputs of different sizes, so that concurrent calls would visibly mix if layer state were shared.
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            inputs.add(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1 + (i * 7) % 64),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        }
        // Serial reference through a plain copy of the graph, not through predict.
        List<INDArray[]> serial = new ArrayList<>();
        for (INDArray x : inputs) {
            serial.add(model.graph().clone().output(false, x));
        }
        predictConcurrently(model, inputs, i -> byTaskName(serial.get(i)), THREADS);
        // The pooled copies read the model's parameters: a training step is visible to the next prediction.
        model.fit(data.copy());
        assertArrayEquals(model.graph().clone().output(false, inputs.get(3))[0].dup('c').data().asDouble(),
                model.predict(inputs.get(3)).get("price").dup('c').data().asDouble(), 0.0);
        Nd4j.getExecutioner().commit();
    }

    @Test
    void fourThreadsThroughTheDirectPassGiveTheSerialResults() throws Exception {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(5).sharedLayers(16, 8).seed(2)
                .sharing(MixtureOfExperts.mmoe(2)).tasks(TASKS.toArray(Task[]::new)).build();
        assertTrue(model.predictsDirectly(), "a mixture of experts predicts through the direct pass");
        MultiDataSet data = TestData.batch(TASKS, 5, 64, 9);
        model.fit(data.copy());
        INDArray all = data.getFeatures(0).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        // Batch sizes 1 to 64: every thread's buffers are re-sized as its calls alternate between them.
        List<INDArray> inputs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inputs.add(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, i % 2 == 0 ? 1 : 64 - i),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        }
        // The reference: the same predict, called from one thread (a pass's arithmetic depends only on the batch size).
        List<Map<String, INDArray>> serial = new ArrayList<>();
        for (INDArray x : inputs) {
            serial.add(model.predict(x));
        }
        assertEquals(1, model.pooledPredictors(), "serial calls reuse one pooled predictor and its buffers");
        int threads = 4;
        predictConcurrently(model, inputs, serial::get, threads);
        assertTrue(model.pooledPredictors() <= threads, "at most one pooled predictor per concurrent caller, found "
                + model.pooledPredictors());
    }

    /**
     * {@code threads} threads released together, each predicting {@link #CALLS_PER_THREAD} of {@code inputs} in its
     * own order; every prediction must equal {@code expected} for its input bitwise.
     */
    private static void predictConcurrently(MultiTaskModel model, List<INDArray> inputs,
                                            IntFunction<Map<String, INDArray>> expected, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    for (int call = 0; call < CALLS_PER_THREAD; call++) {
                        int i = (thread * 5 + call) % inputs.size();
                        Map<String, INDArray> predicted = model.predict(inputs.get(i));
                        for (Task task : TASKS) {
                            assertArrayEquals(expected.apply(i).get(task.name()).dup('c').data().asDouble(),
                                    predicted.get(task.name()).dup('c').data().asDouble(), 0.0,
                                    "thread " + thread + " call " + call + " task " + task.name());
                        }
                    }
                    return CALLS_PER_THREAD;
                }));
            }
            start.countDown();
            int calls = 0;
            for (Future<Integer> result : results) {
                calls += result.get();
            }
            assertEquals(threads * CALLS_PER_THREAD, calls);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Outputs in task order as a map by task name. */
    private static Map<String, INDArray> byTaskName(INDArray[] outputs) {
        Map<String, INDArray> byName = new java.util.LinkedHashMap<>();
        for (int task = 0; task < TASKS.size(); task++) {
            byName.put(TASKS.get(task).name(), outputs[task]);
        }
        return byName;
    }
}
