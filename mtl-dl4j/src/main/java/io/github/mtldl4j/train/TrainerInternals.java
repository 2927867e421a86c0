package io.github.mtldl4j.train;

/**
 * Internal: switches of {@link MultiTaskTrainer} that this project's tests and benchmarks use to compare two routes
 * to the same result. Not part of the API; may change or go away in any release.
 */
public final class TrainerInternals {
    private TrainerInternals() {
    }

    /**
     * Whether dense graphs step through {@link DirectTrainingStep} (default true) or every step goes through
     * {@code ComputationGraph.fit} (false).
     */
    public static MultiTaskTrainer.Builder directSteps(MultiTaskTrainer.Builder builder, boolean on) {
        return builder.directSteps(on);
    }
}
