package io.github.mtldl4j.spark;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.train.ShardedGradientStep;
import io.github.mtldl4j.train.ShardedGradientStep.ShardGradients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The transport of {@link ShardedGradientStep} on Spark: one small job per step over the cached shards.
 *
 * <p>Each partition of the training RDD becomes a list of shards of {@code ceil(globalBatch / partitions)} rows (cached
 * on its executor); global step s is shard s of every partition. Per step the driver broadcasts its parameters (P
 * numbers), each partition's task sets them on its replica (the model itself is broadcast once and loaded once per
 * partition and executor JVM), computes its shard's {@link ShardGradients} and the results are summed with
 * {@code treeReduce} (no zero value shipped to the executors; a reduction tree with many workers); the driver applies
 * the step. The driver alone holds the optimizer state, so every replica starts each step from the same parameters by
 * construction; bytes moved per step: P parameters to each worker, and back from each every task's gradient sums on the
 * parameters its loss reaches (K S + (P - S) numbers for hard sharing with a trunk of S parameters, instead of K P).
 *
 * <p>Why Spark jobs rather than barrier execution with {@code allGather}: {@code allGather} in Spark 3.1 carries
 * strings only (the per-task gradients would travel as text through the driver, which relays every message anyway), the
 * barrier stage has to be kept alive for the whole training and restarts as a whole on any failure; a job per step
 * uses Spark's ordinary scheduling, retries and locality, at the price of a job's latency per step (measured in
 * docs/scale-out.md).
 */
public final class SparkGradientSteps implements AutoCloseable {
    /** The Spark job group of the steps' jobs (for the bytes counted and Spark's UI). */
    public static final String JOB_GROUP = "mtl-gradient-steps";

    /**
     * Replicas on this JVM by partition: one model per partition task, reloaded when a new training's model arrives
     * (known by {@code training}: broadcast ids start again at 0 in every Spark context, and in local mode the
     * executors are this JVM, which can run one training after another).
     */
    private static final Map<Integer, Replica> REPLICAS = new ConcurrentHashMap<>();

    private final JavaSparkContext spark;
    private final MultiTaskModel model;
    private final ShardedGradientStep step;
    private final JavaRDD<List<MultiDataSet>> shards;
    private final Broadcast<byte[]> modelBytes;
    private final int steps;
    private final int shardRows;
    private final String training = java.util.UUID.randomUUID().toString();
    private final ResultBytes resultBytes = new ResultBytes();
    private long stepsRun;
    private long nanos;
    private long broadcastBytes;

    /**
     * @param train training minibatches of any size (label masks for missing labels); cache it if it is expensive to
     *     compute, the shards are cached here
     * @param globalBatch rows of one global step, split evenly over the RDD's partitions
     * @param step the driver's step, which holds the model's optimizer state
     */
    public SparkGradientSteps(JavaSparkContext spark, JavaRDD<MultiDataSet> train, int globalBatch, MultiTaskModel model,
                              ShardedGradientStep step) {
        if (globalBatch < 1) {
            throw new IllegalArgumentException("The global batch must be >= 1 row, received " + globalBatch + ".");
        }
        this.spark = spark;
        this.model = model;
        this.step = step;
        int partitions = train.getNumPartitions();
        this.shardRows = (globalBatch + partitions - 1) / partitions;
        int rows = shardRows;
        this.shards = train.mapPartitions(batches -> List.of(shardsOf(batches, rows)).iterator()).persist(StorageLevel.MEMORY_ONLY());
        this.steps = shards.map(List::size).fold(0, Math::max);
        this.modelBytes = spark.broadcast(SparkBackend.bytesOf(model));
        spark.sc().addSparkListener(resultBytes);
    }

    /** Global steps in one pass over the shards (the most shards of any partition). */
    public int steps() {
        return steps;
    }

    /** Rows of each worker's shard ({@code ceil(globalBatch / partitions)}). */
    public int shardRows() {
        return shardRows;
    }

    /**
     * One global step: shard {@code index} of every partition (a partition with fewer shards sends nothing).
     *
     * @return the step's losses and weights, or null when the global batch had no label
     */
    public ShardedGradientStep.Step step(int index, int epoch) {
        long start = System.nanoTime();
        INDArray params = model.graph().params();
        double[] values = params.reshape(params.length()).toDoubleVector();
        Broadcast<double[]> parameters = spark.broadcast(values);
        Broadcast<byte[]> bytes = modelBytes;
        String key = training;
        boolean gram = step.usesRepresentationGram();
        ShardGradients sum;
        try {
            spark.setJobGroup(JOB_GROUP, "synchronous gradient step", false);
            sum = shards.mapPartitionsWithIndex((partition, lists) -> {
                List<MultiDataSet> mine = lists.next();
                Replica replica = replica(key, bytes, partition, gram);
                INDArray theirs = replica.model().graph().params();
                replica.model().graph().setParams(Nd4j.createFromArray(parameters.value()).castTo(theirs.dataType()).reshape(theirs.shape()));
                return List.of(replica.worker().gradients(index < mine.size() ? mine.get(index) : null)).iterator();
            }, false).treeReduce(ShardGradients::plus);
        } finally {
            spark.clearJobGroup();
            parameters.destroy();
        }
        ShardedGradientStep.Step result = step.apply(sum, epoch);
        nanos += System.nanoTime() - start;
        broadcastBytes += 8L * values.length;
        stepsRun++;
        return result;
    }

