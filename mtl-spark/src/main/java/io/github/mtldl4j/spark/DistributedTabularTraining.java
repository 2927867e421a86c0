package io.github.mtldl4j.spark;

import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.scaleout.DataParallelBackend;
import io.github.mtldl4j.scaleout.EpochwiseTrainer;
import io.github.mtldl4j.scaleout.ParallelWrapperBackend;
import io.github.mtldl4j.scaleout.ScaleOutMethods;
import io.github.mtldl4j.scaleout.TaskFigures;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.train.TrainingHistory;
import io.github.mtldl4j.weighting.LossWeighting;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * The command line's {@code train} with {@code --spark MASTER} or {@code --workers N}: the same split, preprocessing
 * (fitted on the training rows on the driver), graph and outputs as {@link TabularTraining}, the epochs run
 * data-parallel by an {@link EpochwiseTrainer} on Spark ({@link SparkBackend}; rows encoded on the executors) or on
 * several local workers ({@link ParallelWrapperBackend}). Supported methods: {@link ScaleOutMethods}.
 */
public final class DistributedTabularTraining {

    private DistributedTabularTraining() {
    }

    /** Where the epochs run. */
    public sealed interface Mode permits OnSpark, OnWorkers {
        /** The setting that asks for this mode, for messages. */
        Setting setting();

        /** Minibatches each worker fits between parameter averagings. */
        int averagingFrequency();
    }

    /**
     * On Spark.
     *
     * @param master a Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}, ...)
     * @param averagingFrequency minibatches each worker fits between averagings (parameter averaging)
     * @param training parameter averaging or gradient sharing (for the methods that do not step synchronously)
     */
    public record OnSpark(String master, int averagingFrequency, DataParallelTraining.SparkTraining training) implements Mode {
        /** With parameter averaging. */
        public OnSpark(String master, int averagingFrequency) {
            this(master, averagingFrequency, DataParallelTraining.SparkTraining.PARAMETER_AVERAGING);
        }

        /** Validates. */
        public OnSpark {
            if (master == null || master.isBlank()) {
                throw new InvalidSettingException(TabularSetting.SPARK, SettingMessage.of(TabularSetting.SPARK,
                        " needs a master URL, e.g. local[2], spark://host:7077 or yarn; received " + (master == null ? "null" : "'" + master + "'") + "."));
            }
            checkFrequency(averagingFrequency);
            java.util.Objects.requireNonNull(training, "training");
        }

        @Override
        public Setting setting() {
            return TabularSetting.SPARK;
        }
    }

    /**
     * On several devices of this machine.
     *
     * @param workers model replicas trained in parallel
     * @param averagingFrequency minibatches each worker fits between averagings
     */
    public record OnWorkers(int workers, int averagingFrequency) implements Mode {
        /** Validates. */
        public OnWorkers {
            if (workers < 1) {
                throw new InvalidSettingException(TabularSetting.WORKERS, SettingMessage.of(TabularSetting.WORKERS, " must be >= 1, received " + workers + "."));
            }
            checkFrequency(averagingFrequency);
        }

        @Override
        public Setting setting() {
            return TabularSetting.WORKERS;
        }
    }

    private static void checkFrequency(int averagingFrequency) {
        if (averagingFrequency < 1) {
            throw new InvalidSettingException(TabularSetting.AVERAGING_FREQUENCY, SettingMessage.of(TabularSetting.AVERAGING_FREQUENCY,
                    " must be >= 1, received " + averagingFrequency + "."));
        }
    }

    /**
     * Splits, fits the preprocessing, trains data-parallel and evaluates (per-task metrics in label units on the
     * validation rows, computed on the executors with Spark). Settings without a chosen weighting train with fixed
     * weights, which parameter averaging takes ({@link TabularTraining.Settings#forDataParallel()}); so do the other
     * entry points of this class and {@link SparkFileTraining}.
     *
     * @param validation a separate validation table, or null to split off {@code settings.validFraction()}
     */
    public static TabularTraining.Result train(CsvTable table, CsvTable validation, TabularTraining.Settings settings, Mode mode,
                                               EpochListener listener) {
        return run(table, validation, settings, mode, listener).result();
    }

