package io.github.mtldl4j.setting;

import java.io.Serializable;
import java.util.List;

/**
 * A message whose parts are text, {@link Setting}s and settings with values ({@link Setting#is}), rendered with a
 * front end's names ({@link #render}); {@link #toString()} renders it with the API's names.
 */
public final class SettingMessage implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<Serializable> parts;

    private SettingMessage(List<Serializable> parts) {
        this.parts = parts;
    }

    /**
     * @param parts {@link Setting}s, {@link Value}s and anything else, which is taken as text ({@code String.valueOf})
     */
    public static SettingMessage of(Object... parts) {
        return new SettingMessage(java.util.Arrays.stream(parts)
                .map(p -> p instanceof Setting || p instanceof Value ? (Serializable) p : String.valueOf(p)).toList());
    }

    /** The message with each setting named by {@code names}. */
    public String render(SettingNames names) {
        StringBuilder text = new StringBuilder();
        for (Serializable part : parts) {
            if (part instanceof Setting setting) {
                text.append(names.name(setting));
            } else if (part instanceof Value value) {
                List<String> values = value.values().stream().map(names::value).toList();
                int last = values.size() - 1;
                text.append(names.name(value.setting())).append(' ')
                        .append(last == 0 ? values.get(0) : String.join(", ", values.subList(0, last)) + " or " + values.get(last));
            } else {
                text.append(part);
            }
        }
        return text.toString();
    }

    /** The settings the message names, in order of appearance. */
    public List<Setting> settings() {
        return parts.stream().map(p -> p instanceof Value v ? v.setting() : p).filter(Setting.class::isInstance)
                .map(Setting.class::cast).distinct().toList();
    }

    @Override
    public String toString() {
        return render(SettingNames.API);
    }

    /**
     * A setting with a value, or alternative values, as a message part ({@link Setting#is}).
     *
     * @param values one or more
     */
    public record Value(Setting setting, List<String> values) implements Serializable {
        /** Validates. */
        public Value {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a setting's value part needs at least one value, received none.");
            }
        }
    }
}
