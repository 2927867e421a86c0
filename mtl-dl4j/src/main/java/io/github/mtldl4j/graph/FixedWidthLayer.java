package io.github.mtldl4j.graph;

import java.util.List;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * What the library's feed-forward layer configurations (cross-stitch, DSelect-k gate, AITM's transfer) share: their
 * widths are fixed when they are built, so DL4J's input-type inference sets nothing; no preprocessor, no pretraining,
 * and no regularization unless a layer says otherwise.
 */
abstract class FixedWidthLayer extends BaseLayer {

    /** For Jackson and DL4J's cloning. */
    FixedWidthLayer() {
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // the width is fixed at construction
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return List.of();
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }
}
