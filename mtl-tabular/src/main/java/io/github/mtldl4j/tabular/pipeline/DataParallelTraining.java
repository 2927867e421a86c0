package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.train.EpochListener;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * {@link TabularTraining} with the epochs run data-parallel, on Spark or on several workers of this machine, as a
 * service: mtl-spark provides it ({@code META-INF/services}), and a front end finds it with {@link #find()}, so that
 * it carries Spark on its class path only when asked to train data-parallel. A library user who depends on mtl-spark
 * can call its {@code DistributedTabularTraining} directly instead.
 */
public interface DataParallelTraining {

    /** Where the epochs run. */
    sealed interface Placement permits SparkCluster, LocalWorkers {
        /** The setting that asks for this placement, for messages. */
        Setting setting();

        /** Minibatches each worker fits between parameter averagings. */
        int averagingFrequency();
    }

    /** How the Spark workers combine their training of the epochs' own-loss steps (per-step methods always step synchronously). */
    enum SparkTraining {
        /** dl4j-spark's parameter averaging every {@code averagingFrequency} minibatches per worker. */
        PARAMETER_AVERAGING,
        /**
         * dl4j-spark's gradient sharing ({@code SharedTrainingMaster}): every step's update, threshold-encoded with
         * residuals, sent asynchronously to the other workers; equal to one machine only within a tolerance.
         */
        GRADIENT_SHARING
    }

    /**
     * On Spark; the provider checks the values.
     *
     * @param master a Spark master URL ({@code local[2]}, {@code spark://host:7077}, {@code yarn}, ...)
     * @param averagingFrequency minibatches each worker fits between averagings
     * @param training parameter averaging or gradient sharing
     */
    record SparkCluster(String master, int averagingFrequency, SparkTraining training) implements Placement {
        /** With parameter averaging. */
        public SparkCluster(String master, int averagingFrequency) {
            this(master, averagingFrequency, SparkTraining.PARAMETER_AVERAGING);
        }

        @Override
        public Setting setting() {
            return TabularSetting.SPARK;
        }
    }

    /**
     * On several devices of this machine; the provider checks the values.
     *
     * @param workers model replicas trained in parallel
     * @param averagingFrequency minibatches each worker fits between averagings
     */
    record LocalWorkers(int workers, int averagingFrequency) implements Placement {
        @Override
        public Setting setting() {
            return TabularSetting.WORKERS;
        }
    }

    /**
     * Checks, before any work starts, that {@code method} can run data-parallel and that the placement's values are
     * valid.
     *
     * @param method a weighting name of the method registry
     * @param weights fixed weights by task name
     * @throws InvalidSettingException naming the setting to change
     */
    void check(String method, Map<String, Double> weights, Placement placement);

    /**
     * A data-parallel run: the outputs of
     * {@link TabularTraining#train(CsvTable, CsvTable, TabularTraining.Settings, TabularTraining.Hooks)}, and who trained.
     *
     * @param executors the ids of the Spark executors that ran the run's tasks ({@code driver} in local mode), numeric
     *                  order; empty for {@link LocalWorkers}
     * @param synchronousSteps with synchronous gradient steps (per-step methods on Spark) their figures for metrics.json
     *                         ({@code steps}, {@code ms_per_step}, {@code broadcast_bytes_per_step},
     *                         {@code result_bytes_per_step}); empty otherwise
     */
    record Trained(TabularTraining.Result result, List<String> executors, java.util.Map<String, Object> synchronousSteps) {
        /** Copies the figures. */
        public Trained {
            synchronousSteps = java.util.Map.copyOf(synchronousSteps);
        }

        /** A run without synchronous steps. */
        public Trained(TabularTraining.Result result, List<String> executors) {
            this(result, executors, java.util.Map.of());
        }
    }

    /**
     * Splits, fits the preprocessing on the driver, trains data-parallel and evaluates.
     *
     * @param validation a separate validation table, or null to split off {@code settings.validFraction()}
     * @param listener told after every epoch, or null
     */
    Trained train(CsvTable table, CsvTable validation, TabularTraining.Settings settings, Placement placement,
                                 EpochListener listener);

    /**
     * A table that Spark reads where it lives (a path every node can read: {@code file://}, {@code hdfs://},
     * {@code s3a://}, ...), split into training and validation rows on the executors; the driver holds only a bounded
     * sample of the rows. Close it to stop Spark.
     */
    interface ExecutorTable extends AutoCloseable {
        /** The path as given, for messages and metrics.json. */
        String source();

        /** Training rows (all of them, counted on the executors). */
        long trainingRows();

        /** Validation rows (all of them, counted on the executors). */
        long validationRows();

        /** How the validation rows were chosen, e.g. "20 % of the rows by a hash of each row and seed 42". */
        String validationRule();

        /** A uniform sample of the training rows (all of them up to a bound), read to the driver to fit the preprocessing. */
        CsvTable sample();

        /** Fits the preprocessing on {@link #sample()}, encodes the rows on the executors, trains and evaluates. */
        Trained train(TabularTraining.Settings settings, EpochListener listener);

        /** Stops Spark. */
        @Override
        void close();
    }

    /**
     * Opens {@code path} with Spark on {@code placement} (the driver never reads the file itself) and checks that it
     * has the columns {@code settings} names.
     *
     * @param validationPath a separate validation file read the same way, or null to split off
     *                       {@code settings.validFraction()} of the rows, chosen by a hash of each row's text and the seed
     * @throws io.github.mtldl4j.data.InvalidDataException naming the file (and the line and column) that cannot be used
     */
    ExecutorTable open(String path, String validationPath, TabularTraining.Settings settings, SparkCluster placement);

    /**
     * Starts Spark on {@code master} for several trainings in this JVM: until the returned session is closed, every
     * training on that master runs in its context (one Spark application, whose executors start once) instead of
     * starting and stopping its own.
     */
    AutoCloseable session(String master);

    /** The provider on the class path (mtl-spark's), or empty when there is none. */
    static Optional<DataParallelTraining> find() {
        return ServiceLoader.load(DataParallelTraining.class, DataParallelTraining.class.getClassLoader()).findFirst();
    }
}
