/**
 * Training multi-task models: {@link io.github.mtldl4j.train.MultiTaskTrainer} with loss weightings, gradient
 * aggregators, missing labels, per-epoch reports ({@link io.github.mtldl4j.train.EpochReport}), history as CSV and
 * early stopping built on DL4J's own termination condition and in-memory model saver.
 */
package io.github.mtldl4j.train;
