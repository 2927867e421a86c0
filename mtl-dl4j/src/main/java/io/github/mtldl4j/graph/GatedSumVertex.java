package io.github.mtldl4j.graph;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The mixing step of a mixture of experts (Ma et al., "Modeling Task Relationships in Multi-task Learning with
 * Multi-gate Mixture-of-Experts", KDD 2018): inputs are a gate {@code g} of shape {@code [N, E]} (a softmax over
 * experts) and the outputs {@code h_1 ... h_E} of E experts, each {@code [N, w]}; the output is
 * {@code sum_e g[:, e] * h_e}, shape {@code [N, w]}. No parameters; the runtime side is {@link GatedSum}.
 *
 * <p>Written by hand rather than as a SameDiff vertex because DL4J 1.0.0-M2.1's SameDiff vertices return twice the
 * true gradient to their inputs.
 */
public final class GatedSumVertex extends GraphVertex {
    private static final long serialVersionUID = 1L;

    @Override
    public GatedSumVertex clone() {
        return new GatedSumVertex();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GatedSumVertex;
    }

    @Override
    public int hashCode() {
        return GatedSumVertex.class.getName().hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return Integer.MAX_VALUE;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
            INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
        return new GatedSum(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length < 2) {
            throw new InvalidInputTypeException("GatedSumVertex needs a gate and at least one expert, received "
                    + vertexInputs.length + " input(s).");
        }
        long experts = vertexInputs.length - 1;
        if (vertexInputs[0] instanceof InputType.InputTypeFeedForward gate && gate.getSize() != experts) {
            throw new InvalidInputTypeException("GatedSumVertex: the gate has " + gate.getSize() + " outputs but "
                    + experts + " experts are mixed; the gate needs one output per expert.");
        }
        InputType first = vertexInputs[1];
        for (int i = 2; i < vertexInputs.length; i++) {
            if (!vertexInputs[i].equals(first)) {
                throw new InvalidInputTypeException("GatedSumVertex: all experts must have the same output type, expert 0 is "
                        + first + " and expert " + (i - 1) + " is " + vertexInputs[i] + "; give the experts equal widths.");
            }
        }
        return first;
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = inputTypes[inputTypes.length - 1];
        return new LayerMemoryReport.Builder(null, GatedSumVertex.class, inputTypes[0], out)
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }
}
