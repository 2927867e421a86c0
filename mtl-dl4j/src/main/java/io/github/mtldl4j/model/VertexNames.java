package io.github.mtldl4j.model;

/**
 * The vertex naming scheme of every graph that {@code graph.MultiTaskGraphBuilder} makes and the model, the trainer
 * and the evaluator read back; it lives in {@code model} so that the model does not depend on its builder. Task names
 * are unique, so names never clash unless a task is named like another task's vertex, which the builder refuses:
 * <ul>
 *   <li>{@code input}: the feature input;</li>
 *   <li>{@code trunk_<i>}: layer i of the shared trunk (hard sharing);</li>
 *   <li>{@code shared}: the shared representation tap after the trunk, when asked for (MGDA-UB);</li>
 *   <li>{@code <task>_tower_<i>}: layer i of the task's own trunk (independent towers);</li>
 *   <li>mixtures of experts ({@code graph.MixtureOfExperts}; {@code <k>} is the level, PLE only, {@code _l<k>} left out
 *       for level 0): {@code expert_<e>_<i>} / {@code expert_l<k>_<e>_<i>} layer i of shared expert e,
 *       {@code <task>_expert_<e>_<i>} layer i of the task's own expert e (CGC, PLE); {@code <task>_gate}
 *       the task's softmax gate and {@code <task>_mix} its gated sum of experts; {@code gate} and {@code mix} the
 *       shared gate (OMoE; in PLE the gate feeding the next level's shared experts);</li>
 *   <li>cross-stitch ({@code graph.CrossStitch}): {@code <task>_tower_<i>} the task's layer i, {@code cross_stitch_<i>_in} the
 *       merge of all towers' layer i, {@code cross_stitch_<i>} the {@code graph.CrossStitchLayer} mixing them,
 *       {@code <task>_stitch_<i>} the task's slice of its output;</li>
 *   <li>{@code <task>_cascade}: merge of the task's representation with the outputs of the tasks it reads;</li>
 *   <li>{@code <task>_head_<i>}: hidden head layer i of the task; with fused heads, {@code <task>_head_0} is the
 *       task's slice of {@code fused_heads}, the one layer computing every task's first hidden head layer;</li>
 *   <li>{@code <task>_pred}: the activated prediction of a task that other tasks read (cascade source; in ESMM every stage's
 *       conditional probability);</li>
 *   <li>{@code <task>_funnel}: ESMM's product of the previous stage's probability and the task's {@code <task>_pred};</li>
 *   <li>{@code <task>}: the task's output (an output layer, or a loss layer after {@code <task>_pred}).</li>
 * </ul>
 */
public final class VertexNames {
    /** The network input. */
    public static final String INPUT = "input";
    /** The identity vertex that records the gradient at the shared representation ({@code graph.RepresentationTapVertex}). */
    public static final String SHARED_REPRESENTATION = "shared";
    /** The dense layer computing the first hidden layer of all heads at once ({@code graph.MultiTaskGraphBuilder.fusedHeads()}). */
    public static final String FUSED_HEADS = "fused_heads";
    /** Prefix of the shared trunk layers. */
    public static final String SHARED_TRUNK_PREFIX = "trunk_";

    private VertexNames() {
    }

    /** Prefix of a task's own trunk layers. */
    public static String towerPrefix(String task) {
        return task + "_tower_";
    }

    /**
     * Prefix of the layers of expert {@code expert} at level {@code level}, owned by {@code task} ({@code null}: a
     * shared expert): {@code [<task>_]expert_[l<level>_]<expert>_}.
     */
    public static String expertPrefix(String task, int level, int expert) {
        return ownerPrefix(task) + "expert_" + levelInfix(level) + expert + "_";
    }

    /** The softmax gate of {@code task} ({@code null}: the shared gate) at {@code level}. */
    public static String gate(String task, int level) {
        return ownerPrefix(task) + "gate" + levelSuffix(level);
    }

    /** The gated sum of experts ({@code graph.GatedSumVertex}) of {@code task} ({@code null}: shared) at {@code level}. */
    public static String mix(String task, int level) {
        return ownerPrefix(task) + "mix" + levelSuffix(level);
    }

    /** The merge of all towers' layer {@code depth} in front of a cross-stitch unit. */
    public static String crossStitchInput(int depth) {
        return "cross_stitch_" + depth + "_in";
    }

    /** The cross-stitch unit after the towers' layer {@code depth}. */
    public static String crossStitch(int depth) {
        return "cross_stitch_" + depth;
    }

    /** The task's slice of the cross-stitch unit after layer {@code depth}. */
    public static String stitchSlice(String task, int depth) {
        return task + "_stitch_" + depth;
    }

    private static String ownerPrefix(String task) {
        return task == null ? "" : task + "_";
    }

    private static String levelInfix(int level) {
        return level == 0 ? "" : "l" + level + "_";
    }

    private static String levelSuffix(int level) {
        return level == 0 ? "" : "_l" + level;
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

    /** The product of the funnel's probabilities up to this stage ({@code graph.Esmm}: pCTCVR = pCTR x pCVR). */
    public static String funnelProduct(String task) {
        return task + "_funnel";
    }

    /** The layer transferring the previous funnel stage's information to this stage ({@code graph.Aitm}: p_{t-1}). */
    public static String transfer(String task) {
        return task + "_transfer";
    }

    /** The merge of a stage's tower output and the transferred information, read by its AIT module ({@code graph.Aitm}). */
    public static String attentionInput(String task) {
        return task + "_ait_input";
    }

    /** A stage's adaptive information transfer module ({@code graph.Aitm}: z_t). */
    public static String attention(String task) {
        return task + "_ait";
    }

    /** The merge of a stage's prediction and the previous stage's, read by its calibrated loss ({@code graph.Aitm}). */
    public static String calibratorInput(String task) {
        return task + "_calibrator_input";
    }

    /** The output vertex of a task: the task's own name. */
    public static String output(String task) {
        return task;
    }
}
