package io.github.mtldl4j.loss;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A task loss scaled by a weight: score and gradient of {@code weight * inner}.
 *
 * <p>DL4J's {@code ComputationGraph} adds its output layers' scores with no weights, so a per-task
 * weight has to live inside the output layer's loss, where it scales the gradient as well as the
 * reported score. The weight can be changed between steps ({@link #setWeight(double)}); the running
 * layer holds this very object, so the change applies on the next pass without a rebuild. The class
 * is a plain Jackson bean and round-trips through the graph's JSON and {@code ModelSerializer}.
 *
 * <p>Masks: ND4J's {@code MultiDataSet.merge} (which DL4J's Spark workers use to assemble their minibatches) widens a
 * per-example label mask ({@code [rows, 1]}) to one column per output; DL4J's cross-entropy ({@code LossMCXENT}, and
 * so negative log-likelihood) refuses such a mask ("Per output masking for MCXENT + softmax: not supported"). For those
 * losses a mask whose columns are all equal is narrowed back to its first column: the same rows, the same arithmetic.
 */
public final class WeightedLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("inner")
    private ILossFunction inner;
    @JsonProperty("weight")
    private double weight;

    /** For Jackson. */
    public WeightedLoss() {
        this.weight = 1.0;
    }

    /**
     * @param inner the loss to scale, not itself a {@code WeightedLoss}
     * @param weight finite and {@code >= 0}
     */
    public WeightedLoss(ILossFunction inner, double weight) {
        Objects.requireNonNull(inner, "inner loss");
        if (inner instanceof WeightedLoss) {
            throw new IllegalArgumentException("WeightedLoss must wrap a plain loss, received another WeightedLoss: "
                    + "set the weight of the existing one instead.");
        }
        this.inner = inner;
        setWeight(weight);
    }

    /** The wrapped loss. */
    public ILossFunction getInner() {
        return inner;
    }

    /** The current weight. */
    public double getWeight() {
        return weight;
    }

    /**
     * Sets the weight used from the next forward/backward pass on.
     *
     * @throws IllegalArgumentException if {@code newWeight} is NaN, infinite or negative
     */
    public void setWeight(double newWeight) {
        if (!Double.isFinite(newWeight) || newWeight < 0) {
            throw new IllegalArgumentException("Loss weight must be finite and >= 0, received " + newWeight + ".");
        }
        this.weight = newWeight;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        return weight * inner.computeScore(labels, preOutput, activationFn, perExample(mask), average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return scaled(inner.computeScoreArray(labels, preOutput, activationFn, perExample(mask)));
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return scaled(inner.computeGradient(labels, preOutput, activationFn, perExample(mask)));
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        Pair<Double, INDArray> unweighted = inner.computeGradientAndScore(labels, preOutput, activationFn, perExample(mask), average);
        return new Pair<>(weight * unweighted.getFirst(), scaled(unweighted.getSecond()));
    }

    /**
     * For cross-entropy, a merged batch's per-output mask with equal columns as the per-example mask it was widened from;
     * any other mask as it is.
     */
    private INDArray perExample(INDArray mask) {
        if (mask == null || !(inner instanceof LossMCXENT) || mask.rank() != 2 || mask.columns() == 1) {
            return mask;
        }
        INDArray first = mask.getColumn(0, true).dup();
        if (!mask.equals(first.repeat(1, mask.columns()))) {
            throw new IllegalArgumentException("a label mask with one column per class (" + mask.columns() + ") that masks the "
                    + "classes of a row differently cannot mask a cross-entropy loss: mask whole rows ([rows, 1]).");
        }
        return first;
    }

    /** {@code values} times the weight, in place; a weight of exactly 1 skips the op (x * 1 == x in IEEE arithmetic). */
    private INDArray scaled(INDArray values) {
        return weight == 1.0 ? values : values.muli(weight);
    }

    @Override
    public String name() {
        return "Weighted(" + inner.name() + ", " + weight + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightedLoss other && Double.compare(weight, other.weight) == 0 && Objects.equals(inner, other.inner);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inner, weight);
    }
}
