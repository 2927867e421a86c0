/**
 * Wiring of multi-task graphs: {@link io.github.mtldl4j.graph.MultiTaskGraphBuilder}, the sharing modes
 * ({@link io.github.mtldl4j.graph.HardSharing}, {@link io.github.mtldl4j.graph.IndependentTowers}) behind the
 * {@link io.github.mtldl4j.graph.SharingMode} extension point, and the vertex naming scheme
 * {@link io.github.mtldl4j.graph.VertexNames}.
 */
package io.github.mtldl4j.graph;
