package io.github.mtldl4j.train;

import java.util.Objects;
import java.util.function.LongSupplier;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Between epochs, gives back the native memory of ND4J arrays that died during training, within a time budget.
 *
 * <p>ND4J frees an array's off-heap buffer only when the garbage collector finds its Java object dead. Arrays that
 * outlive a few young collections (an epoch's validation pass, the kept best parameters, the epoch's batches) end up
 * in the old generation, which a collector that sizes its heap to the live data collects rarely: resident memory then
 * grows epoch by epoch while the Java heap stays flat (measured in docs/performance.md, section Memory). After an
 * epoch this asks ND4J's memory manager for a full collection ({@code MemoryManager.invokeGc}), at most as often as
 * keeps the collections' time under {@code budget} of the training time: the first once the training time since the
 * start reaches {@link #ASSUMED_FIRST_COLLECTION_NANOS} / budget, each next once the training time since the previous
 * reaches that previous collection's duration / budget. A JVM started with {@code -XX:+DisableExplicitGC} ignores it.
 */
public final class NativeMemoryRelease {
    /** The default budget: collections take at most 2 % of the training time. */
    public static final double DEFAULT_BUDGET = 0.02;

    /** The duration assumed for the first collection, before one was timed: 50 ms. */
    static final long ASSUMED_FIRST_COLLECTION_NANOS = 50_000_000L;

    private final double budget;
    private final Runnable collect;
    private final LongSupplier nanoTime;
    private long lastCollectionNanos = ASSUMED_FIRST_COLLECTION_NANOS;
    private long trainingNanosSince;
    private int collections;

    private NativeMemoryRelease(double budget, Runnable collect, LongSupplier nanoTime) {
        this.budget = requireBudget(budget);
        this.collect = Objects.requireNonNull(collect, "collect");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** {@code budget}, if it is a fraction in (0, 1). */
    static double requireBudget(double budget) {
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("the time budget of the collections between epochs must be a fraction in (0, 1), "
                    + "received " + budget + ".");
        }
        return budget;
    }

    /** Collections through ND4J's memory manager, at most {@code budget} (a fraction in (0, 1)) of the training time. */
    public static NativeMemoryRelease within(double budget) {
        return new NativeMemoryRelease(budget, () -> Nd4j.getMemoryManager().invokeGc(), System::nanoTime);
    }

    /** For tests: {@code collect} instead of ND4J's collection, {@code nanoTime} as the clock. */
    static NativeMemoryRelease within(double budget, Runnable collect, LongSupplier nanoTime) {
        return new NativeMemoryRelease(budget, collect, nanoTime);
    }

    /**
     * Called after an epoch that took {@code epochNanos}: collects when the budget allows it.
     *
     * @return whether it collected
     */
    public boolean afterEpoch(long epochNanos) {
        trainingNanosSince += Math.max(0, epochNanos);
        if (trainingNanosSince * budget < lastCollectionNanos) {
            return false;
        }
        long start = nanoTime.getAsLong();
        collect.run();
        lastCollectionNanos = Math.max(1, nanoTime.getAsLong() - start);
        trainingNanosSince = 0;
        collections++;
        return true;
    }

    /** The collections so far. */
    public int collections() {
        return collections;
    }

    /** The budget, a fraction of the training time. */
    public double budget() {
        return budget;
    }
}
