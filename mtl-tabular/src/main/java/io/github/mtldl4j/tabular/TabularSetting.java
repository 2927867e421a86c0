package io.github.mtldl4j.tabular;

import io.github.mtldl4j.setting.Setting;

/** The settings of the tabular pipeline, its tuner and data-parallel training (mtl-spark) that their messages name. */
public enum TabularSetting implements Setting {
    /** {@code TabularTraining.Settings.architecture}. */
    ARCHITECTURE("TabularTraining.Settings.architecture"),
    /** {@code TabularTraining.Settings.method}. */
    WEIGHTING("TabularTraining.Settings.method"),
    /** {@code TabularTraining.Settings.cascades}. */
    CASCADES("TabularTraining.Settings.cascades"),
    /** {@code TabularTraining.Settings.experts}. */
    EXPERTS("TabularTraining.Settings.experts"),
    /** {@code TabularTraining.Settings.taskExperts}. */
    TASK_EXPERTS("TabularTraining.Settings.taskExperts"),
    /** {@code TabularTraining.Settings.topK}. */
    TOP_K("TabularTraining.Settings.topK"),
    /** {@code TabularTraining.Settings.calibratorWeight}. */
    CALIBRATOR_WEIGHT("TabularTraining.Settings.calibratorWeight"),
    /** {@code TabularTraining.Settings.dropout}. */
    DROPOUT("TabularTraining.Settings.dropout"),
    /** {@code TabularTraining.Settings.l2}. */
    L2("TabularTraining.Settings.l2"),
    /** {@code TabularTraining.Settings.dselectGate}. */
    DSELECT_GATE("TabularTraining.Settings.dselectGate"),
    /** {@code TabularTraining.Settings.dselectEntropy}. */
    DSELECT_ENTROPY("TabularTraining.Settings.dselectEntropy"),
    /** {@code TabularTraining.Settings.features}. */
    FEATURES("TabularTraining.Settings.features"),
    /** {@code TabularTraining.Settings.weights}. */
    WEIGHTS("TabularTraining.Settings.weights"),
    /** {@code TabularTraining.Settings.classWeights}. */
    CLASS_WEIGHTS("TabularTraining.Settings.classWeights"),
    /** {@code TabularTraining.Settings.epochs}. */
    EPOCHS("TabularTraining.Settings.epochs"),
    /** {@code TabularTraining.Settings.batch}. */
    BATCH("TabularTraining.Settings.batch"),
    /** {@code TabularTraining.Settings.learningRate}. */
    LEARNING_RATE("TabularTraining.Settings.learningRate"),
    /** {@code TabularTraining.Settings.validFraction}. */
    VALID_FRACTION("TabularTraining.Settings.validFraction"),
    /** {@code TabularTuner.SearchSpace.architectures}. */
    TUNED_ARCHITECTURES("TabularTuner.SearchSpace.architectures"),
    /** {@code TabularTuner.SearchSpace.widths}. */
    TUNED_WIDTHS("TabularTuner.SearchSpace.widths"),
    /** {@code TabularTuner.SearchSpace.learningRates}. */
    TUNED_LEARNING_RATES("TabularTuner.SearchSpace.learningRates"),
    /** {@code TabularTuner.SearchSpace.dropouts}. */
    TUNED_DROPOUTS("TabularTuner.SearchSpace.dropouts"),
    /** {@code TabularTuner.Problem.testFraction}. */
    TEST_FRACTION("TabularTuner.Problem.testFraction"),
    /** The {@code count} of {@code TabularTuner.sample}. */
    CANDIDATES("TabularTuner.sample(count)"),
    /** {@code DistributedTabularTraining.OnSpark} (mtl-spark). */
    SPARK("DistributedTabularTraining.OnSpark(master)"),
    /** {@code DistributedTabularTraining.OnWorkers} (mtl-spark). */
    WORKERS("DistributedTabularTraining.OnWorkers(workers)"),
    /** The {@code averagingFrequency} of data-parallel training (mtl-spark). */
    AVERAGING_FREQUENCY("DistributedTabularTraining averagingFrequency"),
    /** The {@code training} of {@code DistributedTabularTraining.OnSpark}: parameter averaging or gradient sharing (mtl-spark). */
    SPARK_TRAINING("DistributedTabularTraining.OnSpark(training)");

    private final String api;

    TabularSetting(String api) {
        this.api = api;
    }

    @Override
    public String api() {
        return api;
    }
}
