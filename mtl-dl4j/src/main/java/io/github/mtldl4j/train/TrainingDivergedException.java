package io.github.mtldl4j.train;

import io.github.mtldl4j.setting.MentionsSettings;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.setting.SettingNames;
import io.github.mtldl4j.setting.TrainingSetting;

/**
 * Training produced a NaN or infinite loss for a task. The trainer stops, puts back the parameters and optimizer
 * state of the end of the last complete epoch, and throws this; checkpoints and saved models already written are
 * left as they were. Usual causes: a learning rate too high, unscaled extreme inputs; lower the learning rate or
 * clip gradients ({@link MultiTaskTrainer.Builder#clipGradientNorm}).
 */
public final class TrainingDivergedException extends RuntimeException implements MentionsSettings {
    private static final long serialVersionUID = 1L;
    private final String task;
    private final int epoch;
    private final double loss;
    private final transient TrainingHistory history;
    private final SettingMessage message;

    TrainingDivergedException(String task, int epoch, double loss, TrainingHistory history) {
        this(SettingMessage.of("training diverged: task '" + task + "' has loss " + loss + " in epoch " + epoch
                + (history == null ? "" : epoch == 1 ? "; the parameters are back to their values before training"
                        : "; the parameters are back to the end of epoch " + (epoch - 1))
                + ". Lower the learning rate (", TrainingSetting.LEARNING_RATE, "), clip gradients (", TrainingSetting.CLIP_NORM,
                ") or check the inputs for extreme values."), task, epoch, loss, history);
    }

    private TrainingDivergedException(SettingMessage message, String task, int epoch, double loss, TrainingHistory history) {
        super(message.toString());
        this.message = message;
        this.task = task;
        this.epoch = epoch;
        this.loss = loss;
        this.history = history;
    }

    /** The task whose loss was not finite first. */
    public String task() {
        return task;
    }

    /** The 1-based epoch in which it happened. */
    public int epoch() {
        return epoch;
    }

    /** The non-finite loss. */
    public double loss() {
        return loss;
    }

    @Override
    public String message(SettingNames names) {
        return message.render(names);
    }

    /** The complete epochs before the divergence. */
    public TrainingHistory history() {
        return history;
    }
}