    /**
     * Steps run, their mean wall time in ms, and the bytes moved per step: the parameters broadcast (8 bytes per
     * parameter; sent once to each executor), and the task results the workers sent back as Spark counted them
     * (serialized, with Spark's own task metrics).
     */
    public record Traffic(long steps, double millisPerStep, double broadcastBytesPerStep, double resultBytesPerStep) {
    }

    /** What the steps so far cost. Spark counts results asynchronously: read after the jobs are done. */
    public Traffic traffic() {
        return stepsRun == 0 ? new Traffic(0, Double.NaN, Double.NaN, Double.NaN)
                : new Traffic(stepsRun, nanos / 1e6 / stepsRun, (double) broadcastBytes / stepsRun, (double) resultBytes.total() / stepsRun);
    }

    @Override
    public void close() {
        spark.sc().removeSparkListener(resultBytes);
        shards.unpersist();
        modelBytes.destroy();
    }

    private record Replica(String training, MultiTaskModel model, ShardedGradientStep.Worker worker) {
    }

    private static Replica replica(String training, Broadcast<byte[]> model, int partition, boolean gram) {
        Replica replica = REPLICAS.get(partition);
        if (replica == null || !replica.training().equals(training)) {
            MultiTaskModel loaded = SparkBackend.modelOf(model.value());
            replica = new Replica(training, loaded, new ShardedGradientStep.Worker(loaded, gram));
            REPLICAS.put(partition, replica);
        }
        return replica;
    }

    /** A partition's minibatches, concatenated and cut into shards of {@code rows} rows (the last may be smaller). */
    static List<MultiDataSet> shardsOf(java.util.Iterator<MultiDataSet> batches, int rows) {
        List<org.nd4j.linalg.dataset.api.MultiDataSet> all = new ArrayList<>();
        batches.forEachRemaining(all::add);
        List<MultiDataSet> out = new ArrayList<>();
        if (all.isEmpty()) {
            return out;
        }
        // Concatenated array by array: ND4J's MultiDataSet.merge widens [N,1] label masks to the labels' shape, which
        // softmax outputs refuse.
        MultiDataSet merged = all.size() == 1 ? all.get(0) : new org.nd4j.linalg.dataset.MultiDataSet(
                concat(all, MultiDataSet::getFeatures), concat(all, MultiDataSet::getLabels),
                concat(all, MultiDataSet::getFeaturesMaskArrays), concat(all, MultiDataSet::getLabelsMaskArrays));
        long total = merged.getFeatures(0).size(0);
        for (long from = 0; from < total; from += rows) {
            long to = Math.min(total, from + rows);
            out.add(new org.nd4j.linalg.dataset.MultiDataSet(slice(merged.getFeatures(), from, to), slice(merged.getLabels(), from, to),
                    slice(merged.getFeaturesMaskArrays(), from, to), slice(merged.getLabelsMaskArrays(), from, to)));
        }
        return out;
    }

    /** Each array concatenated along rows over the batches; a mask absent in some batch is all ones there. */
    private static INDArray[] concat(List<MultiDataSet> batches, java.util.function.Function<MultiDataSet, INDArray[]> arrays) {
        INDArray[] first = null;
        for (MultiDataSet batch : batches) {
            if (arrays.apply(batch) != null) {
                first = arrays.apply(batch);
                break;
            }
        }
        if (first == null) {
            return null;
        }
        INDArray[] out = new INDArray[first.length];
        for (int i = 0; i < out.length; i++) {
            INDArray like = null;
            for (MultiDataSet batch : batches) {
                INDArray[] a = arrays.apply(batch);
                if (a != null && a[i] != null) {
                    like = a[i];
                    break;
                }
            }
            if (like == null) {
                continue;
            }
            INDArray[] parts = new INDArray[batches.size()];
            for (int b = 0; b < parts.length; b++) {
                INDArray[] a = arrays.apply(batches.get(b));
                INDArray part = a == null ? null : a[i];
                if (part == null) {
                    long[] shape = like.shape().clone();
                    shape[0] = batches.get(b).getFeatures(0).size(0);
                    part = Nd4j.ones(like.dataType(), shape);
                }
                parts[b] = part;
            }
            out[i] = Nd4j.concat(0, parts);
        }
        return out;
    }

    private static INDArray[] slice(INDArray[] arrays, long from, long to) {
        if (arrays == null) {
            return null;
        }
        INDArray[] out = new INDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i] != null) {
                INDArrayIndex[] index = new INDArrayIndex[arrays[i].rank()];
                index[0] = NDArrayIndex.interval(from, to);
                for (int d = 1; d < index.length; d++) {
                    index[d] = NDArrayIndex.all();
                }
                out[i] = arrays[i].get(index).dup('c');
            }
        }
        return out;
    }

    /** Sums the result sizes of the tasks of this class's jobs. */
    private static final class ResultBytes extends SparkListener {
        private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
        private final AtomicLong total = new AtomicLong();

        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
            if (jobStart.properties() != null && JOB_GROUP.equals(jobStart.properties().getProperty("spark.jobGroup.id"))) {
                scala.collection.Iterator<Object> ids = jobStart.stageIds().iterator();
                while (ids.hasNext()) {
                    stages.add((Integer) ids.next());
                }
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (stages.contains(taskEnd.stageId()) && taskEnd.taskMetrics() != null) {
                total.addAndGet(taskEnd.taskMetrics().resultSize());
            }
        }

        long total() {
            return total.get();
        }
    }
}