    /**
     * A data-parallel run's result and the ids of the Spark executors that ran its tasks (numeric order; {@code driver}
     * in local mode; empty with ParallelWrapper).
     */
    public record Run(TabularTraining.Result result, List<String> executors, Map<String, Object> synchronousSteps) {
        /** A run without synchronous gradient steps. */
        public Run(TabularTraining.Result result, List<String> executors) {
            this(result, executors, Map.of());
        }
    }

    /** Synchronous steps' cost as metrics.json names it ({@link DataParallelTraining.Trained#synchronousSteps}). */
    static Map<String, Object> figures(SparkGradientSteps.Traffic traffic) {
        Map<String, Object> figures = new java.util.LinkedHashMap<>();
        figures.put("steps", traffic.steps());
        figures.put("ms_per_step", Math.round(traffic.millisPerStep() * 10) / 10.0);
        figures.put("broadcast_bytes_per_step", Math.round(traffic.broadcastBytesPerStep()));
        figures.put("result_bytes_per_step", Math.round(traffic.resultBytesPerStep()));
        return figures;
    }

    /** As {@link #train(CsvTable, CsvTable, TabularTraining.Settings, Mode, EpochListener)}, with the executors that took part. */
    public static Run run(CsvTable table, CsvTable validation, TabularTraining.Settings given, Mode mode, EpochListener listener) {
        TabularTraining.Settings settings = given.forDataParallel();
        Prepared prepared = prepare(table, validation, settings, mode.setting());
        if (mode instanceof OnWorkers workers) {
            MultiTaskModel model = prepared.data().model();
            DataParallelBackend backend = new ParallelWrapperBackend(prepared.data().trainEncoding().data(), prepared.data().validData(), workers.workers(),
                    settings.batch(), workers.averagingFrequency(), settings.seed());
            long start = System.nanoTime();
            TrainingHistory history = trainer(model, backend, prepared.weighting(), settings, listener, prepared.data().preprocessor()).fit();
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, TaskMetrics> metrics = TabularTraining.evaluate(model, prepared.data().preprocessor(), prepared.data().validData());
            return new Run(new TabularTraining.Result(model, prepared.data().preprocessor(), history, metrics, seconds,
                    prepared.data().validData(), prepared.data().trainEncoding()), List.of());
        }
        OnSpark onSpark = (OnSpark) mode;
        JavaSparkContext session = active(onSpark.master());
        if (session != null) {
            return runIn(session, prepared, settings, onSpark, listener);
        }
        try (JavaSparkContext spark = new JavaSparkContext(conf(onSpark.master()))) {
            return runIn(spark, prepared, settings, onSpark, listener);
        }
    }

    private static Run runIn(JavaSparkContext spark, Prepared prepared, TabularTraining.Settings settings, OnSpark onSpark,
                             EpochListener listener) {
        ExecutorsSeen executors = new ExecutorsSeen();
        spark.sc().addSparkListener(executors);
        try {
            Run run = trainOnSpark(spark, prepared, settings, onSpark, listener);
            return new Run(run.result(), executors.ids(), run.synchronousSteps());
        } finally {
            spark.sc().removeSparkListener(executors);
        }
    }

