package io.github.mtldl4j.cli;

import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.setting.SettingNames;
import io.github.mtldl4j.setting.TrainingSetting;
import io.github.mtldl4j.tabular.TabularSetting;
import java.util.HashMap;
import java.util.Map;

/**
 * The command line's flag for each setting that library messages name: the one table that turns a library message
 * ({@code TabularTraining.Settings.learningRate must be ...}) into the command line's ({@code --lr must be ...}).
 */
final class CommandLineFlags implements SettingNames {
    /** The flags, a single instance. */
    static final CommandLineFlags FLAGS = new CommandLineFlags();

    private static final Map<Setting, String> FLAG = new HashMap<>();

    static {
        FLAG.put(TabularSetting.ARCHITECTURE, "--arch");
        FLAG.put(TabularSetting.WEIGHTING, "--weighting");
        FLAG.put(TabularSetting.CASCADES, "--cascade");
        FLAG.put(TabularSetting.EXPERTS, "--experts");
        FLAG.put(TabularSetting.TASK_EXPERTS, "--task-experts");
        FLAG.put(TabularSetting.TOP_K, "--top-k");
        FLAG.put(TabularSetting.CALIBRATOR_WEIGHT, "--calibrator-weight");
        FLAG.put(TabularSetting.DROPOUT, "--dropout");
        FLAG.put(TabularSetting.L2, "--l2");
        FLAG.put(TabularSetting.DSELECT_GATE, "--dselect-gate");
        FLAG.put(TabularSetting.DSELECT_ENTROPY, "--dselect-entropy");
        FLAG.put(TabularSetting.FEATURES, "--features");
        FLAG.put(TabularSetting.WEIGHTS, "--weights");
        FLAG.put(TabularSetting.CLASS_WEIGHTS, "--class-weights");
        FLAG.put(TabularSetting.EPOCHS, "--epochs");
        FLAG.put(TabularSetting.BATCH, "--batch");
        FLAG.put(TabularSetting.LEARNING_RATE, "--lr");
        FLAG.put(TrainingSetting.LEARNING_RATE, "--lr");
        FLAG.put(TabularSetting.VALID_FRACTION, "--valid");
        FLAG.put(TrainingSetting.CLIP_NORM, "--clip-norm");
        FLAG.put(TrainingSetting.CHECKPOINTS, "--checkpoint-every");
        FLAG.put(TabularSetting.TUNED_ARCHITECTURES, "--archs");
        FLAG.put(TabularSetting.TUNED_WIDTHS, "--widths");
        FLAG.put(TabularSetting.TUNED_LEARNING_RATES, "--lrs");
        FLAG.put(TabularSetting.TUNED_DROPOUTS, "--dropouts");
        FLAG.put(TabularSetting.CANDIDATES, "--candidates");
        FLAG.put(TabularSetting.TEST_FRACTION, "--test");
        FLAG.put(TrainingSetting.GROUPS, "--groups");
        FLAG.put(TabularSetting.SPARK, "--spark");
        FLAG.put(TabularSetting.WORKERS, "--workers");
        FLAG.put(TabularSetting.AVERAGING_FREQUENCY, "--averaging-frequency");
        FLAG.put(TabularSetting.SPARK_TRAINING, "--spark-mode");
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
