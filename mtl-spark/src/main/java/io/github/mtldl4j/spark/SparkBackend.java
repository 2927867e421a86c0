package io.github.mtldl4j.spark;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.scaleout.DataParallelBackend;
import io.github.mtldl4j.scaleout.TaskFigures;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

/**
 * Epochs on Spark with dl4j-spark's {@link SparkComputationGraph} and {@link ParameterAveragingTrainingMaster}
 * (parameter averaging, the iterative parameter mixing of McDonald, Hall &amp; Mann, NAACL 2010): every executor fits its partitions' minibatches on a replica, parameters and
 * Adam state are averaged every {@code averagingFrequency} minibatches per worker. The training master ships the
 * driver's configuration with every averaging round, so task weights changed on the driver between epochs reach the
 * workers. Per-task losses and predictions for metrics are computed on the executors ({@link TaskFigures}).
 *
 * <p>Cache the RDDs ({@code persist}) before training: each epoch reads the training data twice (fit, losses).
 */
public final class SparkBackend implements DataParallelBackend {
    private final JavaSparkContext spark;
    private final JavaRDD<MultiDataSet> train;
    private final JavaRDD<MultiDataSet> validation;
    private final TrainingMaster<?, ?> master;
    private SparkComputationGraph sparkGraph;

    /**
     * @param spark the Spark context
     * @param train training minibatches (label masks for missing labels), each of {@code rowsPerElement} rows (the last
     *     of a partition may be smaller)
     * @param validation validation minibatches, or null
     * @param rowsPerElement rows in each element of {@code train}
     * @param batchPerWorker minibatch rows of each worker's fit step
     * @param averagingFrequency minibatches each worker fits between parameter averagings (>= 1)
     */
    public SparkBackend(JavaSparkContext spark, JavaRDD<MultiDataSet> train, JavaRDD<MultiDataSet> validation, int rowsPerElement,
                        int batchPerWorker, int averagingFrequency) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.train = Objects.requireNonNull(train, "train");
        this.validation = validation;
        if (rowsPerElement < 1 || batchPerWorker < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("rows per element, batch per worker and averaging frequency must be >= 1, received "
                    + rowsPerElement + ", " + batchPerWorker + " and " + averagingFrequency + ".");
        }
        // Direct: the (persisted) RDD is split in memory for each averaging round; DL4J's default Export approach
        // first writes it to a directory every node can read, which a local run does not need.
        this.master = new ParameterAveragingTrainingMaster.Builder(rowsPerElement)
                .batchSizePerWorker(batchPerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0)
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .build();
    }

    /**
     * The Aeron property that gradient sharing needs in every JVM (driver and executors): DL4J's UDP transport sets
     * Aeron's client liveness timeout to 30 s, and Aeron (seen with 1.32) refuses to start its media driver
     * unless the publication unblock timeout (default 15 s) is longer ({@code ConfigurationException: ERROR -
     * publicationUnblockTimeoutNs=15000000000 <= clientLivenessTimeoutNs=30000000000}).
     */
    public static final String AERON_UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";
    /** {@link #AERON_UNBLOCK_TIMEOUT}'s value: longer than the 30 s liveness timeout. */
    public static final String AERON_UNBLOCK_TIMEOUT_VALUE = "60s";
    /** The UDP port of gradient sharing's transport on the driver and every executor. */
    public static final int GRADIENT_SHARING_PORT = 40123;

    /**
     * Parameter averaging every {@code averagingFrequency} minibatches (the first constructor), or gradient sharing
     * ({@link #gradientSharing}), with {@code batch}-row elements and fit steps.
     */
    public static SparkBackend of(JavaSparkContext spark, JavaRDD<MultiDataSet> train, JavaRDD<MultiDataSet> validation, int batch,
                                  int averagingFrequency, DataParallelTraining.SparkTraining training) {
        return training == DataParallelTraining.SparkTraining.GRADIENT_SHARING
                ? new SparkBackend(spark, train, validation, gradientSharing(spark, batch))
                : new SparkBackend(spark, train, validation, batch, batch, averagingFrequency);
    }

    /**
     * dl4j-spark's gradient sharing (Strom 2015, "Scalable distributed DNN training using commodity GPU cloud
     * computing"): every worker fits {@code batch}-row minibatches and sends each step's update, threshold-encoded
     * (adaptive threshold from 1e-3; what falls under it is kept as a residual for later steps), to the others over
     * Aeron UDP on port {@link #GRADIENT_SHARING_PORT} of every node, the driver's address ({@code spark.driver.host})
     * as the controller. Asynchronous with residuals, so its result equals one machine's only within a tolerance.
     * Sets {@link #AERON_UNBLOCK_TIMEOUT} in this JVM; {@link DistributedTabularTraining#conf} sets it for executors.
     */
    public static TrainingMaster<?, ?> gradientSharing(JavaSparkContext spark, int batch) {
        if (System.getProperty(AERON_UNBLOCK_TIMEOUT) == null) {
            System.setProperty(AERON_UNBLOCK_TIMEOUT, AERON_UNBLOCK_TIMEOUT_VALUE);
        }
        String driver = spark.getConf().get("spark.driver.host", "127.0.0.1");
        String host = "localhost".equals(driver) ? "127.0.0.1" : driver;
        // The mask picks each node's network interface for the transport: the driver's /8 (127.0.0.0/8 on one machine).
        String mask = host.matches("\\d+\\.\\d+\\.\\d+\\.\\d+") ? host.substring(0, host.indexOf('.')) + ".0.0.0/8" : null;
        VoidConfiguration.VoidConfigurationBuilder transport = VoidConfiguration.builder().unicastPort(GRADIENT_SHARING_PORT)
                .controllerAddress(host);
        if (mask != null) {
            transport.networkMask(mask);
        }
        return new SharedTrainingMaster.Builder(transport.build(), batch)
                .batchSizePerWorker(batch)
                .workersPerNode(1)
                .thresholdAlgorithm(new AdaptiveThresholdAlgorithm(1e-3))
                .workerPrefetchNumBatches(0)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_ONLY())
                .build();
    }

    /**
     * With a training master of the caller's (e.g. parameter averaging with the Export approach for RDDs larger than the
     * cluster's memory, or {@link #gradientSharing} with another transport configuration). The
     * master must ship the driver's configuration to the workers for every fit, as the parameter-averaging one does,
     * or task weights changed between epochs do not reach them.
     */
    public SparkBackend(JavaSparkContext spark, JavaRDD<MultiDataSet> train, JavaRDD<MultiDataSet> validation,
                        TrainingMaster<?, ?> master) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.train = Objects.requireNonNull(train, "train");
        this.validation = validation;
        this.master = Objects.requireNonNull(master, "master");
    }

    /**
     * {@code batch} with every {@code [rows, 1]} label mask of a label wider than one column widened to the label's
     * width. DL4J's workers assemble their minibatches from ours with ND4J's {@code MultiDataSet.merge}, which copies a
     * {@code [rows, 1]} mask of a wider label into a {@code [rows, columns]} one in row-major order, so a missing label's 0
     * lands on another row and class (tested); masks as wide as their labels merge row by row, and {@code WeightedLoss}
     * narrows them back for cross-entropy.
     */
    static MultiDataSet mergeableMasks(MultiDataSet batch) {
        INDArray[] masks = batch.getLabelsMaskArrays();
        if (masks == null) {
            return batch;
        }
        INDArray[] widened = masks.clone();
        boolean changed = false;
        for (int t = 0; t < masks.length; t++) {
            INDArray labels = batch.getLabels(t);
            if (masks[t] != null && masks[t].rank() == 2 && masks[t].columns() == 1 && labels.rank() == 2 && labels.columns() > 1) {
                widened[t] = org.nd4j.linalg.factory.Nd4j.ones(masks[t].dataType(), labels.rows(), labels.columns())
                        .muliColumnVector(masks[t]);
                changed = true;
            }
        }
        return changed ? new org.nd4j.linalg.dataset.MultiDataSet(batch.getFeatures(), batch.getLabels(), batch.getFeaturesMaskArrays(),
                widened) : batch;
    }

    @Override
    public void fitEpoch(MultiTaskModel model, int epoch) {
        if (sparkGraph == null) {
            sparkGraph = new SparkComputationGraph(spark, model.graph(), master);
        }
        INDArray before = master instanceof SharedTrainingMaster ? model.graph().params().dup() : null;
        sparkGraph.fitMultiDataSet(train.map(SparkBackend::mergeableMasks));
        if (before != null && before.equals(model.graph().params())) {
            // Seen on a standalone cluster of one machine: every executor had the address 127.0.0.1, each made itself the
            // root of its own mesh, and the driver's parameters stayed as they were (docs/scale-out.md).
            throw new InvalidSettingException(TabularSetting.SPARK_TRAINING, SettingMessage.of(TabularSetting.SPARK_TRAINING,
                    " gradient-sharing: epoch " + epoch + " left the driver's parameters unchanged, so the workers' updates did "
                    + "not reach it (executors sharing one IP address, or UDP port " + GRADIENT_SHARING_PORT + " blocked between "
                    + "the nodes); train with parameter averaging instead: leave out ", TabularSetting.SPARK_TRAINING, "."));
        }
    }

    @Override
    public TaskFigures trainingFigures(MultiTaskModel model) {
        return figures(spark, model, train, false);
    }

    @Override
    public TaskFigures validationFigures(MultiTaskModel model) {
        return validation == null ? null : figures(spark, model, validation, true);
    }

    @Override
    public String describe() {
        return "Spark " + spark.master() + (master instanceof SharedTrainingMaster ? ", gradient sharing" : "");
    }

    /**
     * The model's per-task figures on {@code data}, computed on the executors (each partition loads the model once from a
     * broadcast copy) and merged on the driver.
     *
     * @param keepPredictions whether to bring back labels and predictions for metrics (rows x task width numbers)
     */
    public static TaskFigures figures(JavaSparkContext spark, MultiTaskModel model, JavaRDD<MultiDataSet> data, boolean keepPredictions) {
        Broadcast<byte[]> modelBytes = spark.broadcast(bytesOf(model));
        try {
            int tasks = model.tasks().size();
            return data.mapPartitions(batches -> List.of(TaskFigures.of(modelOf(modelBytes.value()), batches, keepPredictions)).iterator())
                    .fold(TaskFigures.empty(tasks), TaskFigures::merge);
        } finally {
            modelBytes.destroy();
        }
    }

    /** The model as the bytes of its model.zip. */
    static byte[] bytesOf(MultiTaskModel model) {
        try {
            Path file = Files.createTempFile("mtl-spark-model", ".zip");
            try {
                model.save(file);
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not serialize the model for the executors", e);
        }
    }

    /** A model from the bytes of its model.zip. */
    static MultiTaskModel modelOf(byte[] bytes) {
        try {
            Path file = Files.createTempFile("mtl-spark-model", ".zip");
            try {
                Files.write(file, bytes);
                return MultiTaskModel.load(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not load the broadcast model on an executor", e);
        }
    }
}
