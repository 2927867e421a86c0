package io.github.mtldl4j.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear warm-up, then cosine decay of the learning rate over the rest of the run: for iteration {@code i} (from 0) of
 * {@code T}, with {@code W = round(warmupFraction T)} warm-up iterations and base rate {@code r},
 * {@code r (i + 1) / W} while {@code i < W}, then {@code r (f + (1 - f) (1 + cos(pi t)) / 2)} with
 * {@code t = (i - W) / (T - W)} and {@code f = finalFraction}, and {@code r f} after {@code T}. Cosine annealing is
 * SGDR without restarts (Loshchilov &amp; Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017);
 * the linear warm-up is that of Goyal et al., "Accurate, Large Minibatch SGD", 2017.
 *
 * <p>This record is the choice (fractions of the run); {@link #over(double, long)} makes the ND4J {@code ISchedule}
 * for one run's base rate and iteration count, to give to the updater, e.g.
 * {@code new Adam(WarmupCosineSchedule.standard().over(1e-3, epochs * batchesPerEpoch))}. The schedule is saved with
 * the model's configuration, so a reloaded model (and a resumed run) continues on the same curve.
 *
 * @param warmupFraction the share of the run's iterations spent warming up, in [0, 1)
 * @param finalFraction the rate at the end as a fraction of the base rate, in [0, 1)
 */
public record WarmupCosineSchedule(double warmupFraction, double finalFraction) implements LearningRateSchedule {

    /** Validates the fractions. */
    public WarmupCosineSchedule {
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new IllegalArgumentException("Warm-up fraction must be in [0, 1), e.g. 0.05; received " + warmupFraction + ".");
        }
        if (!(finalFraction >= 0 && finalFraction < 1)) {
            throw new IllegalArgumentException("Final learning-rate fraction must be in [0, 1), e.g. 0; received " + finalFraction + ".");
        }
    }

    /** 5 % of the iterations warming up, then cosine decay to 0 (PyTorch's {@code CosineAnnealingLR} default floor). */
    public static WarmupCosineSchedule standard() {
        return new WarmupCosineSchedule(0.05, 0.0);
    }

    /**
     * The schedule of a run of {@code iterations} minibatch steps from base rate {@code rate}.
     *
     * @throws IllegalArgumentException if the rate is not finite and positive or the run has no iterations
     */
    public ISchedule over(double rate, long iterations) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("Learning rate must be a finite number > 0, received " + rate + ".");
        }
        if (iterations < 1 || iterations > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("A warm-up + cosine schedule needs 1 to " + Integer.MAX_VALUE
                    + " iterations, received " + iterations + ".");
        }
        return new Curve(rate, (int) Math.round(warmupFraction * iterations), (int) iterations, finalFraction);
    }

    /** The rate as a function of the iteration: the ND4J {@code ISchedule} of {@link #over(double, long)}, serializable with the configuration. */
    public static final class Curve implements ISchedule {
        private static final long serialVersionUID = 1L;
        @JsonProperty("initialValue")
        private final double initialValue;
        @JsonProperty("warmupIterations")
        private final int warmupIterations;
        @JsonProperty("totalIterations")
        private final int totalIterations;
        @JsonProperty("finalFraction")
        private final double finalFraction;

        /** The curve from {@code initialValue} over {@code totalIterations}, the first {@code warmupIterations} warming up. */
        @JsonCreator
        public Curve(@JsonProperty("initialValue") double initialValue, @JsonProperty("warmupIterations") int warmupIterations,
                     @JsonProperty("totalIterations") int totalIterations, @JsonProperty("finalFraction") double finalFraction) {
            this.initialValue = initialValue;
            this.warmupIterations = warmupIterations;
            this.totalIterations = totalIterations;
            this.finalFraction = finalFraction;
        }

        @Override
        public double valueAt(int iteration, int epoch) {
            if (iteration < warmupIterations) {
                return initialValue * (iteration + 1) / warmupIterations;
            }
            if (iteration >= totalIterations) {
                return initialValue * finalFraction;
            }
            double progress = (double) (iteration - warmupIterations) / Math.max(1, totalIterations - warmupIterations);
            return initialValue * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
        }

        @Override
        public ISchedule clone() {
            return this;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Curve curve && curve.initialValue == initialValue && curve.warmupIterations == warmupIterations
                    && curve.totalIterations == totalIterations && curve.finalFraction == finalFraction;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(initialValue, warmupIterations, totalIterations, finalFraction);
        }

        @Override
        public String toString() {
            return "WarmupCosineSchedule.Curve(initialValue=" + initialValue + ", warmupIterations=" + warmupIterations
                    + ", totalIterations=" + totalIterations + ", finalFraction=" + finalFraction + ")";
        }
    }
}
