package io.github.mtldl4j.graph;

/**
 * A vertex of the graph that a task's head reads, with its output width.
 *
 * @param vertex the vertex name
 * @param width the number of activations it produces per example
 */
public record Representation(String vertex, int width) {
}
