package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The collections between epochs keep to their time budget (a fake clock; the schedule worked out by hand). */
class NativeMemoryReleaseTest {
    private static final long MS = 1_000_000L;

    @Test
    void collectsOnlyAsOftenAsTheBudgetAllows() {
        AtomicLong clock = new AtomicLong();
        int[] collected = {0};
        // Each collection "takes" 40 ms on the fake clock.
        NativeMemoryRelease release = NativeMemoryRelease.within(0.05, () -> {
            collected[0]++;
            clock.addAndGet(40 * MS);
        }, clock::get);
        // First: the assumed 50 ms need 50 / 0.05 = 1,000 ms of training; epochs of 300 ms reach it after the fourth.
        assertFalse(release.afterEpoch(300 * MS));
        assertFalse(release.afterEpoch(300 * MS));
        assertFalse(release.afterEpoch(300 * MS));
        assertTrue(release.afterEpoch(300 * MS));
        assertEquals(1, collected[0]);
        // Next: the measured 40 ms need 800 ms: after 300, 600, 900 ms -> the third epoch.
        assertFalse(release.afterEpoch(300 * MS));
        assertFalse(release.afterEpoch(300 * MS));
        assertTrue(release.afterEpoch(300 * MS));
        assertEquals(2, release.collections());
        // A long epoch pays for its collection at once.
        assertTrue(release.afterEpoch(5_000 * MS));
        assertEquals(3, collected[0]);
    }

    @Test
    void aBudgetOutsideZeroToOneIsRefused() {
        for (double budget : new double[] {0, -0.1, 1, 2, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeMemoryRelease.within(budget));
            assertTrue(e.getMessage().contains("(0, 1)"), e.getMessage());
        }
    }
}
