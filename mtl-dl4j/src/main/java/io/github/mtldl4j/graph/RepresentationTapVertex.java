package io.github.mtldl4j.graph;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An identity vertex after the shared trunk whose runtime side can record the gradient arriving at the shared
 * representation during backpropagation ({@link RepresentationTap}). MGDA-UB (Sener and Koltun, NeurIPS 2018)
 * needs exactly that gradient per task. Added by {@link MultiTaskGraphBuilder#representationTap()}; it has no
 * parameters and changes no value.
 */
public final class RepresentationTapVertex extends GraphVertex {
    private static final long serialVersionUID = 1L;

    @Override
    public RepresentationTapVertex clone() {
        return new RepresentationTapVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RepresentationTapVertex;
    }

    @Override
    public int hashCode() {
        return RepresentationTapVertex.class.getName().hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new RepresentationTap(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
        return vertexInputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, RepresentationTapVertex.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }
}
