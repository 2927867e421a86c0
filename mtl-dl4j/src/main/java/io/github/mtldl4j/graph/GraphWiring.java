package io.github.mtldl4j.graph;

import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.activations.Activation;

/**
 * A graph under construction, handed to a {@link SharingMode}: adds layers and vertices while recording
 * which task owns each one ({@code null}: shared), so parameter counts and saved metadata can attribute them.
 *
 * <p>Dropout follows the Keras habit of a dropout after every trunk layer: in DL4J terms it is set on the
 * input of every layer that reads a trunk layer.
 */
public final class GraphWiring {
    private final ComputationGraphConfiguration.GraphBuilder graph;
    private final Representation input;
    private final List<Task> tasks;
    private final TrunkSpec trunk;
    private final boolean tapRepresentation;
    private final Map<String, String> owners = new LinkedHashMap<>();
    private final Set<String> trunkVertices = new HashSet<>();

    GraphWiring(ComputationGraphConfiguration.GraphBuilder graph, Representation input, List<Task> tasks, TrunkSpec trunk,
                boolean tapRepresentation) {
        this.graph = graph;
        this.tapRepresentation = tapRepresentation;
        this.input = input;
        this.tasks = tasks;
        this.trunk = trunk;
    }

    /** The network input. */
    public Representation input() {
        return input;
    }

    /** The tasks, in their defined order. */
    public List<Task> tasks() {
        return tasks;
    }

    /**
     * Whether the sharing mode should put a {@link RepresentationTapVertex} named {@link VertexNames#SHARED_REPRESENTATION}
     * after its shared representation (modes without a single shared representation ignore it).
     */
    public boolean tapRepresentation() {
        return tapRepresentation;
    }

    /** The trunk settings: widths, activation, dropout, l2, bias. */
    public TrunkSpec trunk() {
        return trunk;
    }

    /**
     * Adds one trunk: dense layers {@code prefix0, prefix1, ...} of the trunk widths, chained from the input.
     *
     * @param owner the task that owns the trunk, or {@code null} for a shared one
     * @return the last trunk layer, or the input when the trunk has no layers
     */
    public Representation addTrunk(String prefix, String owner) {
        return addTrunk(prefix, owner, input, trunk.widths());
    }

    /**
     * Adds a trunk of the given widths (the trunk's activation, l2, bias and dropout settings) reading {@code from}:
     * dense layers {@code prefix0, prefix1, ...}. Mixture-of-experts modes build their experts with it.
     *
     * @param owner the task that owns the trunk, or {@code null} for a shared one
     * @return the last layer, or {@code from} when {@code widths} is empty
     */
    public Representation addTrunk(String prefix, String owner, Representation from, List<Integer> widths) {
        Representation current = from;
        for (int i = 0; i < widths.size(); i++) {
            current = addDense(prefix + i, owner, current, widths.get(i), trunk.activation());
            trunkVertices.add(current.vertex());
        }
        return current;
    }

    /**
     * Adds a parameter-free vertex whose output counts as trunk output: layers reading it get the trunk's dropout
     * (e.g. the gated sum of expert outputs, which plays the part of the trunk's last layer).
     */
    public Representation addTrunkVertex(String name, String owner, int width, GraphVertex vertex, String... inputs) {
        Representation added = addVertex(name, owner, width, vertex, inputs);
        trunkVertices.add(name);
        return added;
    }

    /** Adds a dense layer with the trunk's l2 and bias settings, reading {@code from}. */
    public Representation addDense(String name, String owner, Representation from, int width, Activation activation) {
        DenseLayer.Builder layer = new DenseLayer.Builder().nIn(from.width()).nOut(width).activation(activation)
                .hasBias(trunk.bias());
        return addLayer(name, owner, from, width, layer);
    }

    /**
     * Adds any layer reading {@code from}, applying the trunk's l2 (and dropout when {@code from} is a trunk layer).
     *
     * @return the new layer as a representation of width {@code width}
     */
    public Representation addLayer(String name, String owner, Representation from, int width, BaseLayer.Builder<?> layer) {
        if (trunk.l2() > 0) {
            layer.l2(trunk.l2());
        }
        if (trunk.dropoutRate() > 0 && (trunkVertices.contains(from.vertex()) || isTapOfTrunk(from.vertex()))) {
            layer.dropOut(new Dropout(1.0 - trunk.dropoutRate()));
        }
        return addPrepared(name, owner, width, layer.build(), from.vertex());
    }

    private boolean isTapOfTrunk(String vertex) {
        return VertexNames.SHARED_REPRESENTATION.equals(vertex) && owners.containsKey(vertex);
    }

    /** Adds a layer exactly as configured (no trunk settings applied). */
    public Representation addPrepared(String name, String owner, int width, Layer layer, String... inputs) {
        record(name, owner);
        graph.addLayer(name, layer, inputs);
        return new Representation(name, width);
    }

    /** Adds a layer exactly as configured behind an input preprocessor (e.g. flat input reshaped into images). */
    public Representation addPrepared(String name, String owner, int width, Layer layer, InputPreProcessor preProcessor,
                                      String... inputs) {
        record(name, owner);
        graph.addLayer(name, layer, preProcessor, inputs);
        return new Representation(name, width);
    }

    /** Marks a vertex as trunk output: layers reading it get the trunk's dropout. */
    public void markTrunk(Representation vertex) {
        trunkVertices.add(vertex.vertex());
    }

    /** Adds a parameter-free or custom vertex. */
    public Representation addVertex(String name, String owner, int width, GraphVertex vertex, String... inputs) {
        record(name, owner);
        graph.addVertex(name, vertex, inputs);
        return new Representation(name, width);
    }

    /** Vertex name to owning task ({@code null} for shared vertices), in the order they were added. */
    public Map<String, String> owners() {
        return Collections.unmodifiableMap(owners);
    }

    private void record(String name, String owner) {
        if (owners.containsKey(name) || name.equals(input.vertex())) {
            String taken = name.equals(input.vertex()) ? "the network input" : owners.get(name) == null
                    ? "the shared part" : "task '" + owners.get(name) + "'";
            throw new IllegalArgumentException("Vertex name '" + name + "' is needed twice: it is already used by " + taken
                    + (owner == null ? "" : " and task '" + owner + "' needs it too")
                    + ". Rename the task so that it does not look like another vertex (see VertexNames).");
        }
        owners.put(name, owner);
    }
}
