package io.github.mtldl4j.loss;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A funnel stage's loss with AITM's behavioural expectation calibrator (Xi et al., KDD 2021, eq. 7): its input has
 * two columns, {@code [y_t, y_{t-1}]}, the stage's prediction and the previous stage's; the score of a row is
 * {@code inner(label, y_t) + alpha * max(y_t - y_{t-1}, 0)}, which penalizes predicting a later stage of the funnel
 * above an earlier one. The gradient reaches both columns ({@code +alpha} on {@code y_t}, {@code -alpha} on
 * {@code y_{t-1}} where the penalty is active). A masked row has neither term. A plain Jackson bean for the graph's JSON.
 */
public final class FunnelCalibratorLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("inner")
    private ILossFunction inner;
    @JsonProperty("calibratorWeight")
    private double calibratorWeight;

    /** For Jackson. */
    public FunnelCalibratorLoss() {
    }

    /**
     * @param inner the stage's own loss on its prediction (column 0)
     * @param calibratorWeight alpha, finite and {@code >= 0}
     */
    public FunnelCalibratorLoss(ILossFunction inner, double calibratorWeight) {
        this.inner = Objects.requireNonNull(inner, "inner loss");
        if (!Double.isFinite(calibratorWeight) || calibratorWeight < 0) {
            throw new IllegalArgumentException("The calibrator weight must be finite and >= 0, received " + calibratorWeight
                    + " (AITM's paper uses 0.6).");
        }
        this.calibratorWeight = calibratorWeight;
    }

    /** The stage's own loss. */
    public ILossFunction getInner() {
        return inner;
    }

    /** alpha. */
    public double getCalibratorWeight() {
        return calibratorWeight;
    }

    private static INDArray column(INDArray a, int c) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval(c, c + 1)).dup();
    }

    private static void checkWidth(INDArray preOutput) {
        if (preOutput.rank() != 2 || preOutput.columns() != 2) {
            throw new IllegalArgumentException("FunnelCalibratorLoss reads [prediction, previous stage's prediction], two "
                    + "columns; received shape " + java.util.Arrays.toString(preOutput.shape()) + ".");
        }
    }

    /** {@code 1} where the penalty is active (and the row not masked), else {@code 0}: {@code [N, 1]}. */
    private static INDArray active(INDArray activated, INDArray mask) {
        INDArray excess = column(activated, 0).subi(column(activated, 1));
        INDArray on = excess.gt(0).castTo(activated.dataType());
        return mask == null ? on : on.muli(mask.reshape(on.shape()).castTo(on.dataType()));
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkWidth(preOutput);
        INDArray own = inner.computeScoreArray(labels, column(preOutput, 0), activationFn, mask);
        INDArray activated = activationFn.getActivation(preOutput.dup(), true);
        INDArray excess = column(activated, 0).subi(column(activated, 1)).muli(active(activated, mask));
        return own.reshape(excess.shape()).add(excess.muli(calibratorWeight));
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkWidth(preOutput);
        INDArray activated = activationFn.getActivation(preOutput.dup(), true);
        INDArray on = active(activated, mask).muli(calibratorWeight);
        INDArray dActivated = org.nd4j.linalg.factory.Nd4j.hstack(on, on.neg());
        INDArray gradient = activationFn.backprop(preOutput.dup(), dActivated).getFirst();
        INDArray own = inner.computeGradient(labels, column(preOutput, 0), activationFn, mask);
        gradient.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)).addi(own.reshape(own.size(0), 1));
        return gradient;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "FunnelCalibrated(" + inner.name() + ", " + calibratorWeight + ")";
    }

    @Override
    public String toString() {
        return name();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunnelCalibratorLoss other && Double.compare(calibratorWeight, other.calibratorWeight) == 0
                && Objects.equals(inner, other.inner);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inner, calibratorWeight);
    }
}
