package io.github.mtldl4j.setting;

/**
 * An exception whose message names settings. {@link Throwable#getMessage()} names them as the API does; a front end
 * renders the same message with its own names, e.g. the command line's flags.
 */
public interface MentionsSettings {
    /** The message with each setting named by {@code names}. */
    String message(SettingNames names);
}
