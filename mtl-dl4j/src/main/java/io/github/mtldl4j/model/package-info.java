/**
 * The trained artifact: {@link io.github.mtldl4j.model.MultiTaskModel} (graph plus tasks; predict by task name;
 * atomic save and load), the live {@link io.github.mtldl4j.model.TaskWeights}, per-task
 * {@link io.github.mtldl4j.model.TaskLosses} and {@link io.github.mtldl4j.model.ParameterCounts}, and the shape every
 * multi-task graph has: which vertex belongs to which task ({@link io.github.mtldl4j.model.GraphLayout}, stored with
 * saved models) and the vertex names ({@link io.github.mtldl4j.model.VertexNames}). {@code graph} builds these models;
 * this package does not depend on it.
 */
package io.github.mtldl4j.model;
