package io.github.mtldl4j.task;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * What kind of prediction a task makes. Each type brings the loss and output activation that fit it,
 * which a {@link Task} may override.
 */
public enum TaskType {
    /** Real-valued targets: mean squared error on an identity output. */
    REGRESSION,
    /** One yes/no label: binary cross-entropy on one sigmoid unit. */
    BINARY,
    /** Exactly one of {@code width} classes: multi-class cross-entropy on a softmax. */
    MULTICLASS,
    /** Any subset of {@code width} labels: binary cross-entropy on one sigmoid per label. */
    MULTILABEL;

    /** A new instance of this type's default loss (ND4J losses are mutable beans, so never shared). */
    public ILossFunction defaultLoss() {
        return switch (this) {
            case REGRESSION -> new LossMSE();
            case BINARY, MULTILABEL -> new LossBinaryXENT();
            case MULTICLASS -> new LossMCXENT();
        };
    }

    /** This type's default output activation. */
    public Activation defaultActivation() {
        return switch (this) {
            case REGRESSION -> Activation.IDENTITY;
            case BINARY, MULTILABEL -> Activation.SIGMOID;
            case MULTICLASS -> Activation.SOFTMAX;
        };
    }
}