    /** The context of the open session ({@link #session}), or null. */
    private static final java.util.concurrent.atomic.AtomicReference<JavaSparkContext> SESSION = new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Starts Spark on {@code master} for several trainings in this JVM ({@link DataParallelTraining#session}): until the
     * returned session is closed, trainings on {@code master} run in its context and leave it running.
     *
     * @throws IllegalStateException when a session is open already
     */
    static AutoCloseable session(String master) {
        JavaSparkContext spark = new JavaSparkContext(conf(master));
        if (!SESSION.compareAndSet(null, spark)) {
            spark.stop();
            throw new IllegalStateException("A Spark session is open already in this JVM; close it first.");
        }
        return () -> {
            SESSION.compareAndSet(spark, null);
            spark.stop();
        };
    }

    /**
     * The open session's context when its master is {@code master} ({@link #session}), which a training uses and
     * leaves running; else null: the training starts its own context and stops it.
     */
    static JavaSparkContext active(String master) {
        JavaSparkContext spark = SESSION.get();
        return spark != null && spark.master().equals(master) ? spark : null;
    }

    /**
     * As {@link #train(CsvTable, CsvTable, TabularTraining.Settings, Mode, EpochListener)} on Spark, in a context the
     * caller owns (and stops).
     */
    public static TabularTraining.Result train(JavaSparkContext spark, CsvTable table, CsvTable validation,
                                               TabularTraining.Settings given, int averagingFrequency, EpochListener listener) {
        checkFrequency(averagingFrequency);
        TabularTraining.Settings settings = given.forDataParallel();
        return trainOnSpark(spark, prepare(table, validation, settings, TabularSetting.SPARK), settings,
                new OnSpark(spark.master(), averagingFrequency), listener).result();
    }

    /**
     * What the driver prepares before training: the method checked before anything else, then what
     * {@link TabularTraining#prepare} does for every tabular training (the training rows are encoded on the driver too,
     * for the summary of what was imputed or masked that the command line prints).
     */
    private record Prepared(LossWeighting weighting, TabularTraining.Prepared data) {
    }

    private static Prepared prepare(CsvTable table, CsvTable validation, TabularTraining.Settings settings, Setting mode) {
        LossWeighting weighting = ScaleOutMethods.weighting(settings.method(), settings.weights(), mode);
        return new Prepared(weighting, TabularTraining.prepare(table, validation, settings));
    }

    /**
     * As {@link #train(JavaSparkContext, CsvTable, CsvTable, TabularTraining.Settings, int, EpochListener)} with
     * {@code mode}'s training (its master is the context's).
     */
    public static TabularTraining.Result train(JavaSparkContext spark, CsvTable table, CsvTable validation,
                                               TabularTraining.Settings given, OnSpark mode, EpochListener listener) {
        TabularTraining.Settings settings = given.forDataParallel();
        return trainOnSpark(spark, prepare(table, validation, settings, TabularSetting.SPARK), settings, mode, listener).result();
    }

    private static Run trainOnSpark(JavaSparkContext spark, Prepared prepared, TabularTraining.Settings settings,
                                                       OnSpark mode, EpochListener listener) {
        TabularPreprocessor preprocessor = prepared.data().preprocessor();
        MultiTaskModel model = prepared.data().model();
        int partitions = spark.defaultParallelism();
        JavaRDD<org.nd4j.linalg.dataset.api.MultiDataSet> train = SparkTabularData.encode(
                SparkTabularData.parallelize(spark, prepared.data().train(), partitions), preprocessor, settings.batch()).persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<org.nd4j.linalg.dataset.api.MultiDataSet> valid = SparkTabularData.encode(
                SparkTabularData.parallelize(spark, prepared.data().validation(), partitions), preprocessor, Math.max(settings.batch(), 256))
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            SparkBackend backend = SparkBackend.of(spark, train, valid, settings.batch(), mode.averagingFrequency(), mode.training());
            long start = System.nanoTime();
            TrainingHistory history;
            Map<String, Object> steps = Map.of();
            if (ScaleOutMethods.stepsSynchronously(settings.method())) {
                SynchronousGradientTrainer synchronous = synchronousTrainer(spark, model, train, valid, prepared.weighting(), settings,
                        listener, preprocessor);
                history = synchronous.fit();
                steps = figures(synchronous.traffic());
            } else {
                history = trainer(model, backend, prepared.weighting(), settings, listener, prepared.data().preprocessor()).fit();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // The kept model's figures, loss included, measured on the executors after training.
            TaskFigures figures = SparkBackend.figures(spark, model, valid, true);
            Map<String, TaskMetrics> metrics = figures.metrics(model.tasks(), preprocessor::toLabelUnits);
            return new Run(new TabularTraining.Result(model, preprocessor, history,
                    TabularTraining.withLoss(metrics, figures.meanLosses(model.taskNames())), seconds, prepared.data().validData(),
                    prepared.data().trainEncoding()), List.of(), steps);
        } finally {
            train.unpersist();
            valid.unpersist();
        }
    }

    /** The executors' garbage collector when their JVM options name none (as {@code ./mtl} does for its own JVM). */
    public static final String EXECUTOR_COLLECTOR = "-XX:+UseSerialGC";

    private static final Pattern COLLECTOR_OPTION = Pattern.compile("-XX:[+-]Use\\w*GC\\b");

    /**
     * A Spark configuration for {@code master}; local masters bind to localhost and run without the web UI. The
     * executors' JVM options ({@code spark.executor.extraJavaOptions}, as given) gain the Aeron timeout gradient sharing
     * needs and, unless they name a garbage collector, {@link #EXECUTOR_COLLECTOR}: with G1, an executor's resident
     * memory grew 1.74x from 1 to 12 epochs of parameter averaging, with the serial collector 1.11x (ND4J frees an
     * array's native buffer only when its Java object is collected; docs/performance.md, "Memory").
     */
    public static SparkConf conf(String master) {
        SparkConf conf = new SparkConf().setAppName("mtl train").setMaster(master);
        conf.setIfMissing("spark.ui.enabled", "false");
        String executorOptions = conf.get("spark.executor.extraJavaOptions", "");
        // Gradient sharing's transport starts an Aeron media driver in every JVM; see SparkBackend.AERON_UNBLOCK_TIMEOUT.
        if (!executorOptions.contains(SparkBackend.AERON_UNBLOCK_TIMEOUT)) {
            executorOptions += " -D" + SparkBackend.AERON_UNBLOCK_TIMEOUT + "=" + SparkBackend.AERON_UNBLOCK_TIMEOUT_VALUE;
        }
        if (!COLLECTOR_OPTION.matcher(executorOptions).find()) {
            executorOptions += " " + EXECUTOR_COLLECTOR;
        }
        conf.set("spark.executor.extraJavaOptions", executorOptions.strip());
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "localhost");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return conf;
    }

    /** The per-step methods on Spark: synchronous gradient steps, the global batch split over the partitions. */
    static SynchronousGradientTrainer synchronousTrainer(JavaSparkContext spark, MultiTaskModel model,
                                                                 JavaRDD<org.nd4j.linalg.dataset.api.MultiDataSet> train,
                                                                 JavaRDD<org.nd4j.linalg.dataset.api.MultiDataSet> valid, LossWeighting weighting,
                                                                 TabularTraining.Settings settings, EpochListener listener,
                                                                 TabularPreprocessor preprocessor) {
        SynchronousGradientTrainer.Builder trainer = SynchronousGradientTrainer.builder(model, spark, train, settings.batch())
                .validation(valid).weighting(weighting).aggregator(MethodRegistry.aggregator(settings.method())).seed(settings.seed())
                .epochs(settings.epochs()).metricsInLabelUnits(preprocessor::toLabelUnits).keep(settings.kept());
        if (settings.patience() != null) {
            trainer.earlyStopping(settings.patience());
        }
        if (listener != null) {
            trainer.listener(listener);
        }
        return trainer.build();
    }

    static EpochwiseTrainer trainer(MultiTaskModel model, DataParallelBackend backend, LossWeighting weighting,
                                            TabularTraining.Settings settings, EpochListener listener, TabularPreprocessor preprocessor) {
        EpochwiseTrainer.Builder trainer = EpochwiseTrainer.builder(model, backend).epochs(settings.epochs()).weighting(weighting)
                .metricsInLabelUnits(preprocessor::toLabelUnits).keep(settings.kept());
        if (settings.patience() != null) {
            trainer.earlyStopping(settings.patience());
        }
        if (listener != null) {
            trainer.listener(listener);
        }
        return trainer.build();
    }
}
