package io.github.mtldl4j.graph;

import java.util.Collection;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A cross-stitch unit (Misra, Shrivastava, Gupta and Hebert, "Cross-stitch Networks for Multi-task Learning", CVPR 2016)
 * as a DL4J layer: its input is the concatenation {@code [x_1 | ... | x_T]} of the activations of T task towers at
 * one depth (each {@code [N, width]}), its output the concatenation of {@code x~_t = sum_s alpha[t, s] x_s}. The T x T
 * matrix {@code alpha} is its only parameter ({@code "alpha"}, row t = task t's mix), initialized to
 * {@code selfWeight} on the diagonal and {@code (1 - selfWeight) / (T - 1)} elsewhere (the paper: 0.9 and 0.1).
 * No l2 or bias. The runtime layer is {@link CrossStitchUnit}.
 *
 * <p>A layer rather than a graph vertex because DL4J's updater, parameter views and serialization handle layer
 * parameters everywhere; a vertex with parameters is not counted by {@code ComputationGraph.numParams()} in M2.1.
 */
public final class CrossStitchLayer extends FixedWidthLayer {
    private static final long serialVersionUID = 1L;

    @JsonProperty
    private int tasks;
    @JsonProperty
    private int width;
    @JsonProperty
    private double selfWeight;

    /** For JSON. */
    public CrossStitchLayer() {
        this.activationFn = new ActivationIdentity();
    }

    /**
     * @param tasks the number of towers T ({@code >= 1})
     * @param width the width of each tower's activations at this depth ({@code >= 1})
     * @param selfWeight the initial weight of a task's own tower, in {@code [0, 1]}
     */
    public CrossStitchLayer(int tasks, int width, double selfWeight) {
        this();
        if (tasks < 1 || width < 1) {
            throw new IllegalArgumentException("A cross-stitch unit needs tasks >= 1 and width >= 1, received tasks=" + tasks
                    + ", width=" + width + ".");
        }
        if (!(selfWeight >= 0 && selfWeight <= 1)) {
            throw new IllegalArgumentException("The initial self weight of a cross-stitch unit must be in [0, 1], received "
                    + selfWeight + " (the paper uses 0.9).");
        }
        this.tasks = tasks;
        this.width = width;
        this.selfWeight = selfWeight;
    }

    /** The number of towers T. */
    public int tasks() {
        return tasks;
    }

    /** The width of each tower at this depth. */
    public int width() {
        return width;
    }

    /** The initial diagonal of alpha. */
    public double selfWeight() {
        return selfWeight;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerInstances.wired(new CrossStitchUnit(conf, networkDataType), conf, listeners, layerIndex, layerParamsView, initializeParams,
                initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return CrossStitchParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        long expected = (long) tasks * width;
        if (!(inputType instanceof InputType.InputTypeFeedForward ff) || ff.getSize() != expected) {
            throw new IllegalStateException("Cross-stitch unit '" + getLayerName() + "' expects feed-forward input of "
                    + expected + " = " + tasks + " towers x " + width + " units, received " + inputType + ".");
        }
        return inputType;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = (long) tasks * tasks;
        return new LayerMemoryReport.Builder(layerName, CrossStitchLayer.class, inputType, inputType)
                .standardMemory(params, getIUpdater() == null ? 0 : getIUpdater().stateSize(params))
                .workingMemory(0, 0, 0, 0)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public CrossStitchLayer clone() {
        return (CrossStitchLayer) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CrossStitchLayer other && super.equals(o) && tasks == other.tasks && width == other.width
                && Double.compare(selfWeight, other.selfWeight) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), tasks, width, selfWeight);
    }
}
