package io.github.mtldl4j.tabular.pipeline;

/**
 * The weight of a binary task's positive class ({@code Task.withPositiveWeight}): none (1), balanced (negatives /
 * positives of the training rows' labels, computed when the data is split), or a fixed number.
 *
 * @param kind how the weight is set
 * @param fixed the weight for {@link Kind#FIXED}, finite and {@code > 0}; 1 otherwise
 */
public record ClassWeight(Kind kind, double fixed) {
    /** How the positive-class weight is set. */
    public enum Kind {
        /** Weight 1: the plain loss. */
        NONE,
        /** Negatives / positives of the training rows. */
        BALANCED,
        /** A given number. */
        FIXED
    }

    /** Validates. */
    public ClassWeight {
        java.util.Objects.requireNonNull(kind, "kind: expected NONE, BALANCED or FIXED.");
        if (kind != Kind.FIXED) {
            fixed = 1.0;
        } else if (!Double.isFinite(fixed) || fixed <= 0) {
            throw new IllegalArgumentException("A fixed positive-class weight must be finite and > 0, received " + fixed + ".");
        }
    }

    /** Weight 1. */
    public static ClassWeight none() {
        return new ClassWeight(Kind.NONE, 1.0);
    }

    /** Negatives / positives of the training rows. */
    public static ClassWeight balanced() {
        return new ClassWeight(Kind.BALANCED, 1.0);
    }

    /** A fixed weight, finite and {@code > 0}. */
    public static ClassWeight fixed(double weight) {
        return new ClassWeight(Kind.FIXED, weight);
    }

    /**
     * The weight for a task whose labelled training rows have {@code positives} and {@code negatives} (1 when a
     * balanced task has no positive or no negative row: there is nothing to balance).
     */
    public double resolve(long positives, long negatives) {
        return switch (kind) {
            case NONE -> 1.0;
            case FIXED -> fixed;
            case BALANCED -> positives == 0 || negatives == 0 ? 1.0 : (double) negatives / positives;
        };
    }

    /** {@code balanced}, {@code none} or the number. */
    @Override
    public String toString() {
        return kind == Kind.FIXED ? Double.toString(fixed) : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
