/**
 * Automatic configuration: {@link io.github.mtldl4j.tabular.tune.SuccessiveHalving} (K. Jamieson and A. Talwalkar,
 * "Non-stochastic Best Arm Identification and Hyperparameter Optimization", AISTATS 2016; the bracket that
 * L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar's Hyperband, JMLR 2018, repeats) under a wall-clock
 * budget, and {@link io.github.mtldl4j.tabular.tune.TabularTuner}, which searches architectures, weightings, trunk widths and
 * learning rates of a table's multi-task model, ranked by delta-m against single-task baselines.
 */
package io.github.mtldl4j.tabular.tune;
