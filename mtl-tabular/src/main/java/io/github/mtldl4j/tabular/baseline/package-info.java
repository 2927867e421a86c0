/**
 * Linear baselines of the tabular pipeline: closed-form ridge regression and LIBLINEAR's logistic regression, fitted per
 * task on the same split and preprocessing as the multi-task model (docs/baselines.md).
 */
package io.github.mtldl4j.tabular.baseline;
