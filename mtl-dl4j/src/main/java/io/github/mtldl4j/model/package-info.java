/**
 * The trained artifact: {@link io.github.mtldl4j.model.MultiTaskModel} (graph plus tasks; predict by task name;
 * atomic save and load), the live {@link io.github.mtldl4j.model.TaskWeights}, per-task
 * {@link io.github.mtldl4j.model.TaskLosses} and {@link io.github.mtldl4j.model.ParameterCounts}.
 */
package io.github.mtldl4j.model;
