package io.github.mtldl4j.setting;

/** The settings of the library itself (trainer, updater, task grouping) that its messages name. */
public enum TrainingSetting implements Setting {
    /** The learning rate of the model's updater ({@code MultiTaskGraphBuilder.updater}). */
    LEARNING_RATE("MultiTaskGraphBuilder.updater"),
    /** {@code MultiTaskTrainer.Builder.clipGradientNorm}. */
    CLIP_NORM("MultiTaskTrainer.Builder.clipGradientNorm"),
    /** {@code MultiTaskTrainer.Builder.checkpoints}. */
    CHECKPOINTS("MultiTaskTrainer.Builder.checkpoints"),
    /** The {@code count} of {@code TaskGrouping.best}. */
    GROUPS("TaskGrouping.best(count)");

    private final String api;

    TrainingSetting(String api) {
        this.api = api;
    }

    @Override
    public String api() {
        return api;
    }
}
