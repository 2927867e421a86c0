package io.github.mtldl4j.task;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Binary cross-entropy with the positive class weighted: per output unit
 * {@code -(w * y * log(p) + (1 - y) * log(1 - p))}, with {@code p} the activation (sigmoid) of the pre-output, clipped
 * to {@code [eps, 1 - eps]} as ND4J's {@code LossBinaryXENT} clips it. With {@code w = 1} it is {@code LossBinaryXENT}.
 *
 * <p>For imbalanced yes/no tasks: {@code w = negatives / positives} gives both classes the same total weight
 * (PyTorch's {@code BCEWithLogitsLoss(pos_weight)}, scikit-learn's {@code class_weight="balanced"} up to a common
 * factor). ND4J's own {@code LossBinaryXENT(weights)} weights output columns, not classes, so it cannot do this.
 *
 * <p>A plain Jackson bean: it round-trips through the graph's JSON and {@code ModelSerializer}, so the weight is saved
 * with the model. It is its own class (not a {@code LossBinaryXENT} subclass), so code that recognizes
 * {@code LossBinaryXENT} by class, such as a fused sigmoid fast path, does not mistake it for the unweighted loss and
 * leaves it to this class's {@link #computeGradientAndScore}. It lives in the task package, beside the losses
 * {@link TaskType} picks, because {@link Task#withPositiveWeight} creates it (packages of one layer do not import each
 * other: docs/design.md, "Package layers").
 */
public final class PositiveWeightedBinaryXent implements ILossFunction {
    private static final long serialVersionUID = 1L;
    /** The clipping of probabilities before the logarithm, as {@code LossBinaryXENT}'s default. */
    public static final double CLIP_EPS = 1e-5;

    @JsonProperty("positiveWeight")
    private double positiveWeight;

    /** For Jackson: weight 1. */
    public PositiveWeightedBinaryXent() {
        this.positiveWeight = 1.0;
    }

    /**
     * @param positiveWeight the weight of a positive label's term, finite and {@code > 0}
     */
    public PositiveWeightedBinaryXent(double positiveWeight) {
        if (!Double.isFinite(positiveWeight) || positiveWeight <= 0) {
            throw new IllegalArgumentException("Positive-class weight must be finite and > 0, received " + positiveWeight
                    + "; e.g. negatives / positives of the training rows.");
        }
        this.positiveWeight = positiveWeight;
    }

    /** The weight of a positive label's term. */
    public double getPositiveWeight() {
        return positiveWeight;
    }

    private INDArray probabilities(INDArray preOutput, IActivation activationFn) {
        INDArray p = activationFn.getActivation(preOutput.dup(), true);
        return Transforms.min(Transforms.max(p, CLIP_EPS, false), 1.0 - CLIP_EPS, false);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray p = probabilities(preOutput, activationFn);
        INDArray positive = Transforms.log(p, true).muli(labels).muli(positiveWeight);
        INDArray negative = Transforms.log(p.rsub(1.0), false).muli(labels.rsub(1.0));
        INDArray perUnit = positive.addi(negative).negi();
        if (mask != null) {
            applyMask(perUnit, mask);
        }
        return perUnit.sum(true, 1).reshape(perUnit.rows(), 1);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / labels.size(0) : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray p = probabilities(preOutput, activationFn);
        // dL/dp = -w y / p + (1 - y) / (1 - p)
        INDArray dLdp = labels.mul(-positiveWeight).divi(p).addi(labels.rsub(1.0).divi(p.rsub(1.0)));
        if (mask != null) {
            applyMask(dLdp, mask);
        }
        INDArray gradient = activationFn.backprop(preOutput.dup(), dLdp).getFirst();
        if (mask != null) {
            applyMask(gradient, mask);
        }
        return gradient;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    /** Zeroes masked rows ([N, 1] mask) or masked units ([N, width] mask). */
    private static void applyMask(INDArray values, INDArray mask) {
        if (mask.columns() == 1 && values.columns() > 1) {
            values.muliColumnVector(mask.castTo(values.dataType()));
        } else {
            values.muli(mask.castTo(values.dataType()));
        }
    }

    @Override
    public String name() {
        return "PositiveWeightedBinaryXent(" + positiveWeight + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PositiveWeightedBinaryXent other && Double.compare(positiveWeight, other.positiveWeight) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(positiveWeight);
    }
}
