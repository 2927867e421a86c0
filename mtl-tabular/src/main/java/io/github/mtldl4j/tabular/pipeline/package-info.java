/**
 * From a CSV table to a trained, evaluated model: {@link io.github.mtldl4j.tabular.pipeline.TabularTraining}, its
 * metrics file ({@link io.github.mtldl4j.tabular.pipeline.MetricsJson}), and the service through which a front end finds
 * data-parallel training when mtl-spark is on the class path
 * ({@link io.github.mtldl4j.tabular.pipeline.DataParallelTraining}).
 */
package io.github.mtldl4j.tabular.pipeline;
