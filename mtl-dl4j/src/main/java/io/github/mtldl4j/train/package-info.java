/**
 * Training multi-task models: {@link io.github.mtldl4j.train.MultiTaskTrainer} with loss weightings, gradient
 * aggregators, missing labels, per-epoch reports ({@link io.github.mtldl4j.train.EpochReport}), history as CSV and
 * early stopping built on DL4J's own termination condition. The epoch loop ({@link io.github.mtldl4j.train.EpochLoop}:
 * reports, early stopping, kept epoch) is shared with the data-parallel trainer of mtl-spark; a trainer supplies only
 * how one epoch's updates are made ({@link io.github.mtldl4j.train.EpochLoop.Step}).
 */
package io.github.mtldl4j.train;
