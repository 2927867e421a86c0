package io.github.mtldl4j.graph;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The adaptive information transfer (AIT) module of AITM (Xi, Chen, Yan, Zhang, Gu and Zheng, "Modeling the
 * Sequential Dependence among Audience Multi-step Conversions with Multi-task Learning in Targeted Display
 * Advertising", KDD 2021) as a DL4J layer. Its input is {@code [q_t | p_{t-1}]} ({@code [N, 2k]}): task t's tower
 * output and the information transferred from task t-1. Self-attention over the two vectors u gives
 * {@code z_t = sum_u w_u (u W_V)} with {@code w = softmax_u(<u W_Q, u W_K> / sqrt(k))}; the output is
 * {@code z_t} ({@code [N, k]}). Parameters: {@link AdaptiveInformationTransferParamInitializer}. The runtime layer is
 * {@link AdaptiveInformationTransfer}.
 *
 * <p>A layer rather than a vertex with parameters, for the reason given in {@link CrossStitchLayer}.
 */
public final class AdaptiveInformationTransferLayer extends FixedWidthLayer {
    private static final long serialVersionUID = 1L;

    @JsonProperty
    private int width;

    /** For JSON. */
    public AdaptiveInformationTransferLayer() {
        this.activationFn = new ActivationIdentity();
    }

    /**
     * @param width k, the width of the tower output and of the transferred information ({@code >= 1})
     * @param l2 l2 coefficient of the three projections ({@code 0}: none)
     */
    public AdaptiveInformationTransferLayer(int width, double l2) {
        this();
        if (width < 1) {
            throw new IllegalArgumentException("An AIT module needs width >= 1 (the tower's output width), received " + width + ".");
        }
        this.width = width;
        this.regularization = new ArrayList<>(l2 > 0 ? List.of(new L2Regularization(l2)) : List.of());
        this.regularizationBias = new ArrayList<>();
    }

    /** k, the width of each of the two attended vectors and of the output. */
    public int width() {
        return width;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerInstances.wired(new AdaptiveInformationTransfer(conf, networkDataType), conf, listeners, layerIndex, layerParamsView, initializeParams,
                initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return AdaptiveInformationTransferParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeFeedForward ff) || ff.getSize() != 2L * width) {
            throw new IllegalStateException("AIT module '" + getLayerName() + "' expects feed-forward input of " + 2 * width
                    + " = tower output and transferred information, " + width + " units each, received " + inputType + ".");
        }
        return InputType.feedForward(width);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return regularization == null ? List.of() : regularization;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = 3L * width * width;
        return new LayerMemoryReport.Builder(layerName, AdaptiveInformationTransferLayer.class, inputType, InputType.feedForward(width))
                .standardMemory(params, getIUpdater() == null ? 0 : getIUpdater().stateSize(params))
                .workingMemory(0, 0, 0, 0)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public AdaptiveInformationTransferLayer clone() {
        return (AdaptiveInformationTransferLayer) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdaptiveInformationTransferLayer other && super.equals(o) && width == other.width;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), width);
    }
}
