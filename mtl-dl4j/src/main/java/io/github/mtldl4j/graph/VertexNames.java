package io.github.mtldl4j.graph;

/**
 * The vertex naming scheme of every graph the builder makes (task names are unique, so names never clash
 * unless a task is named like another task's vertex, which the builder refuses):
 * <ul>
 *   <li>{@code input}: the feature input;</li>
 *   <li>{@code trunk_<i>}: layer i of the shared trunk (hard sharing);</li>
 *   <li>{@code shared}: the shared representation tap after the trunk, when asked for (MGDA-UB);</li>
 *   <li>{@code <task>_tower_<i>}: layer i of the task's own trunk (independent towers);</li>
 *   <li>{@code <task>_cascade}: merge of the task's representation with the outputs of the tasks it reads;</li>
 *   <li>{@code <task>_head_<i>}: hidden head layer i of the task;</li>
 *   <li>{@code <task>_pred}: the activated prediction of a task that other tasks read (cascade source);</li>
 *   <li>{@code <task>}: the task's output (an output layer, or a loss layer after {@code <task>_pred}).</li>
 * </ul>
 */
public final class VertexNames {
    /** The network input. */
    public static final String INPUT = "input";
    /** The identity vertex that records the gradient at the shared representation ({@link RepresentationTapVertex}). */
    public static final String SHARED_REPRESENTATION = "shared";
    /** Prefix of the shared trunk layers. */
    public static final String SHARED_TRUNK_PREFIX = "trunk_";

    private VertexNames() {
    }

    /** Prefix of a task's own trunk layers. */
    public static String towerPrefix(String task) {
        return task + "_tower_";
    }

    /** The merge vertex in front of a cascaded task's head. */
    public static String cascadeMerge(String task) {
        return task + "_cascade";
    }

    /** Hidden head layer {@code index} of a task. */
    public static String head(String task, int index) {
        return task + "_head_" + index;
    }

    /** The prediction vertex of a task that feeds other tasks. */
    public static String prediction(String task) {
        return task + "_pred";
    }

    /** The output vertex of a task: the task's own name. */
    public static String output(String task) {
        return task;
    }
}
