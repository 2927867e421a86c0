/**
 * From a CSV table to a trained, evaluated model: {@link io.github.mtldl4j.pipeline.TabularTraining} and the method
 * names of the command line ({@link io.github.mtldl4j.pipeline.Methods}).
 */
package io.github.mtldl4j.pipeline;
