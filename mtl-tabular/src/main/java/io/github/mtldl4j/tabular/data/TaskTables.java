package io.github.mtldl4j.tabular.data;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.task.TaskType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tables a run learns from: a shared table labelled for every task without a table of its own, and per task a
 * table of its own (same features, other rows). Rows of a task's own table carry only that task's labels; the other
 * tasks' labels are missing there (masked, as missing labels always are). Features are matched by column name.
 *
 * @param shared the table labelled for the tasks without a table of their own, or null when every task has one
 * @param byTask per task name its own table (in the order given)
 */
public record TaskTables(CsvTable shared, Map<String, CsvTable> byTask) {

    /** Validates that there is a table at all. */
    public TaskTables {
        byTask = Collections.unmodifiableMap(new LinkedHashMap<>(byTask));
        if (shared == null && byTask.isEmpty()) {
            throw new InvalidDataException("no data: expected a shared table, a table per task, or both.");
        }
    }

    /** One table labelled for every task: the usual case. */
    public static TaskTables of(CsvTable table) {
        return new TaskTables(table, Map.of());
    }

    /** Whether this is one table for every task. */
    public boolean single() {
        return byTask.isEmpty();
    }

    /** Where the rows come from, for messages and reports, e.g. {@code species=a.csv, mass=b.csv}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (shared != null) {
            parts.add(shared.source());
        }
        byTask.forEach((task, table) -> parts.add(task + "=" + table.source()));
        return String.join(", ", parts);
    }

    /**
     * One table and the tasks whose labels it carries.
     *
     * @param table the rows
     * @param tasks the tasks labelled in these rows (the others are masked)
     */
    public record Part(CsvTable table, List<TaskSpec> tasks) {
        /** The label column of the first classification task of this part, to stratify its split on, or null. */
        public String stratifyColumn() {
            return tasks.stream().filter(t -> t.type() == TaskType.BINARY || t.type() == TaskType.MULTICLASS)
                    .map(t -> t.columns().get(0)).findFirst().orElse(null);
        }
    }

    /**
     * The parts for these tasks: the shared table (labelled for the tasks without their own) first, then each task's
     * own table, each checked to have its tasks' label columns.
     *
     * @throws InvalidDataException naming an unknown task, a task without a table, or a missing label column
     */
    public List<Part> parts(List<TaskSpec> tasks) {
        List<String> names = tasks.stream().map(TaskSpec::name).toList();
        for (String task : byTask.keySet()) {
            if (!names.contains(task)) {
                throw new InvalidDataException("a table is given for unknown task '" + task + "' (" + byTask.get(task).source()
                        + "); the tasks are " + names + ".");
            }
        }
        List<TaskSpec> sharedTasks = tasks.stream().filter(t -> !byTask.containsKey(t.name())).toList();
        List<Part> parts = new ArrayList<>();
        if (!sharedTasks.isEmpty()) {
            if (shared == null) {
                throw new InvalidDataException("task '" + sharedTasks.get(0).name() + "' has no table: give it a table of its own, "
                        + "or a shared table with its label column " + sharedTasks.get(0).columns() + ".");
            }
            parts.add(new Part(shared, sharedTasks));
        } else if (shared != null) {
            throw new InvalidDataException(shared.source() + ": every task has a table of its own, so this shared table would only "
                    + "add rows without labels; leave it out, or drop one task's own table to label that task from it.");
        }
        for (TaskSpec task : tasks) {
            if (byTask.containsKey(task.name())) {
                parts.add(new Part(byTask.get(task.name()), List.of(task)));
            }
        }
        for (Part part : parts) {
            for (TaskSpec task : part.tasks()) {
                task.columns().forEach(column -> part.table().column(column, "label column of task '" + task.name() + "'"));
            }
        }
        return parts;
    }

    /**
     * The feature columns every part must have: {@code features} if given, else the first part's columns that are no
     * task's label column.
     *
     * @throws InvalidDataException naming the first table and column missing
     */
    public static List<String> featureColumns(List<Part> parts, List<TaskSpec> tasks, List<String> features) {
        Set<String> labels = labelColumns(tasks);
        CsvTable first = parts.get(0).table();
        List<String> columns = features != null ? features
                : first.header().stream().filter(c -> !labels.contains(c)).toList();
        for (Part part : parts) {
            for (String column : columns) {
                part.table().column(column, features != null ? "named in the features"
                        : "a feature column, as in " + first.source() + "; every table needs the same feature columns");
            }
        }
        return columns;
    }

    /**
     * The parts' rows one after another as one table with the feature columns and every task's label columns; a row
     * has the labels of its part's tasks, the others empty (missing).
     */
    public static CsvTable stack(List<Part> parts, List<TaskSpec> tasks, List<String> featureColumns) {
        List<String> header = new ArrayList<>(featureColumns);
        for (String label : labelColumns(tasks)) {
            if (!header.contains(label)) {
                header.add(label);
            }
        }
        List<CsvTable> tables = new ArrayList<>();
        List<int[]> columns = new ArrayList<>();
        for (Part part : parts) {
            Set<String> own = labelColumns(part.tasks());
            int[] from = new int[header.size()];
            for (int c = 0; c < header.size(); c++) {
                String name = header.get(c);
                boolean feature = c < featureColumns.size();
                from[c] = feature || own.contains(name) ? part.table().column(name, "column") : -1;
            }
            tables.add(part.table());
            columns.add(from);
        }
        String source = String.join(" + ", parts.stream().map(p -> p.table().source()).distinct().toList());
        return CsvTable.stack(source, header, tables, columns);
    }

    private static Set<String> labelColumns(List<TaskSpec> tasks) {
        Set<String> labels = new LinkedHashSet<>();
        tasks.forEach(t -> labels.addAll(t.columns()));
        return labels;
    }
}
