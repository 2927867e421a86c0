package io.github.mtldl4j.cli;

import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.setting.SettingNames;
import java.util.EnumMap;
import java.util.Map;

/**
 * The command line's flag for each setting that library messages name: the one table that turns a library message
 * ({@code TabularTraining.Settings.learningRate must be ...}) into the command line's ({@code --lr must be ...}).
 */
final class CommandLineFlags implements SettingNames {
    /** The flags, a single instance. */
    static final CommandLineFlags FLAGS = new CommandLineFlags();

    private static final Map<Setting, String> FLAG = new EnumMap<>(Setting.class);

    static {
        FLAG.put(Setting.ARCHITECTURE, "--arch");
        FLAG.put(Setting.WEIGHTING, "--weighting");
        FLAG.put(Setting.CASCADES, "--cascade");
        FLAG.put(Setting.EXPERTS, "--experts");
        FLAG.put(Setting.TASK_EXPERTS, "--task-experts");
        FLAG.put(Setting.FEATURES, "--features");
        FLAG.put(Setting.WEIGHTS, "--weights");
        FLAG.put(Setting.CLASS_WEIGHTS, "--class-weights");
        FLAG.put(Setting.EPOCHS, "--epochs");
        FLAG.put(Setting.BATCH, "--batch");
        FLAG.put(Setting.LEARNING_RATE, "--lr");
        FLAG.put(Setting.VALID_FRACTION, "--valid");
        FLAG.put(Setting.CLIP_NORM, "--clip-norm");
        FLAG.put(Setting.CHECKPOINTS, "--checkpoint-every");
        FLAG.put(Setting.TUNED_ARCHITECTURES, "--archs");
        FLAG.put(Setting.TUNED_WIDTHS, "--widths");
        FLAG.put(Setting.TUNED_LEARNING_RATES, "--lrs");
        FLAG.put(Setting.CANDIDATES, "--candidates");
        FLAG.put(Setting.GROUPS, "--groups");
        FLAG.put(Setting.SPARK, "--spark");
        FLAG.put(Setting.WORKERS, "--workers");
        FLAG.put(Setting.AVERAGING_FREQUENCY, "--averaging-frequency");
    }

    private CommandLineFlags() {
    }

    /** The flag, or the API's name for a setting the command line has no flag for. */
    @Override
    public String name(Setting setting) {
        return FLAG.getOrDefault(setting, setting.api());
    }

    /** Whether the command line has a flag for the setting. */
    static boolean hasFlag(Setting setting) {
        return FLAG.containsKey(setting);
    }
}
