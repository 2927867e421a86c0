package io.github.mtldl4j.setting;

import java.io.Serializable;
import java.util.List;

/**
 * A setting that messages name. Each names the API a library user calls ({@link #api()}); a front end maps the
 * settings to its own names (the command line to its flags) and renders messages with them ({@link MentionsSettings}).
 * The library's own are {@link TrainingSetting}s; a module above it defines its own enum (the tabular pipeline's
 * {@code TabularSetting}), so that a message never names an API its user does not have.
 */
public interface Setting extends Serializable {

    /** The API a library user calls, as messages name it, e.g. {@code MultiTaskTrainer.Builder.clipGradientNorm}. */
    String api();

    /**
     * This setting with a value, or alternative values, as a message part: {@code TabularTraining.Settings.method
     * "fixed" or "dwa"} in the API's words, {@code --weighting fixed or dwa} on the command line.
     */
    default SettingMessage.Value is(String... values) {
        return new SettingMessage.Value(this, List.of(values));
    }
}
