package io.github.mtldl4j.tabular.pipeline;

/** Whether {@link TabularTraining} also fits the baselines of docs/baselines.md beside the multi-task model. */
public enum Baselines {
    /** The multi-task model alone. */
    NONE,
    /**
     * Also, per task, a linear model (ridge least squares or logistic regression) and a single-task network
     * (independent towers with the same settings), on the same split and preprocessing.
     */
    LINEAR_AND_SINGLE_TASK
}
