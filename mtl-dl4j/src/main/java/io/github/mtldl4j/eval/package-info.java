/**
 * Evaluation: per-task metrics and the multi-task relative improvement.
 *
 * <p>{@link io.github.mtldl4j.eval.TaskEvaluator} accumulates one task's predictions over minibatches, skipping
 * rows whose label is masked, and returns the metrics of {@code metrics.json} (regression {@code rmse}, {@code mae},
 * {@code r2}; binary {@code accuracy}, {@code auc}, {@code f1}; multi-class {@code accuracy}, {@code macro_f1};
 * multi-label {@code micro_f1}, {@code macro_f1}, {@code hamming_loss}), counted by DL4J's evaluation classes.
 * {@link io.github.mtldl4j.eval.MultiTaskEvaluation} runs a {@code MultiTaskModel} over a
 * {@code MultiDataSetIterator} with one evaluator per task and returns one
 * {@link io.github.mtldl4j.eval.TaskMetrics} per task. {@link io.github.mtldl4j.eval.RelativeImprovement} computes
 * delta-m, the mean relative gain of a multi-task model over a baseline (Maninis et al., CVPR 2019;
 * Vandenhende et al., TPAMI 2021). {@link io.github.mtldl4j.eval.GateUtilization} tells which experts each task of a
 * mixture of experts uses: the mean gate weight per expert over a data set (Ma et al., KDD 2018).
 */
package io.github.mtldl4j.eval;
