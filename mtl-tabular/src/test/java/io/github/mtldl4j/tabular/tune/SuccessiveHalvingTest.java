package io.github.mtldl4j.tabular.tune;

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

    /** Nine candidates: the reference (0) scores its epochs (slow start, best at 9 epochs); the others 5 + index / 10. */
    private static double slowReference(int candidate, int epochs) {
        return candidate == 0 ? epochs : 5 + candidate / 10.0;
    }

    @Test
    void aPlainRaceCanEliminateTheReferenceThatWouldHaveWon() {
        List<Integer> candidates = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8);
        SuccessiveHalving.Result<Integer> plain = SuccessiveHalving.run(candidates, new SuccessiveHalving.Schedule(1, 9, 3),
                SuccessiveHalvingTest::slowReference, () -> true, null);
        // Rung 0 at 1 epoch: the reference scores 1 < 5.1 and is dropped; candidate 8 (5.8) wins, below the reference's 9.
        assertEquals(8, plain.winner().index());
        assertTrue(plain.trials().stream().noneMatch(t -> t.index() == 0 && t.rung() > 0));
    }

    @Test
    void theReferenceRacesInEveryRungAndWinsWhenNoCandidateBeatsIt() {
        List<Integer> candidates = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8);
        SuccessiveHalving.Result<Integer> race = SuccessiveHalving.runAgainstReference(candidates,
                new SuccessiveHalving.Schedule(1, 9, 3), SuccessiveHalvingTest::slowReference, () -> true, null);
        // Plan 9, 3, 1 challengers; the reference added to rungs 1 and 2: 9 + 4 + 2 trainings.
        assertEquals(15, race.planned());
        assertEquals(15, race.trials().size());
        assertEquals(List.of(0, 6, 7, 8), race.trials().stream().filter(t -> t.rung() == 1).map(SuccessiveHalving.Trial::index).toList(),
                "rung 1: the reference first, then the best three others");
        assertEquals(List.of(0, 8), race.trials().stream().filter(t -> t.rung() == 2).map(SuccessiveHalving.Trial::index).toList());
        assertEquals(0, race.winner().index(), "9 at 9 epochs beats 5.8");
        assertEquals(9, race.winner().epochs());
    }

    @Test
    void aCandidateThatClearlyBeatsTheReferenceWinsAndATieGoesToTheReference() {
        List<Integer> candidates = List.of(0, 1, 2, 3);
        SuccessiveHalving.Schedule schedule = new SuccessiveHalving.Schedule(1, 2, 2);
        SuccessiveHalving.Result<Integer> beaten = SuccessiveHalving.runAgainstReference(candidates, schedule,
                (c, epochs) -> c == 2 ? 10.0 * epochs : epochs, () -> true, null);
        assertEquals(2, beaten.winner().index());
        assertEquals(4 + 2 + 1, beaten.trials().size(), "rung 1: the best two others and the reference");
        SuccessiveHalving.Result<Integer> tied = SuccessiveHalving.runAgainstReference(candidates, schedule,
                (c, epochs) -> c == 1 ? 0.5 : 1.0, () -> true, null);
        assertEquals(0, tied.winner().index(), "equal scores: the reference stays");
        SuccessiveHalving.Result<Integer> failedReference = SuccessiveHalving.runAgainstReference(candidates, schedule,
                (c, epochs) -> c == 0 ? Double.NaN : c, () -> true, null);
        assertEquals(3, failedReference.winner().index(), "a failed reference loses to any scored candidate");
    }

    @Test
    void withTheBudgetSpentTheReferenceIsStillInTheWinnersRung() {
        int[] trainings = {0};
        // The budget allows five trainings: rung 0 (4) and the reference's rung-1 training, which comes first.
        SuccessiveHalving.Result<Integer> race = SuccessiveHalving.runAgainstReference(List.of(0, 1, 2, 3),
                new SuccessiveHalving.Schedule(1, 2, 2), (c, epochs) -> {
                    trainings[0]++;
                    return c == 0 ? 1.0 : 2.0;
                }, () -> trainings[0] < 5, null);
        assertTrue(race.budgetExhausted());
        assertEquals(5, race.trials().size());
        assertEquals(0, race.winner().index(), "the reference alone reached rung 1");
        assertEquals(2, race.winner().epochs());
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
