package io.github.mtldl4j.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters {@code W} ({@code [nIn, k m + k]}, f order) and {@code b} ({@code [1, k m + k]}) of a {@link DSelectKLayer};
 * a static gate has {@code b} alone.
 */
public final class DSelectKParamInitializer implements ParamInitializer {
    /** The weights' key. */
    public static final String WEIGHTS = "W";
    /** The biases' key. */
    public static final String BIAS = "b";
    static final DSelectKParamInitializer INSTANCE = new DSelectKParamInitializer();
    /** Half-width of the selector logits' uniform initialization (the paper code's default initializer). */
    private static final double SELECTOR_INIT = 0.05;

    private DSelectKParamInitializer() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        DSelectKLayer gate = (DSelectKLayer) layer;
        return (long) (isStatic(layer) ? 1 : gate.inputs() + 1) * gate.logits();
    }

    private static boolean isStatic(Layer layer) {
        return ((DSelectKLayer) layer).routing() == DSelectKLayer.Routing.STATIC;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return isStatic(layer) ? List.of(BIAS) : List.of(WEIGHTS, BIAS);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return isStatic(layer) ? List.of() : List.of(WEIGHTS);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of(BIAS);
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHTS.equals(key) && !isStatic(layer);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        DSelectKLayer gate = (DSelectKLayer) conf.getLayer();
        Map<String, INDArray> params = views(gate, paramsView);
        if (initializeParams && gate.routing() == DSelectKLayer.Routing.STATIC) {
            // The authors' code: z_logits uniform in +-gamma/100, w_logits uniform in +-0.05.
            INDArray b = params.get(BIAS);
            int bitLogits = gate.selectors() * gate.bits();
            double bitInit = gate.gamma() / 100;
            INDArray bits = b.get(NDArrayIndex.all(), NDArrayIndex.interval(0, bitLogits));
            bits.assign(Nd4j.rand(b.dataType(), bits.shape()).muli(2 * bitInit).subi(bitInit));
            INDArray selectors = b.get(NDArrayIndex.all(), NDArrayIndex.interval(bitLogits, gate.logits()));
            selectors.assign(Nd4j.rand(b.dataType(), selectors.shape()).muli(2 * SELECTOR_INIT).subi(SELECTOR_INIT));
        } else if (initializeParams) {
            INDArray w = params.get(WEIGHTS);
            int bitLogits = gate.selectors() * gate.bits();
            double bitInit = gate.gamma() / 100;
            INDArray bits = w.get(NDArrayIndex.all(), NDArrayIndex.interval(0, bitLogits));
            bits.assign(Nd4j.rand(w.dataType(), bits.shape()).muli(2 * bitInit).subi(bitInit));
            INDArray selectors = w.get(NDArrayIndex.all(), NDArrayIndex.interval(bitLogits, gate.logits()));
            selectors.assign(Nd4j.rand(w.dataType(), selectors.shape()).muli(2 * SELECTOR_INIT).subi(SELECTOR_INIT));
            params.get(BIAS).assign(0);
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views((DSelectKLayer) conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> views(DSelectKLayer gate, INDArray flat) {
        INDArray row = flat.reshape(flat.length());
        Map<String, INDArray> views = new LinkedHashMap<>();
        if (gate.routing() == DSelectKLayer.Routing.STATIC) {
            views.put(BIAS, row.get(NDArrayIndex.interval(0, gate.logits())).reshape(1, gate.logits()));
            return views;
        }
        long weights = (long) gate.inputs() * gate.logits();
        views.put(WEIGHTS, row.get(NDArrayIndex.interval(0, weights)).reshape('f', gate.inputs(), gate.logits()));
        views.put(BIAS, row.get(NDArrayIndex.interval(weights, weights + gate.logits())).reshape(1, gate.logits()));
        return views;
    }
}
