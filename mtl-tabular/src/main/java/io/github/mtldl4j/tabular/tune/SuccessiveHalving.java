package io.github.mtldl4j.tabular.tune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Successive halving (K. Jamieson and A. Talwalkar, "Non-stochastic Best Arm Identification and Hyperparameter
 * Optimization", AISTATS 2016; one bracket of Hyperband, L. Li et al., JMLR 2018): train every candidate with a small
 * budget of epochs, keep the best 1/eta, multiply the epochs by eta, repeat until one candidate is left or the
 * maximum epochs are reached. Each rung retrains from scratch, so a candidate's score at a rung depends only on the
 * candidate and its epochs (reproducible whatever ran before).
 *
 * <p><b>Budget.</b> Before starting any training but the very first, {@code budgetLeft} is asked; once it says no,
 * nothing new starts, so the run ends at most one training after the budget is spent. The winner is the best
 * candidate of the highest rung reached. Ties (and NaN scores, which count as worst) go to the earlier candidate.
 *
 * <p><b>Reference.</b> {@link #runAgainstReference} keeps the first candidate (the default configuration) in every
 * rung whatever its score, so the winner has met it at the same epochs and beats it only by scoring strictly higher. A
 * plain race can eliminate the default at the first, shortest rung (e.g. a higher learning rate leads after 3 epochs)
 * and then crown a candidate that is worse than the default would have been at the final epochs.
 */
public final class SuccessiveHalving {
    private SuccessiveHalving() {
    }

    /**
     * The schedule.
     *
     * @param minEpochs epochs of the first rung (>= 1)
     * @param maxEpochs largest epochs of a rung (>= minEpochs)
     * @param eta the keep-1/eta factor and epoch multiplier (>= 2)
     */
    public record Schedule(int minEpochs, int maxEpochs, int eta) {
        /** Validates. */
        public Schedule {
            if (minEpochs < 1 || maxEpochs < minEpochs) {
                throw new IllegalArgumentException("epochs must satisfy 1 <= min <= max, received min " + minEpochs + ", max " + maxEpochs + ".");
            }
            if (eta < 2) {
                throw new IllegalArgumentException("eta must be >= 2, received " + eta + ".");
            }
        }

        /** Epochs of rung r (0-based): min * eta^r, capped at max. */
        public int epochs(int rung) {
            long e = minEpochs;
            for (int r = 0; r < rung && e < maxEpochs; r++) {
                e *= eta;
            }
            return (int) Math.min(e, maxEpochs);
        }

        /** Candidates in each rung for {@code candidates} at the start (the planned trainings, rung by rung). */
        public List<Integer> plan(int candidates) {
            List<Integer> sizes = new ArrayList<>();
            int n = candidates;
            for (int rung = 0; ; rung++) {
                sizes.add(n);
                if (n == 1 || epochs(rung) >= maxEpochs) {
                    return sizes;
                }
                n = Math.max(1, n / eta);
            }
        }
    }

    /** Trains a candidate for some epochs and scores it (higher is better; NaN for a failed candidate). */
    @FunctionalInterface
    public interface Evaluation<C> {
        /** The score of {@code candidate} trained for {@code epochs}. */
        double score(C candidate, int epochs);
    }

    /**
     * One training.
     *
     * @param index the candidate's position in the input list
     * @param candidate the candidate
     * @param rung 0-based rung
     * @param epochs epochs trained
     * @param score its score (NaN: failed)
     * @param seconds wall time
     */
    public record Trial<C>(int index, C candidate, int rung, int epochs, double score, double seconds) {
    }

    /**
     * The outcome.
     *
     * @param trials every training, in order
     * @param winner the winning trial
     * @param planned trainings the schedule planned
     * @param budgetExhausted whether the budget stopped the run early
     */
    public record Result<C>(List<Trial<C>> trials, Trial<C> winner, int planned, boolean budgetExhausted) {
    }

    /**
     * Runs the schedule over {@code candidates} (in order; put the one to train first, e.g. the default, first).
     *
     * @param onTrial told of each finished training (for progress displays), or null
     */
    public static <C> Result<C> run(List<C> candidates, Schedule schedule, Evaluation<C> evaluation, BooleanSupplier budgetLeft,
                                    Consumer<Trial<C>> onTrial) {
        return race(candidates, schedule, evaluation, budgetLeft, onTrial, false);
    }

    /**
     * As {@link #run}, with {@code candidates.get(0)} as the reference: it trains first in every rung, and rung r > 0
     * trains it plus the best {@code plan(n).get(r)} of the others (so {@link Result#planned()} counts one more
     * training per rung after the first). The winner is the best of the last rung reached, which always holds the
     * reference; a tie goes to the reference. So the winner never scores below the reference at the winner's epochs.
     */
    public static <C> Result<C> runAgainstReference(List<C> candidates, Schedule schedule, Evaluation<C> evaluation,
                                                    BooleanSupplier budgetLeft, Consumer<Trial<C>> onTrial) {
        return race(candidates, schedule, evaluation, budgetLeft, onTrial, true);
    }

    private static <C> Result<C> race(List<C> candidates, Schedule schedule, Evaluation<C> evaluation, BooleanSupplier budgetLeft,
                                      Consumer<Trial<C>> onTrial, boolean reference) {
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("successive halving needs at least one candidate.");
        }
        List<Integer> plan = schedule.plan(candidates.size());
        int planned = plan.stream().mapToInt(Integer::intValue).sum() + (reference ? plan.size() - 1 : 0);
        List<Trial<C>> trials = new ArrayList<>();
        List<Integer> alive = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            alive.add(i);
        }
        boolean exhausted = false;
        List<Trial<C>> rungTrials = new ArrayList<>();
        for (int rung = 0; rung < plan.size() && !exhausted; rung++) {
            int epochs = schedule.epochs(rung);
            rungTrials = new ArrayList<>();
            for (int index : alive) {
                if (!trials.isEmpty() && !budgetLeft.getAsBoolean()) {
                    exhausted = true;
                    break;
                }
                long start = System.nanoTime();
                double score = evaluation.score(candidates.get(index), epochs);
                Trial<C> trial = new Trial<>(index, candidates.get(index), rung, epochs, score, (System.nanoTime() - start) / 1e9);
                trials.add(trial);
                rungTrials.add(trial);
                if (onTrial != null) {
                    onTrial.accept(trial);
                }
            }
            if (rung + 1 < plan.size()) {
                List<Integer> next = new ArrayList<>(rungTrials.stream().filter(t -> !reference || t.index() != 0)
                        .sorted(SuccessiveHalving.<C>bestFirst()).limit(plan.get(rung + 1)).map(Trial::index).toList());
                if (reference) {
                    next.add(0);
                }
                alive = next.stream().sorted().toList();
            }
        }
        if (rungTrials.isEmpty()) {
            int lastRung = trials.get(trials.size() - 1).rung();
            rungTrials = trials.stream().filter(t -> t.rung() == lastRung).toList();
        }
        Trial<C> winner = rungTrials.stream().sorted(SuccessiveHalving.<C>bestFirst()).findFirst().orElseThrow();
        return new Result<>(List.copyOf(trials), winner, planned, exhausted);
    }

    /** Higher score first, NaN last, then earlier candidate. */
    static <C> Comparator<Trial<C>> bestFirst() {
        return Comparator.<Trial<C>>comparingDouble(t -> Double.isNaN(t.score()) ? Double.POSITIVE_INFINITY : -t.score())
                .thenComparingInt(Trial::index);
    }
}
