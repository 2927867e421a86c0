package io.github.mtldl4j.train;

/**
 * A learning-rate schedule a training run can choose by name: {@link PlateauSchedule} (driven by the validation
 * figures, applied by the epoch loop) or {@link WarmupCosineSchedule} (a function of the iteration, set in the
 * updater as an ND4J {@code ISchedule}). A constant rate is the absence of a schedule.
 */
public sealed interface LearningRateSchedule permits PlateauSchedule, WarmupCosineSchedule {
}
