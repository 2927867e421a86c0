package io.github.mtldl4j.graph;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A loss layer whose loss reads two columns, {@code [y_t, y_{t-1}]} (a funnel stage's prediction and the previous
 * stage's, e.g. {@link io.github.mtldl4j.loss.FunnelCalibratorLoss}), but whose output is the first column alone: the
 * stage's prediction, one unit. {@link Aitm} ends its later stages with it. Identity activation, no parameters. The
 * runtime layer is {@link FunnelOutput}.
 */
public final class FunnelOutputLayer extends LossLayer {
    private static final long serialVersionUID = 1L;

    /** For JSON. */
    public FunnelOutputLayer() {
        this.activationFn = new ActivationIdentity();
    }

    /** @param loss the loss over both columns */
    public FunnelOutputLayer(ILossFunction loss) {
        this();
        this.lossFn = loss;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        return LayerInstances.wired(new FunnelOutput(conf, networkDataType), conf, listeners, layerIndex, layerParamsView, initializeParams,
                initializer());
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeFeedForward ff) || ff.getSize() != 2) {
            throw new IllegalStateException("Funnel output '" + getLayerName() + "' expects feed-forward input of 2 units "
                    + "[prediction, previous stage's prediction], received " + inputType + ".");
        }
        return InputType.feedForward(1);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // two columns in, one out, fixed
    }

    @Override
    public FunnelOutputLayer clone() {
        return (FunnelOutputLayer) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunnelOutputLayer && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + FunnelOutputLayer.class.hashCode();
    }
}
