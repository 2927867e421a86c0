package io.github.mtldl4j.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The three {@code [k, k]} projections of an {@link AdaptiveInformationTransferLayer}: query {@code "WQ"}, key
 * {@code "WK"} and value {@code "WV"} (each a block of the flat parameter view, 'f' order), initialized by the layer's
 * weight initialization with fan-in and fan-out k. No bias, as in the paper's code.
 */
public final class AdaptiveInformationTransferParamInitializer implements ParamInitializer {
    /** Query projection. */
    public static final String QUERY = "WQ";
    /** Key projection. */
    public static final String KEY = "WK";
    /** Value projection. */
    public static final String VALUE = "WV";
    private static final List<String> KEYS = List.of(QUERY, KEY, VALUE);
    static final AdaptiveInformationTransferParamInitializer INSTANCE = new AdaptiveInformationTransferParamInitializer();

    private AdaptiveInformationTransferParamInitializer() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long k = ((AdaptiveInformationTransferLayer) layer).width();
        return 3 * k * k;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return KEYS;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return KEYS;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return KEYS.contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        AdaptiveInformationTransferLayer layer = (AdaptiveInformationTransferLayer) conf.getLayer();
        Map<String, INDArray> params = views(layer.width(), paramsView);
        if (initializeParams) {
            long k = layer.width();
            for (INDArray w : params.values()) {
                layer.getWeightInitFn().init(k, k, new long[] {k, k}, 'f', w);
            }
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(((AdaptiveInformationTransferLayer) conf.getLayer()).width(), gradientView);
    }

    private static Map<String, INDArray> views(long k, INDArray flat) {
        INDArray row = flat.reshape(flat.length());
        Map<String, INDArray> views = new LinkedHashMap<>();
        for (int i = 0; i < KEYS.size(); i++) {
            views.put(KEYS.get(i), row.get(NDArrayIndex.interval(i * k * k, (i + 1) * k * k)).reshape('f', k, k));
        }
        return views;
    }
}
