package io.github.mtldl4j.setting;

/**
 * A setting that library messages name. Each names the API a library user calls; a front end maps the constants to
 * its own names (the command line to its flags) and renders messages with them ({@link MentionsSettings}).
 */
public enum Setting {
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
    /** {@code MultiTaskTrainer.Builder.clipGradientNorm}. */
    CLIP_NORM("MultiTaskTrainer.Builder.clipGradientNorm"),
    /** {@code MultiTaskTrainer.Builder.checkpoints}. */
    CHECKPOINTS("MultiTaskTrainer.Builder.checkpoints"),
    /** {@code TabularTuner.SearchSpace.architectures}. */
    TUNED_ARCHITECTURES("TabularTuner.SearchSpace.architectures"),
    /** {@code TabularTuner.SearchSpace.widths}. */
    TUNED_WIDTHS("TabularTuner.SearchSpace.widths"),
    /** {@code TabularTuner.SearchSpace.learningRates}. */
    TUNED_LEARNING_RATES("TabularTuner.SearchSpace.learningRates"),
    /** The {@code count} of {@code TabularTuner.sample}. */
    CANDIDATES("TabularTuner.sample(count)"),
    /** The {@code count} of {@code TaskGrouping.best}. */
    GROUPS("TaskGrouping.best(count)"),
    /** {@code DistributedTabularTraining.OnSpark} (mtl-spark). */
    SPARK("DistributedTabularTraining.OnSpark(master)"),
    /** {@code DistributedTabularTraining.OnWorkers} (mtl-spark). */
    WORKERS("DistributedTabularTraining.OnWorkers(workers)"),
    /** The {@code averagingFrequency} of data-parallel training (mtl-spark). */
    AVERAGING_FREQUENCY("DistributedTabularTraining averagingFrequency");

    private final String api;

    Setting(String api) {
        this.api = api;
    }

    /** The API a library user calls, as library messages name it, e.g. {@code TabularTraining.Settings.learningRate}. */
    public String api() {
        return api;
    }

    /**
     * This setting with a value, or alternative values, as a message part: {@code TabularTraining.Settings.method
     * "fixed" or "dwa"} in the API's words, {@code --weighting fixed or dwa} on the command line.
     */
    public SettingMessage.Value is(String... values) {
        return new SettingMessage.Value(this, java.util.List.of(values));
    }
}
