package io.github.mtldl4j.graph;

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
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A per-example DSelect-k gate (Hazimeh, Zhao, Chowdhery, Sathiamoorthy, Chen, Mazumder, Hong and Chi, "DSelect-k:
 * Differentiable Selection in the Mixture of Experts with Applications to Multi-Task Learning", NeurIPS 2021) as a
 * DL4J layer: it maps its input {@code x} ({@code [N, nIn]}) to weights over {@code n = 2^m} experts ({@code [N, n]},
 * each row summing to 1). Its k single-expert selectors each read m logits {@code z_i = x W_z[i] + b_z[i]} and give
 * expert j the weight {@code prod_l S(z_il)^{bit_l(j)} (1 - S(z_il))^{1 - bit_l(j)}}, with the smooth-step
 * {@code S(t) = -2 t^3 / gamma^3 + 3 t / (2 gamma) + 1/2} on {@code |t| <= gamma/2} (0 below, 1 above); the selectors
 * are mixed by {@code softmax(x W_a + b_a)}. Once every {@code |z_il| >= gamma/2} each selector picks exactly one expert,
 * so at most k experts have non-zero weight. The runtime layer is {@link DSelectKGate}.
 *
 * <p>Parameters: {@code W} ({@code [nIn, k m + k]}: columns {@code i m + l} are selector i's bit l, the last k the
 * selector weights' logits) and {@code b} ({@code [1, k m + k]}), initialized as the paper's code does: the bit logits
 * near 0 (uniform in {@code +-gamma/100}, so every expert starts with weight about 1/n), the selector logits uniform in
 * {@code +-0.05}, biases 0. No l2, no dropout.
 *
 * <p>{@link Routing#STATIC}: the paper's static gate (the authors' "task-only conditioning"), one selection per task
 * rather than per example: the logits are the parameter {@code b} alone ({@code [1, k m + k]}, the bit logits uniform in
 * {@code +-gamma/100} and the selector logits in {@code +-0.05}, as in the authors' code), every row of the output is the
 * same, and the input only gives the number of rows (its gradient is 0). A static gate may carry the paper's entropy
 * regularizer ({@link SelectorEntropyRegularization}) on {@code b}.
 */
public final class DSelectKLayer extends FixedWidthLayer {
    private static final long serialVersionUID = 1L;

    /** What a DSelect-k gate's selection depends on. */
    public enum Routing {
        /** Each example's own selection, from logits {@code x W + b} (the paper's per-example gate). */
        PER_EXAMPLE,
        /** One selection per gate (per task in MMoE), from logits {@code b} (the paper's static gate). */
        STATIC
    }

    @JsonProperty
    private int inputs;
    @JsonProperty
    private int experts;
    @JsonProperty
    private int selectors;
    @JsonProperty
    private double gamma;
    /** Absent in models saved before the static gate existed: per example. */
    @JsonProperty
    private Routing routing = Routing.PER_EXAMPLE;
    /** The entropy regularizer's lambda (0: none); static gates only. */
    @JsonProperty
    private double entropy;

    /** For JSON. */
    public DSelectKLayer() {
        this.activationFn = new ActivationIdentity();
    }

    /**
     * @param inputs the width of the input
     * @param experts the number of experts n, a power of two {@code >= 2}
     * @param selectors the number of selectors k, {@code 1 <= k <= n}
     * @param gamma the smooth-step's width ({@code > 0}; the paper's code uses 1)
     */
    public DSelectKLayer(int inputs, int experts, int selectors, double gamma) {
        this(inputs, experts, selectors, gamma, Routing.PER_EXAMPLE, 0);
    }

    /**
     * @param inputs the width of the input
     * @param experts the number of experts n, a power of two {@code >= 2}
     * @param selectors the number of selectors k, {@code 1 <= k <= n}
     * @param gamma the smooth-step's width ({@code > 0}; the paper's code uses 1)
     * @param routing per example or static
     * @param entropy lambda of the entropy regularizer ({@code >= 0}, 0: none; above 0 only with a static gate)
     */
    public DSelectKLayer(int inputs, int experts, int selectors, double gamma, Routing routing, double entropy) {
        this();
        requireValid(experts, selectors, gamma);
        requireValid(routing, entropy);
        if (inputs < 1) {
            throw new IllegalArgumentException("A DSelect-k gate needs an input of width >= 1, received " + inputs + ".");
        }
        this.inputs = inputs;
        this.experts = experts;
        this.selectors = selectors;
        this.gamma = gamma;
        this.routing = routing;
        this.entropy = entropy;
    }

    /** Validates the routing and the entropy coefficient with one message naming what to change. */
    static void requireValid(Routing routing, double entropy) {
        if (routing == null) {
            throw new IllegalArgumentException("DSelect-k routing is null; expected Routing.PER_EXAMPLE or Routing.STATIC.");
        }
        if (!(entropy >= 0) || Double.isInfinite(entropy)) {
            throw new IllegalArgumentException("The DSelect-k entropy coefficient must be >= 0 and finite (0 turns the "
                    + "regularizer off), received " + entropy + ".");
        }
        if (entropy > 0 && routing != Routing.STATIC) {
            throw new IllegalArgumentException("The DSelect-k entropy regularizer is implemented for the static gate only "
                    + "(MixtureOfExperts.dselectKStatic); received coefficient " + entropy
                    + " with the per-example gate. Use the static gate or coefficient 0.");
        }
    }

    /** Validates DSelect-k's settings with one message naming what to change. */
    static void requireValid(int experts, int selectors, double gamma) {
        if (experts < 2 || Integer.bitCount(experts) != 1) {
            throw new IllegalArgumentException("DSelect-k encodes an expert in binary, so it needs a power-of-two number of "
                    + "experts (2, 4, 8, 16, ...), received " + experts + "; change the number of experts.");
        }
        if (selectors < 1 || selectors > experts) {
            throw new IllegalArgumentException("DSelect-k needs between 1 and " + experts + " selectors (k, the experts "
                    + "each example may use) for " + experts + " experts, received " + selectors + ".");
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("The smooth-step width gamma of DSelect-k must be > 0 and finite, received "
                    + gamma + " (the paper's code uses 1).");
        }
    }

    /** The input width. */
    public int inputs() {
        return inputs;
    }

    /** The number of experts n. */
    public int experts() {
        return experts;
    }

    /** The number of selectors k. */
    public int selectors() {
        return selectors;
    }

    /** The smooth-step's width gamma. */
    public double gamma() {
        return gamma;
    }

    /** Per example or static. */
    public Routing routing() {
        return routing;
    }

    /** The entropy regularizer's lambda (0: none). */
    public double entropy() {
        return entropy;
    }

    /** Bits per selector, {@code m = log2(n)}. */
    public int bits() {
        return Integer.numberOfTrailingZeros(experts);
    }

    /** Logits per example: {@code k m} bit logits, then k selector logits. */
    public int logits() {
        return selectors * bits() + selectors;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerInstances.wired(new DSelectKGate(conf, networkDataType), conf, listeners, layerIndex, layerParamsView, initializeParams,
                initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return DSelectKParamInitializer.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeFeedForward ff) || ff.getSize() != inputs) {
            throw new IllegalStateException("DSelect-k gate '" + getLayerName() + "' expects feed-forward input of width "
                    + inputs + ", received " + inputType + ".");
        }
        return InputType.feedForward(experts);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return entropy > 0 && DSelectKParamInitializer.BIAS.equals(paramName)
                ? List.of(new SelectorEntropyRegularization(entropy, experts, selectors, gamma)) : List.of();
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = (long) (routing == Routing.STATIC ? 1 : inputs + 1) * logits();
        return new LayerMemoryReport.Builder(layerName, DSelectKLayer.class, inputType, InputType.feedForward(experts))
                .standardMemory(params, getIUpdater() == null ? 0 : getIUpdater().stateSize(params))
                .workingMemory(0, logits(), 0, logits())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS).build();
    }

    @Override
    public DSelectKLayer clone() {
        return (DSelectKLayer) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DSelectKLayer other && super.equals(o) && inputs == other.inputs && experts == other.experts
                && selectors == other.selectors && Double.compare(gamma, other.gamma) == 0 && routing == other.routing
                && Double.compare(entropy, other.entropy) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), inputs, experts, selectors, gamma, routing, entropy);
    }
}
