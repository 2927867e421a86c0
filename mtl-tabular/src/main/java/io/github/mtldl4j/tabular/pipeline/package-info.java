/**
 * From a CSV table to a trained, evaluated model: {@link io.github.mtldl4j.tabular.pipeline.TabularTraining}, and the
 * command line's method names ({@link io.github.mtldl4j.registry.MethodRegistry}).
 */
package io.github.mtldl4j.tabular.pipeline;
