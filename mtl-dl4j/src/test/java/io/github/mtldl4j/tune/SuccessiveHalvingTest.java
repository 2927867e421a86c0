package io.github.mtldl4j.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedule by hand, the race on known scores, the budget, and the candidate sample's seed. */
class SuccessiveHalvingTest {

    @Test
    void scheduleMatchesHandPlan() {
        SuccessiveHalving.Schedule schedule = new SuccessiveHalving.Schedule(3, 27, 3);
        // 27 candidates: 27 at 3 epochs, 9 at 9, 3 at 27 (the cap ends it)
        assertEquals(List.of(27, 9, 3), schedule.plan(27));
        assertEquals(List.of(3, 9, 27, 27), List.of(schedule.epochs(0), schedule.epochs(1), schedule.epochs(2), schedule.epochs(3)));
        // 10 candidates, eta 2, epochs 1..100: 10, 5, 2, 1
        assertEquals(List.of(10, 5, 2, 1), new SuccessiveHalving.Schedule(1, 100, 2).plan(10));
    }

    @Test
    void raceKeepsTheBestAndPicksTheWinnerOfTheLastRung() {
        // score = quality * epochs: candidate 5 best, 2 second; NaN (failed) candidate 3 never survives
        double[] quality = {0.1, 0.4, 0.8, Double.NaN, 0.2, 0.9, 0.3, 0.5, 0.6};
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < quality.length; i++) {
            candidates.add(i);
        }
        SuccessiveHalving.Result<Integer> result = SuccessiveHalving.run(candidates, new SuccessiveHalving.Schedule(1, 9, 3),
                (c, epochs) -> quality[c] * epochs, () -> true, null);
        assertEquals(9 + 3 + 1, result.trials().size());
        assertEquals(List.of(2, 5, 8), result.trials().stream().filter(t -> t.rung() == 1).map(SuccessiveHalving.Trial::index).toList());
        assertEquals(5, result.winner().index());
        assertEquals(9, result.winner().epochs());
        assertFalse(result.budgetExhausted());
    }

    @Test
    void noTrainingStartsAfterTheBudgetIsSpent() {
        long start = System.nanoTime();
        double budget = 0.35;
        double candidateSeconds = 0.1;
        List<Integer> candidates = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8);
        SuccessiveHalving.Result<Integer> result = SuccessiveHalving.run(candidates, new SuccessiveHalving.Schedule(1, 9, 3), (c, e) -> {
            try {
                Thread.sleep((long) (candidateSeconds * 1000));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return c;
        }, () -> (System.nanoTime() - start) / 1e9 < budget, null);
        double elapsed = (System.nanoTime() - start) / 1e9;
        assertTrue(result.budgetExhausted());
        assertTrue(result.trials().size() >= 3 && result.trials().size() <= 5, "trainings " + result.trials().size());
        assertTrue(elapsed <= budget + candidateSeconds + 0.05, "elapsed " + elapsed + " s for a budget of " + budget + " s");
        assertEquals(result.trials().size() - 1, result.winner().index(), "best of the partial first rung");
    }

    @Test
    void sampleStartsWithTheDefaultAndDependsOnlyOnTheSeed() {
        TabularTuner.SearchSpace space = TabularTuner.SearchSpace.standard();
        List<TabularTuner.Candidate> a = TabularTuner.sample(space, 12, 7);
        assertEquals(a, TabularTuner.sample(space, 12, 7));
        assertFalse(a.equals(TabularTuner.sample(space, 12, 8)));
        assertEquals(TabularTuner.DEFAULT, a.get(0));
        assertEquals(12, a.stream().map(TabularTuner.Candidate::describe).distinct().count(), "no configuration twice");
        assertEquals(space.size(), TabularTuner.sample(space, 1000, 7).size(), "the whole grid at most");
    }
}
