package io.github.mtldl4j.tabular.pipeline;

/**
 * When training stops before its last epoch: never, after a given number of epochs without a new best of the
 * validation criterion, or after a patience scaled to the run's epochs (the default: {@link #scaled()}). Either way
 * the model keeps the best validation epoch's parameters unless told otherwise ({@code Settings.kept}), so stopping
 * only ends a run whose best epoch lies behind it (the patience rule of Goodfellow, Bengio and Courville, Deep
 * Learning, 2016, Algorithm 7.1).
 *
 * @param kind how the patience is set
 * @param patience the patience in epochs for {@link Kind#EPOCHS}, {@code >= 1}; 0 otherwise
 */
public record EarlyStopping(Kind kind, int patience) {
    /** The scaled patience as a fraction of the run's epochs ({@link #scaled()}). */
    public static final double SCALED_FRACTION = 0.2;
    /** The scaled patience's lower bound in epochs ({@link #scaled()}). */
    public static final int SCALED_MINIMUM = 5;

    /** How the patience is set. */
    public enum Kind {
        /** Every epoch runs. */
        NONE,
        /** A given number of epochs. */
        EPOCHS,
        /** {@link #SCALED_FRACTION} of the run's epochs, at least {@link #SCALED_MINIMUM}. */
        SCALED
    }

    /** Validates. */
    public EarlyStopping {
        java.util.Objects.requireNonNull(kind, "kind: expected NONE, EPOCHS or SCALED.");
        if (kind != Kind.EPOCHS) {
            patience = 0;
        } else if (patience < 1) {
            throw new IllegalArgumentException("Early-stopping patience must be >= 1 epoch, received " + patience
                    + "; for no early stopping use EarlyStopping.none().");
        }
    }

    /** Every epoch runs. */
    public static EarlyStopping none() {
        return new EarlyStopping(Kind.NONE, 0);
    }

    /** Stops after {@code patience} epochs in a row without a new best, {@code >= 1}. */
    public static EarlyStopping after(int patience) {
        return new EarlyStopping(Kind.EPOCHS, patience);
    }

    /**
     * Stops after a fifth of the run's epochs without a new best, at least 5 (10 at 50 epochs, 60 at 300), so the
     * patience grows with the budget a user gives; measured on the benchmark suite (docs/suite.md).
     */
    public static EarlyStopping scaled() {
        return new EarlyStopping(Kind.SCALED, 0);
    }

    /** The patience for a run of {@code epochs} epochs, or null when every epoch runs. */
    public Integer patience(int epochs) {
        return switch (kind) {
            case NONE -> null;
            case EPOCHS -> patience;
            case SCALED -> Math.max(SCALED_MINIMUM, (int) Math.round(SCALED_FRACTION * epochs));
        };
    }
}
