package io.github.mtldl4j.setting;

/**
 * A setting's value that cannot be used, with a message saying what was expected, what was received and how to fix
 * it. The message names the API ({@link #getMessage()}); {@link #message(SettingNames)} renders it with a front end's
 * names, e.g. the command line's flags.
 */
public class InvalidSettingException extends IllegalArgumentException implements MentionsSettings {
    private static final long serialVersionUID = 1L;
    private final Setting setting;
    private final SettingMessage message;

    /**
     * @param setting the setting whose value is refused
     * @param message what was expected, received, and how to fix it ({@link SettingMessage#of})
     */
    public InvalidSettingException(Setting setting, SettingMessage message) {
        super(message.toString());
        this.setting = setting;
        this.message = message;
    }

    /** The setting whose value is refused. */
    public Setting setting() {
        return setting;
    }

    @Override
    public String message(SettingNames names) {
        return message.render(names);
    }
}
