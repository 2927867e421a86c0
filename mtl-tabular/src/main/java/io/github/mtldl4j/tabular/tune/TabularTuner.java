package io.github.mtldl4j.tabular.tune;

import io.github.mtldl4j.eval.Metric;
import io.github.mtldl4j.eval.RelativeImprovement;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.graph.IndependentTowers;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.DataSplit;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.task.TaskType;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Searches a table's multi-task configuration: architectures x weightings x trunk widths x learning rates x dropout, sampled
 * with a seed, raced by {@link SuccessiveHalving} within a wall-clock budget, each candidate scored by delta-m
 * ({@link RelativeImprovement}) against single-task baselines (independent towers, fixed weights, the default widths
 * and learning rate, the largest epochs of the schedule) on the validation split.
 *
 * <p><b>Never worse than the default.</b> The default configuration is candidate 0 and the race's reference
 * ({@link SuccessiveHalving#runAgainstReference}): it runs in every rung, so the winner is chosen against it at the same
 * epochs, on the same split, against the same baselines, and must score strictly higher to replace it. When no
 * candidate does, the default is the winner ({@link Outcome#defaultWins()}) and its model is the one returned.
 * (Before, the default could be eliminated at the first, shortest rung and a candidate worse than the default at the
 * final epochs could win.) Every model is scored as it is kept: the best validation epoch's parameters.
 *
 * <p>delta-m uses, per task, the metrics defined (finite, positive baseline) for both: accuracy and macro F1
 * (multiclass); accuracy, AUC and F1 (binary); RMSE and MAE (regression); micro and macro F1 (multilabel).
 *
 * <p><b>Honest selection (a nested split).</b> Before anything trains, {@link Problem#testFraction()} of the rows
 * (stratified on the first classification task, seeded) are set aside ({@link #holdOut}); the race, the baselines and
 * every preprocessing fit see only the rest, split again into training and validation rows. Selection on validation
 * rows makes the winner's validation delta-m optimistic (the maximum of several noisy scores), so the outcome reports
 * the winner, the default and the single-task baselines once more on the held-out rows ({@link HeldOut}), with the
 * number of configurations tried. A winner that does not beat the default there is reported as such
 * ({@link HeldOut#winnerBeatsDefault()}); the winner is still the one selected, since the held-out rows must not choose.
 *
 * <p>Seeded and reproducible: the sample of candidates, the splits, and every training use the seed; only the budget
 * (wall clock) can end a run at a different point.
 */
public final class TabularTuner {
    /** The architectures the tuner can search: those that need no settings beyond the candidate's (not cascade). */
    public static final List<String> TUNABLE = MethodRegistry.SHARING_MODES.stream().filter(m -> m.needs().isEmpty())
            .map(MethodInfo::name).toList();

    /**
     * Default configuration (that of {@code mtl train} for several tasks): hard sharing, uncertainty weighting
     * ({@code TabularTraining.Settings.defaultMethod}), trunk [64, 64], Adam 0.01, no dropout.
     */
    public static final Candidate DEFAULT = new Candidate(0, HardSharing.NAME, UncertaintyWeighting.NAME, List.of(64, 64), 0.01, 0.0);

    private TabularTuner() {
    }

    /**
     * One configuration.
     *
     * @param id its number in the leaderboard (0: the default)
     * @param architecture a name of {@link #TUNABLE}
     * @param weighting a name of {@link MethodRegistry#weightingNames()}
     * @param shared trunk widths (each expert's widths for mixtures of experts)
     * @param learningRate Adam's learning rate
     * @param dropout probability of dropping each trunk output in training ({@code TabularTraining.Settings.dropout})
     */
    public record Candidate(int id, String architecture, String weighting, List<Integer> shared, double learningRate, double dropout) {
        /** Copies the widths. */
        public Candidate {
            shared = List.copyOf(shared);
        }

        /** A configuration without dropout. */
        public Candidate(int id, String architecture, String weighting, List<Integer> shared, double learningRate) {
            this(id, architecture, weighting, shared, learningRate, 0.0);
        }

        /** e.g. {@code hard/uncertainty/[64,64]/lr=0.01}, and {@code /dropout=0.2} with dropout. */
        public String describe() {
            return architecture + "/" + weighting + "/" + shared.toString().replace(" ", "") + "/lr=" + learningRate
                    + (dropout > 0 ? "/dropout=" + dropout : "");
        }
    }

    /**
     * The values searched.
     *
     * @param architectures names of {@link #TUNABLE}
     * @param weightings names of {@link MethodRegistry#weightingNames()}
     * @param widths trunk width lists
     * @param learningRates Adam learning rates
     * @param dropouts dropout rates ({@link Candidate#dropout}), each in {@code [0, 1)}
     */
    public record SearchSpace(List<String> architectures, List<String> weightings, List<List<Integer>> widths, List<Double> learningRates,
                              List<Double> dropouts) {
        /**
         * The default space: hard, MMoE, CGC x fixed, uncertainty, DWA, PCGrad x [32], [64,64], [128,64] x 0.003, 0.01, 0.03
         * x dropout 0, 0.2 (none, as {@code mtl train}'s default, and Keras' common light setting).
         */
        public static SearchSpace standard() {
            return new SearchSpace(List.of("hard", "mmoe", "cgc"), List.of("fixed", "uncertainty", "dwa", "pcgrad"),
                    List.of(List.of(32), List.of(64, 64), List.of(128, 64)), List.of(0.003, 0.01, 0.03), List.of(0.0, 0.2));
        }

        /** A space without dropout. */
        public SearchSpace(List<String> architectures, List<String> weightings, List<List<Integer>> widths, List<Double> learningRates) {
            this(architectures, weightings, widths, learningRates, List.of(0.0));
        }

        /** Validates names and values. */
        public SearchSpace {
            if (architectures.isEmpty() || weightings.isEmpty() || widths.isEmpty() || learningRates.isEmpty() || dropouts.isEmpty()) {
                throw new IllegalArgumentException("every dimension of the search space needs at least one value.");
            }
            for (String a : architectures) {
                if (!TUNABLE.contains(a)) {
                    throw new InvalidSettingException(TabularSetting.TUNED_ARCHITECTURES, SettingMessage.of(TabularSetting.TUNED_ARCHITECTURES,
                            ": unknown or unsupported architecture '" + a + "'; expected some of " + TUNABLE + "."));
                }
            }
            weightings.forEach(MethodRegistry::method);
            for (List<Integer> w : widths) {
                if (w.isEmpty() || w.stream().anyMatch(x -> x < 1)) {
                    throw new InvalidSettingException(TabularSetting.TUNED_WIDTHS, SettingMessage.of(TabularSetting.TUNED_WIDTHS,
                            ": every trunk needs widths >= 1, received " + w + "."));
                }
            }
            for (double lr : learningRates) {
                if (!(lr > 0) || Double.isInfinite(lr)) {
                    throw new InvalidSettingException(TabularSetting.TUNED_LEARNING_RATES, SettingMessage.of(TabularSetting.TUNED_LEARNING_RATES,
                            ": learning rates must be finite and > 0, received " + lr + "."));
                }
            }
            for (double rate : dropouts) {
                if (!(rate >= 0 && rate < 1)) {
                    throw new InvalidSettingException(TabularSetting.TUNED_DROPOUTS, SettingMessage.of(TabularSetting.TUNED_DROPOUTS,
                            ": dropout rates must be probabilities in [0, 1) (0: none), received " + rate + "."));
                }
            }
            architectures = List.copyOf(architectures);
            weightings = List.copyOf(weightings);
            widths = widths.stream().map(List::copyOf).toList();
            learningRates = List.copyOf(learningRates);
            dropouts = List.copyOf(dropouts);
        }

        /** Size of the grid. */
        public int size() {
            return architectures.size() * weightings.size() * widths.size() * learningRates.size() * dropouts.size();
        }
    }

    /**
     * The default configuration then {@code count - 1} others drawn without replacement from the grid with {@code seed}
     * (combinations that cannot be built, e.g. MGDA with a mixture of experts, are left out).
     */
    public static List<Candidate> sample(SearchSpace space, int count, long seed) {
        if (count < 1) {
            throw new InvalidSettingException(TabularSetting.CANDIDATES, SettingMessage.of(TabularSetting.CANDIDATES, " must be >= 1, received " + count + "."));
        }
        List<Candidate> grid = new ArrayList<>();
        for (String a : space.architectures()) {
            for (String w : space.weightings()) {
                if (MethodRegistry.method(w).needs(Need.REPRESENTATION_TAP)
                        && !MethodRegistry.architecture(a).offers(Need.REPRESENTATION_TAP)) {
                    continue;
                }
                for (List<Integer> width : space.widths()) {
                    for (double lr : space.learningRates()) {
                        for (double dropout : space.dropouts()) {
                            Candidate c = new Candidate(0, a, w, width, lr, dropout);
                            if (!sameConfiguration(c, DEFAULT)) {
                                grid.add(c);
                            }
                        }
                    }
                }
            }
        }
        Collections.shuffle(grid, new Random(seed));
        List<Candidate> out = new ArrayList<>();
        out.add(DEFAULT);
        for (int i = 0; i < grid.size() && out.size() < count; i++) {
            Candidate c = grid.get(i);
            out.add(new Candidate(out.size(), c.architecture(), c.weighting(), c.shared(), c.learningRate(), c.dropout()));
        }
        return out;
    }

    private static boolean sameConfiguration(Candidate a, Candidate b) {
        return a.architecture().equals(b.architecture()) && a.weighting().equals(b.weighting()) && a.shared().equals(b.shared())
                && a.learningRate() == b.learningRate() && a.dropout() == b.dropout();
    }

    /**
     * What to tune on.
     *
     * @param tasks the tasks
     * @param features feature columns or null for all non-label columns
     * @param categorical columns to one-hot encode
     * @param batch minibatch rows
     * @param validFraction validation fraction of the rows left after the held-out test rows
     * @param testFraction fraction of all rows held out from selection and used only to report the outcome
     *     ({@link HeldOut}); 0 holds out nothing and reports validation figures only
     * @param seed seed of everything
     */
    public record Problem(List<TaskSpec> tasks, List<String> features, Set<String> categorical, int batch, double validFraction,
                          double testFraction, long seed) {
        /** The default share of rows held out for the report: 0.2. */
        public static final double DEFAULT_TEST_FRACTION = 0.2;

        /** Checks the test fraction: 0 or in (0, 0.5]. */
        public Problem {
            if (!(testFraction >= 0 && testFraction <= 0.5)) {
                throw new InvalidSettingException(TabularSetting.TEST_FRACTION, SettingMessage.of(TabularSetting.TEST_FRACTION,
                        " must be 0 (no held-out rows) or in (0, 0.5], received " + testFraction + "."));
            }
        }
    }

    /**
     * The selected configurations measured once on rows that selection never saw (the nested split's outer rows).
     *
     * @param rows held-out rows
     * @param configurations configurations tried (the default included)
     * @param winner per task the winner's metrics on the held-out rows
     * @param defaultConfiguration per task the default configuration's metrics there (same epochs as the winner)
     * @param singleTask per task the single-task baselines' metrics there
     * @param winnerDeltaM the winner's delta-m against the single-task baselines on the held-out rows
     * @param defaultDeltaM the default's delta-m there
     */
    public record HeldOut(int rows, int configurations, Map<String, Map<String, Double>> winner,
                          Map<String, Map<String, Double>> defaultConfiguration, Map<String, Map<String, Double>> singleTask,
                          double winnerDeltaM, double defaultDeltaM) {
        /** Whether the winner scores strictly higher than the default on the held-out rows. */
        public boolean winnerBeatsDefault() {
            return Double.isFinite(winnerDeltaM) && (!Double.isFinite(defaultDeltaM) || winnerDeltaM > defaultDeltaM);
        }
    }

    /**
     * One leaderboard row.
     *
     * @param candidate the configuration
     * @param rung rung reached (0-based)
     * @param epochs epochs of that rung
     * @param deltaM delta-m against the baselines on the validation split (NaN if training failed)
     * @param seconds wall time of that training
     * @param metrics per task its validation metrics at that rung
     */
    public record Entry(Candidate candidate, int rung, int epochs, double deltaM, double seconds, Map<String, Map<String, Double>> metrics) {
    }

    /**
     * The outcome.
     *
     * @param leaderboard one row per candidate at its highest rung, best first (rung, then delta-m)
     * @param best the winner's trained model and outputs (the default's when {@link #defaultWins()})
     * @param bestEntry the winner's row
     * @param defaultEntry the default configuration's (the first candidate's) row, at the winner's rung and epochs
     * @param bestChallenger the best other candidate's row at the winner's rung (the winner itself unless the default
     *     wins), or null if no other candidate reached that rung (budget spent)
     * @param baseline the single-task baselines' validation metrics
     * @param baselineSeconds their training time
     * @param planned trainings the schedule planned
     * @param trained trainings done
     * @param budgetExhausted whether the budget ended the race early
     * @param heldOut the winner, the default and the baselines on the held-out rows, or null when
     *     {@link Problem#testFraction()} is 0
     */
    public record Outcome(List<Entry> leaderboard, TabularTraining.Result best, Entry bestEntry, Entry defaultEntry,
                          Entry bestChallenger, Map<String, Map<String, Double>> baseline, double baselineSeconds, int planned, int trained,
                          boolean budgetExhausted, HeldOut heldOut) {

        /** Whether no candidate scored strictly higher than the default configuration, which is then the winner. */
        public boolean defaultWins() {
            return bestEntry.candidate().id() == defaultEntry.candidate().id();
        }

        /** The leaderboard as CSV: rank, id, configuration (dropout included), rung, epochs, delta_m, seconds, then every task metric. */
        public String leaderboardCsv() {
            StringBuilder csv = new StringBuilder("rank,id,architecture,weighting,shared,learning_rate,dropout,rung,epochs,delta_m,seconds");
            List<String> columns = new ArrayList<>();
            baseline.forEach((task, metrics) -> metrics.keySet().forEach(m -> columns.add(task + "_" + m)));
            columns.forEach(c -> csv.append(',').append(c));
            csv.append('\n');
            int rank = 1;
            for (Entry e : leaderboard) {
                Candidate c = e.candidate();
                csv.append(rank++).append(',').append(c.id()).append(',').append(c.architecture()).append(',').append(c.weighting())
                        .append(",\"").append(c.shared().stream().map(String::valueOf).collect(Collectors.joining(","))).append("\",")
                        .append(number(c.learningRate())).append(',').append(number(c.dropout())).append(',').append(e.rung()).append(',').append(e.epochs()).append(',')
                        .append(number(e.deltaM())).append(',').append(String.format(Locale.ROOT, "%.3f", e.seconds()));
                baseline.forEach((task, metrics) -> metrics.keySet().forEach(m -> csv.append(',').append(
                        number(e.metrics().getOrDefault(task, Map.of()).getOrDefault(m, Double.NaN)))));
                csv.append('\n');
            }
            return csv.toString();
        }
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.valueOf(v) : "NaN";
    }

    /**
     * The nested split's outer cut: the rows selection may use, then the held-out rows ({@link Problem#testFraction()}
     * of the table, stratified on the first classification task like the validation split, with a seed derived from
     * the problem's so the two cuts differ). With a test fraction of 0, the whole table and no rows.
     */
    public static CsvTable[] holdOut(CsvTable table, Problem problem) {
        if (problem.testFraction() == 0) {
            return new CsvTable[] {table, table.rows(new int[0])};
        }
        String stratify = problem.tasks().stream().filter(t -> t.type() == TaskType.BINARY || t.type() == TaskType.MULTICLASS)
                .map(t -> t.columns().get(0)).findFirst().orElse(null);
        DataSplit split = DataSplit.of(table, problem.testFraction(), problem.seed() ^ HELD_OUT_SEED, stratify);
        return new CsvTable[] {table.rows(split.train()), table.rows(split.validation())};
    }

    /** Mixed into the seed of the held-out cut so that it is not the validation cut's permutation. */
    private static final long HELD_OUT_SEED = 0x5DEECE66DL;

    /**
     * Holds out the test rows ({@link #holdOut}), trains the baselines and races the candidates on the rest, then
     * measures the winner, the default and the baselines on the held-out rows.
     *
     * @param candidates the configurations; the first is the reference the winner must beat (see {@link #sample}: the default)
     * @param budgetSeconds wall-clock budget for everything (baselines included); no training starts after it is spent,
     *     but the baselines and the first candidate always train
     * @param onTrial told of each finished candidate training (for progress), or null
     */
    public static Outcome tune(CsvTable table, Problem problem, List<Candidate> candidates, SuccessiveHalving.Schedule schedule,
                               double budgetSeconds, Consumer<Entry> onTrial) {
        long start = System.nanoTime();
        CsvTable[] outer = holdOut(table, problem);
        CsvTable heldOutRows = outer[1];
        table = outer[0];
        Candidate singleTask = new Candidate(-1, IndependentTowers.NAME, FixedWeighting.NAME, DEFAULT.shared(), DEFAULT.learningRate());
        TabularTraining.Result baseline = TabularTraining.train(table, settings(problem, singleTask, schedule.maxEpochs()), null);
        Map<String, Map<String, Double>> baselineMetrics = metricMaps(baseline.metrics());
        Map<String, List<String>> compared = new LinkedHashMap<>();
        problem.tasks().forEach(t -> compared.put(t.name(), comparedMetrics(t.type())));
        double baselineSeconds = (System.nanoTime() - start) / 1e9;

        Map<Integer, Entry> latest = new LinkedHashMap<>();
        BestModel best = new BestModel();
        TabularTraining.Result[] referenceModel = new TabularTraining.Result[1];
        int referenceId = candidates.get(0).id();
        CsvTable selectionRows = table;
        SuccessiveHalving.Result<Candidate> race = SuccessiveHalving.runAgainstReference(candidates, schedule, (candidate, epochs) -> {
            long t0 = System.nanoTime();
            TabularTraining.Result result;
            try {
                result = TabularTraining.train(selectionRows, settings(problem, candidate, epochs), null);
            } catch (IllegalArgumentException | IllegalStateException e) {
                Entry failed = new Entry(candidate, -1, epochs, Double.NaN, (System.nanoTime() - t0) / 1e9, Map.of());
                latest.put(candidate.id(), failed);
                return Double.NaN;
            }
            Map<String, Map<String, Double>> metrics = metricMaps(result.metrics());
            double deltaM = deltaM(metrics, baselineMetrics, compared);
            Entry entry = new Entry(candidate, -1, epochs, deltaM, (System.nanoTime() - t0) / 1e9, metrics);
            latest.put(candidate.id(), entry);
            best.offer(result, epochs, deltaM);
            if (candidate.id() == referenceId) {
                referenceModel[0] = result;
            }
            return deltaM;
        }, () -> (System.nanoTime() - start) / 1e9 < budgetSeconds, trial -> {
            Entry e = latest.get(trial.candidate().id());
            Entry withRung = new Entry(e.candidate(), trial.rung(), e.epochs(), e.deltaM(), e.seconds(), e.metrics());
            latest.put(trial.candidate().id(), withRung);
            if (onTrial != null) {
                onTrial.accept(withRung);
            }
        });
        List<Entry> board = new ArrayList<>(latest.values());
        board.sort((a, b) -> {
            if (a.rung() != b.rung()) {
                return Integer.compare(b.rung(), a.rung());
            }
            double x = Double.isNaN(a.deltaM()) ? Double.NEGATIVE_INFINITY : a.deltaM();
            double y = Double.isNaN(b.deltaM()) ? Double.NEGATIVE_INFINITY : b.deltaM();
            return x != y ? Double.compare(y, x) : Integer.compare(a.candidate().id(), b.candidate().id());
        });
        Entry winner = latest.get(race.winner().candidate().id());
        Entry defaultEntry = latest.get(candidates.get(0).id());
        Entry challenger = board.stream().filter(e -> e.rung() == winner.rung() && e.candidate().id() != defaultEntry.candidate().id())
                .findFirst().orElse(null);
        TabularTraining.Result winnerModel = best.isOf(winner) ? best.result
                // the model kept is not the winner's (e.g. a tie resolved differently): retrain the winner once
                : TabularTraining.train(selectionRows, settings(problem, winner.candidate(), winner.epochs()), null);
        if (defaultEntry.epochs() != winner.epochs()) {
            throw new IllegalStateException("the default configuration was not raced at the winner's " + winner.epochs()
                    + " epochs (it reached " + defaultEntry.epochs() + ")");
        }
        HeldOut heldOut = null;
        if (heldOutRows.rowCount() > 0) {
            Map<String, Map<String, Double>> winnerTest = evaluate(winnerModel, heldOutRows);
            Map<String, Map<String, Double>> defaultTest = winner.candidate().id() == referenceId ? winnerTest
                    : evaluate(referenceModel[0], heldOutRows);
            Map<String, Map<String, Double>> baselineTest = evaluate(baseline, heldOutRows);
            heldOut = new HeldOut(heldOutRows.rowCount(), candidates.size(), winnerTest, defaultTest, baselineTest,
                    deltaM(winnerTest, baselineTest, compared), deltaM(defaultTest, baselineTest, compared));
        }
        return new Outcome(board, winnerModel, winner, defaultEntry, challenger, baselineMetrics, baselineSeconds, race.planned(),
                race.trials().size(), race.budgetExhausted(), heldOut);
    }

    /** A trained pipeline's metrics on rows it never saw, encoded with its own preprocessing. */
    private static Map<String, Map<String, Double>> evaluate(TabularTraining.Result trained, CsvTable rows) {
        return metricMaps(TabularTraining.evaluate(trained.model(), trained.preprocessor(), trained.preprocessor().encode(rows).data()));
    }

    /**
     * The trained model of the best candidate at the highest epochs so far (the race's winner is among them), kept so
     * the winner need not train again. The reference trains first in each rung and a tie keeps the earlier model, as
     * the race's tie-break does.
     */
    private static final class BestModel {
        private TabularTraining.Result result;
        private double deltaM = Double.NaN;
        private int epochs = -1;

        void offer(TabularTraining.Result candidate, int candidateEpochs, double candidateDeltaM) {
            boolean better = candidateEpochs > epochs || (candidateEpochs == epochs && Double.isFinite(candidateDeltaM)
                    && (Double.isNaN(deltaM) || candidateDeltaM > deltaM));
            if (better) {
                result = candidate;
                epochs = candidateEpochs;
                deltaM = candidateDeltaM;
            }
        }

        /** Whether the model kept is the one that scored {@code winner}'s delta-m at its epochs. */
        boolean isOf(Entry winner) {
            return result != null && Double.valueOf(deltaM).equals(winner.deltaM()) && epochs == winner.epochs();
        }
    }

    /** Settings for one candidate. */
    public static TabularTraining.Settings settings(Problem problem, Candidate candidate, int epochs) {
        return TabularTraining.Settings.builder(problem.tasks()).features(problem.features()).categorical(problem.categorical())
                .architecture(candidate.architecture()).shared(candidate.shared()).method(candidate.weighting()).epochs(epochs)
                .batch(problem.batch()).learningRate(candidate.learningRate()).dropout(candidate.dropout())
                .validFraction(problem.validFraction())
                .seed(problem.seed()).build();
    }

    /** The metrics delta-m compares for a task type ({@link Metric#comparedByDeltaM(TaskType)}). */
    public static List<String> comparedMetrics(TaskType type) {
        return Metric.comparedByDeltaM(type).stream().map(Metric::key).toList();
    }

    /** delta-m over the compared metrics that are finite in both and positive in the baseline; NaN if a task has none. */
    static double deltaM(Map<String, Map<String, Double>> model, Map<String, Map<String, Double>> baseline, Map<String, List<String>> compared) {
        Map<String, List<String>> usable = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> task : compared.entrySet()) {
            List<String> ok = task.getValue().stream().filter(m -> {
                Double v = model.getOrDefault(task.getKey(), Map.of()).get(m);
                Double b = baseline.getOrDefault(task.getKey(), Map.of()).get(m);
                return v != null && b != null && Double.isFinite(v) && Double.isFinite(b) && b > 0;
            }).toList();
            if (ok.isEmpty()) {
                return Double.NaN;
            }
            usable.put(task.getKey(), ok);
        }
        return RelativeImprovement.deltaMOverMetrics(model, baseline, usable);
    }

    private static Map<String, Map<String, Double>> metricMaps(Map<String, TaskMetrics> metrics) {
        Map<String, Map<String, Double>> maps = new LinkedHashMap<>();
        metrics.forEach((task, m) -> maps.put(task, m.metrics()));
        return maps;
    }
}
