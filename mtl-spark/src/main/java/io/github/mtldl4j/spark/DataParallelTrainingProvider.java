package io.github.mtldl4j.spark;

import io.github.mtldl4j.scaleout.ScaleOutMethods;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import java.util.Map;

/**
 * mtl-spark's {@link DataParallelTraining}, found through {@code META-INF/services}: {@link DistributedTabularTraining}
 * with the supported methods of {@link ScaleOutMethods}.
 */
public final class DataParallelTrainingProvider implements DataParallelTraining {

    /** For {@link java.util.ServiceLoader}. */
    public DataParallelTrainingProvider() {
    }

    @Override
    public void check(String method, Map<String, Double> weights, Placement placement) {
        ScaleOutMethods.weighting(method, weights, placement.setting());
        if (placement instanceof SparkCluster spark && spark.training() == SparkTraining.GRADIENT_SHARING
                && ScaleOutMethods.stepsSynchronously(method)) {
            throw new InvalidSettingException(TabularSetting.SPARK_TRAINING, SettingMessage.of(TabularSetting.SPARK_TRAINING,
                    " gradient-sharing trains with the summed loss's own steps, while weighting '" + method + "' runs on Spark as "
                    + "synchronous gradient steps: leave out gradient sharing, or use weighting fixed or dwa."));
        }
        mode(placement);
    }

    @Override
    public Trained train(CsvTable table, CsvTable validation, TabularTraining.Settings settings, Placement placement,
                         EpochListener listener) {
        DistributedTabularTraining.Run run = DistributedTabularTraining.run(table, validation, settings, mode(placement), listener);
        return new Trained(run.result(), run.executors(), run.synchronousSteps());
    }

    @Override
    public ExecutorTable open(String path, String validationPath, TabularTraining.Settings settings, SparkCluster placement) {
        return SparkFileTraining.open(placement, path, validationPath, settings);
    }

    @Override
    public AutoCloseable session(String master) {
        return DistributedTabularTraining.session(master);
    }

    /** The placement as {@link DistributedTabularTraining}'s mode, whose constructors check the values. */
    static DistributedTabularTraining.Mode mode(Placement placement) {
        if (placement instanceof SparkCluster spark) {
            return new DistributedTabularTraining.OnSpark(spark.master(), spark.averagingFrequency(), spark.training());
        }
        LocalWorkers workers = (LocalWorkers) placement;
        return new DistributedTabularTraining.OnWorkers(workers.workers(), workers.averagingFrequency());
    }
}
