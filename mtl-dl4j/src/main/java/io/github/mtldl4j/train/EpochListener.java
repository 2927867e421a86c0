package io.github.mtldl4j.train;

/** Hears of every finished epoch (DL4J's own {@code TrainingListener}s on the graph keep hearing of iterations). */
@FunctionalInterface
public interface EpochListener {
    /** Called after each epoch, on the training thread. */
    void epochDone(EpochReport report);
}
