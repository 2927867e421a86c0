/**
 * From a CSV table to a trained, evaluated model: {@link io.github.mtldl4j.pipeline.TabularTraining}, and the
 * command line's method names ({@link io.github.mtldl4j.pipeline.MethodRegistry}).
 */
package io.github.mtldl4j.pipeline;
