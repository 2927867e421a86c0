package io.github.mtldl4j.methods;

/** What a method needs from training beyond the per-task losses; callers derive what they support from these. */
public enum Need {
    /** Every task's gradient (or its norm on the last shared layer) at every step: gradient aggregators, GradNorm. */
    TASK_GRADIENTS,
    /** Weights updated after every step from what the step saw: uncertainty's learned log-variances, RLW's draws. */
    STEP_UPDATES,
    /** The gradient at the one shared representation (MGDA-UB): a sharing mode that {@link MethodInfo#offers} the tap. */
    REPRESENTATION_TAP,
    /** At least one cascade link, task B's head reading task A's prediction ({@code --cascade B=A}). */
    CASCADES,
    /** The tasks, in their order, are the binary stages of a conversion funnel (ESMM), labelled on every row. */
    FUNNEL
}
