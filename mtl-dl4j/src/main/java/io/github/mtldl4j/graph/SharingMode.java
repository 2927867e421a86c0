package io.github.mtldl4j.graph;

import java.util.Map;

/**
 * How tasks share parameters below their heads: the part of the graph between the input and the
 * per-task representation that each head reads. {@link MultiTaskGraphBuilder} wires everything else
 * (cascades, heads, outputs and weighted losses) the same way for every mode, so a new mode such as a
 * mixture of experts implements only this interface.
 */
public interface SharingMode {

    /** A short lower-case name, stored with saved models (e.g. {@code hard}). */
    String name();

    /**
     * Adds this mode's vertices to the graph.
     *
     * @param wiring the graph under construction, the input, the tasks and the trunk settings
     * @return for every task name, in task order, the representation its head reads
     */
    Map<String, Representation> wire(GraphWiring wiring);
}
