package io.github.mtldl4j.setting;

/** How a front end names settings in messages. */
@FunctionalInterface
public interface SettingNames {
    /** The library's own names: the API calls ({@link Setting#api()}), values in quotes. */
    SettingNames API = new SettingNames() {
        @Override
        public String name(Setting setting) {
            return setting.api();
        }

        @Override
        public String value(String value) {
            return '"' + value + '"';
        }
    };

    /** The setting's name, e.g. {@code --lr} or {@code TabularTraining.Settings.learningRate}. */
    String name(Setting setting);

    /** A setting's value as written, e.g. {@code hard} on the command line; by default as is. */
    default String value(String value) {
        return value;
    }
}
