package io.github.mtldl4j.graph;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The single parameter {@code alpha} ({@code [T, T]}, c order) of a {@link CrossStitchLayer}, initialized near identity. */
public final class CrossStitchParamInitializer implements ParamInitializer {
    /** The parameter's key. */
    public static final String ALPHA = "alpha";
    static final CrossStitchParamInitializer INSTANCE = new CrossStitchParamInitializer();

    private CrossStitchParamInitializer() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        int t = ((CrossStitchLayer) layer).tasks();
        return (long) t * t;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return List.of(ALPHA);
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return List.of();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.of();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return false;
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        CrossStitchLayer layer = (CrossStitchLayer) conf.getLayer();
        int t = layer.tasks();
        INDArray alpha = paramsView.reshape('c', t, t);
        if (initializeParams) {
            double other = t == 1 ? 0 : (1 - layer.selfWeight()) / (t - 1);
            alpha.assign(other);
            for (int i = 0; i < t; i++) {
                alpha.putScalar(i, i, t == 1 ? 1.0 : layer.selfWeight());
            }
        }
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put(ALPHA, alpha);
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        int t = ((CrossStitchLayer) conf.getLayer()).tasks();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        grads.put(ALPHA, gradientView.reshape('c', t, t));
        return grads;
    }
}
