package io.github.mtldl4j.graph;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The library's custom layer configurations' {@code instantiate}: DL4J's own steps, in its order, in one place. */
final class LayerInstances {
    private LayerInstances() {
    }

    /**
     * Wires a new runtime layer as DL4J's built-in configurations do: listeners, index, the parameter view, the
     * parameters {@code initializer} lays out over it (initialized if asked), and the configuration.
     */
    static <L extends Layer> L wired(L layer, NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                                     INDArray layerParamsView, boolean initializeParams, ParamInitializer initializer) {
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer.init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }
}
