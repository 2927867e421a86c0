package io.github.mtldl4j.data;

import io.github.mtldl4j.setting.MentionsSettings;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.setting.SettingNames;

/**
 * Input data that cannot be used, with a message naming the file, row, column or task and what was expected.
 * The command line turns it into exit code 2 and one line on stderr. A message whose fix names a setting
 * ({@link #InvalidDataException(SettingMessage)}) names it as the API does; {@link #message(SettingNames)} renders it
 * with a front end's names.
 */
public class InvalidDataException extends IllegalArgumentException implements MentionsSettings {
    private static final long serialVersionUID = 1L;
    private final SettingMessage message;

    /** @param message what is wrong, where, and what was expected */
    public InvalidDataException(String message) {
        super(message);
        this.message = null;
    }

    /** @param message what is wrong, where, and what was expected */
    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
        this.message = null;
    }

    /** @param message what is wrong, where, what was expected, and which setting to change */
    public InvalidDataException(SettingMessage message) {
        super(message.toString());
        this.message = message;
    }

    @Override
    public String message(SettingNames names) {
        return message == null ? getMessage() : message.render(names);
    }
}
