package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A task read from a table: its name, type and label column(s), as written on the command line
 * {@code NAME:TYPE:COLUMN} (several columns for multilabel: {@code NAME:multilabel:C1,C2,C3}).
 *
 * @param name the task name (rules of {@link Task#NAME_PATTERN})
 * @param type the task type
 * @param columns the label columns: one, except for multilabel (one per label)
 */
public record TaskSpec(String name, TaskType type, List<String> columns) {

    /** Validates name, type and column count. */
    public TaskSpec {
        if (name == null || !Task.NAME_PATTERN.matcher(name).matches()) {
            throw new InvalidDataException("task name must be letters, digits, '_' or '-', received '" + name + "'.");
        }
        columns = List.copyOf(columns);
        if (columns.isEmpty() || columns.stream().anyMatch(String::isBlank)) {
            throw new InvalidDataException("task '" + name + "': expected label column name(s), received " + columns + ".");
        }
        if (type != TaskType.MULTILABEL && columns.size() != 1) {
            throw new InvalidDataException("task '" + name + "': a " + type.name().toLowerCase(Locale.ROOT)
                    + " task reads one label column, received " + columns + "; only multilabel tasks take several.");
        }
    }

    /**
     * Parses {@code NAME:TYPE:COLUMN[,COLUMN...]}; TYPE is regression, binary, multiclass or multilabel.
     *
     * @throws InvalidDataException with what was expected and what was received
     */
    public static TaskSpec parse(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
            throw new InvalidDataException("task '" + text + "': expected NAME:TYPE:COLUMN, e.g. species:multiclass:species "
                    + "or tags:multilabel:a,b,c.");
        }
        TaskType type;
        try {
            type = TaskType.valueOf(parts[1].trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException("task '" + text + "': unknown type '" + parts[1] + "'; expected regression, binary, "
                    + "multiclass or multilabel.", e);
        }
        return new TaskSpec(parts[0].trim(), type, Arrays.stream(parts[2].split(",")).map(String::trim).toList());
    }

    @Override
    public String toString() {
        return name + ":" + type.name().toLowerCase(Locale.ROOT) + ":" + String.join(",", columns);
    }
}
