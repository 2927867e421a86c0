package io.github.mtldl4j.cli;

import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.FeatureSelection;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.tune.SuccessiveHalving;
import io.github.mtldl4j.tabular.tune.TabularTuner;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl tune}: searches architectures x weightings x trunk widths x learning rates x dropout by successive halving within a
 * time budget ({@link TabularTuner}), ranks by delta-m against single-task baselines on the validation split, prints
 * the leaderboard, writes {@code DIR/leaderboard.csv} and the winner's {@code model.zip}, {@code metrics.json},
 * {@code history.csv} and {@code report.html}. The default configuration races in every rung and wins unless a
 * candidate beats it at the same epochs; the closing lines show the two side by side and say which was saved.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Search architectures, weightings, trunk widths, learning rates and dropout (successive halving) within a time budget; "
                + "writes DIR/leaderboard.csv and the best model.zip and metrics.json.")
public final class TuneCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TabularDataOptions input;

    @Option(names = "--budget-minutes", required = true, paramLabel = "M",
            description = "Wall-clock budget; no training starts after it is spent (baselines and the default always train).")
    double budgetMinutes;

    @Option(names = "--candidates", defaultValue = "27", description = "Configurations raced, the default included (default ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--eta", defaultValue = "3", description = "Keep the best 1/eta per rung, eta times the epochs (default ${DEFAULT-VALUE}).")
    int eta;

    @Option(names = "--min-epochs", defaultValue = "3", description = "Epochs of the first rung (default ${DEFAULT-VALUE}).")
    int minEpochs;

    @Option(names = "--max-epochs", defaultValue = "27", description = "Epochs of the last rung and of the baselines (default ${DEFAULT-VALUE}).")
    int maxEpochs;

    @Option(names = "--archs", split = ",", defaultValue = "hard,mmoe,cgc", completionCandidates = MethodNames.TunableArchitectures.class,
            description = "Architectures searched, some of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    List<String> architectures;

    @Option(names = "--weightings", split = ",", defaultValue = "fixed,uncertainty,dwa,pcgrad",
            completionCandidates = MethodNames.Weightings.class,
            description = "Weightings searched, some of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    List<String> weightings;

    @Option(names = "--widths", split = ";", defaultValue = "32;64,64;128,64", paramLabel = "W1,W2;...",
            description = "Trunk widths searched, ';' between trunks (default ${DEFAULT-VALUE}).")
    List<String> widths;

    @Option(names = "--lrs", split = ",", defaultValue = "0.003,0.01,0.03", description = "Adam learning rates searched (default ${DEFAULT-VALUE}).")
    List<Double> learningRates;

    @Option(names = "--dropouts", split = ",", defaultValue = "0,0.2", paramLabel = "RATE,...",
            description = "Dropout rates searched, as train's --dropout (0: none; default ${DEFAULT-VALUE}).")
    List<Double> dropouts;

    @Option(names = "--test", defaultValue = "0.2", paramLabel = "FRACTION",
            description = "Rows held out before selection and used only to report the winner and the default (a nested split; "
                    + "default ${DEFAULT-VALUE}; 0 reports validation figures only).")
    double testFraction;

    @Mixin
    TrainingRunOptions run;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        if (!(budgetMinutes > 0) || Double.isInfinite(budgetMinutes)) {
            throw new IllegalArgumentException("--budget-minutes must be a finite number > 0, received " + budgetMinutes + ".");
        }
        List<TaskSpec> specs = input.taskSpecs();
        TabularTuner.SearchSpace space = new TabularTuner.SearchSpace(architectures, weightings, parseWidths(widths), learningRates, dropouts);
        SuccessiveHalving.Schedule schedule = new SuccessiveHalving.Schedule(minEpochs, maxEpochs, eta);
        List<TabularTuner.Candidate> sampled = TabularTuner.sample(space, candidates, run.seed);
        TabularTuner.Problem problem = new TabularTuner.Problem(specs, input.features, input.categoricalColumns(), run.batch, run.valid, testFraction, run.seed);
        TabularTuner.settings(problem, TabularTuner.DEFAULT, minEpochs); // refuses bad --batch/--valid before any data is read
        OutputDirectory.check(run.out);
        CsvTable table = CsvTable.read(input.requiredData());
        FeatureSelection features = input.chooseFeatures(TrainCommand.trainingRows(TabularTuner.holdOut(table, problem)[0], null,
                TabularTuner.settings(problem, TabularTuner.DEFAULT, minEpochs)), specs, spec.commandLine().getErr());
        problem = new TabularTuner.Problem(specs, features.used(), input.categoricalColumns(), run.batch, run.valid, testFraction, run.seed);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        List<Integer> plan = schedule.plan(sampled.size());
        // The default races in every rung besides the plan's challengers (SuccessiveHalving.runAgainstReference).
        int planned = plan.stream().mapToInt(Integer::intValue).sum() + plan.size() - 1;
        stdout.printf(Locale.ROOT, "%s: %d rows, tasks %s; %d of %d configurations, successive halving (eta %d): candidates per rung %s "
                + "(after the first, plus the default), "
                + "epochs %s; budget %.1f min, seed %d%n", input.data, table.rowCount(), specs.stream().map(TaskSpec::name).toList(),
                sampled.size(), space.size(), eta, plan, epochsPerRung(schedule, plan.size()), budgetMinutes, run.seed);
        stdout.println(TabularDataOptions.describe(features));
        CsvTable[] outer = TabularTuner.holdOut(table, problem);
        if (outer[1].rowCount() > 0) {
            stdout.printf(Locale.ROOT, "%d rows held out (--test %s) until the end; selection uses the other %d (training and validation)%n",
                    outer[1].rowCount(), testFraction, outer[0].rowCount());
        }
        stdout.printf(Locale.ROOT, "training single-task baselines (independent towers, %d epochs)...%n", maxEpochs);
        stdout.flush();
        ProgressBar bar = System.console() == null ? null : new ProgressBarBuilder().setTaskName("tune").setInitialMax(planned)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        int[] done = {0};
        TabularTuner.Outcome outcome;
        try {
            outcome = TabularTuner.tune(table, problem, sampled, schedule, budgetMinutes * 60, entry -> {
                done[0]++;
                stdout.printf(Locale.ROOT, "[%2d/%d] rung %d (%2d epochs) #%-3d %-34s delta-m %s  (%.1f s)%n", done[0], planned, entry.rung(),
                        entry.epochs(), entry.candidate().id(), entry.candidate().describe(), percent(entry.deltaM()), entry.seconds());
                stdout.flush();
                if (bar != null) {
                    bar.step();
                    bar.setExtraMessage(String.format(Locale.ROOT, " rung %d, last delta-m %s", entry.rung(), percent(entry.deltaM())));
                }
            });
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        stdout.printf(Locale.ROOT, "%nleaderboard (delta-m vs single-task baselines on the validation split; higher rung first):%n");
        stdout.printf(Locale.ROOT, "%4s %4s %-34s %5s %7s %10s %8s%n", "rank", "id", "configuration", "rung", "epochs", "delta-m", "seconds");
        int rank = 1;
        for (TabularTuner.Entry e : outcome.leaderboard()) {
            stdout.printf(Locale.ROOT, "%4d %4d %-34s %5d %7d %10s %8.1f%n", rank++, e.candidate().id(), e.candidate().describe(), e.rung(),
                    e.epochs(), percent(e.deltaM()), e.seconds());
        }
        TabularTuner.Entry best = outcome.bestEntry();
        TabularTuner.Entry base = outcome.defaultEntry();
        TabularTuner.Entry other = outcome.bestChallenger();
        stdout.println();
        if (outcome.defaultWins()) {
            stdout.printf(Locale.ROOT, "the default %s wins (%d epochs): delta-m %s; %s%n", base.candidate().describe(), base.epochs(),
                    percent(base.deltaM()), other == null ? "no other configuration reached that rung (budget spent)"
                            : String.format(Locale.ROOT, "the best other configuration, #%d %s, reached %s", other.candidate().id(),
                                    other.candidate().describe(), percent(other.deltaM())));
            stdout.println("no candidate beat the default: model.zip and metrics.json are the default's");
        } else {
            stdout.printf(Locale.ROOT, "winner #%d %s (%d epochs): delta-m %s; it beats the default %s at the same epochs: delta-m %s%n",
                    best.candidate().id(), best.candidate().describe(), best.epochs(), percent(best.deltaM()), base.candidate().describe(),
                    percent(base.deltaM()));
        }
        if (other != null) {
            stdout.println(sideBySide(base, outcome.defaultWins() ? other : best, outcome.defaultWins() ? "best other" : "winner"));
        }
        stdout.printf(Locale.ROOT, "(validation split, same %d epochs and single-task baselines for both; every model keeps its best "
                + "validation epoch's parameters)%n", best.epochs());
        stdout.printf(Locale.ROOT, "%d of %d planned trainings%s; %.1f s of baselines%n", outcome.trained(), outcome.planned(),
                outcome.budgetExhausted() ? " (budget spent)" : "", outcome.baselineSeconds());
        TabularTuner.HeldOut heldOut = outcome.heldOut();
        if (heldOut != null) {
            stdout.printf(Locale.ROOT, "%nheld-out test rows (%d rows set aside before selection; %d configurations tried), delta-m vs the "
                    + "single-task baselines there:%n", heldOut.rows(), heldOut.configurations());
            stdout.println(heldOutSideBySide(heldOut, outcome.defaultWins()));
            if (outcome.defaultWins()) {
                stdout.println("the default was kept; the held-out figures above are what to expect on new rows");
            } else if (heldOut.winnerBeatsDefault()) {
                stdout.printf(Locale.ROOT, "on the held-out rows the winner beats the default too (%s vs %s)%n", percent(heldOut.winnerDeltaM()),
                        percent(heldOut.defaultDeltaM()));
            } else {
                stdout.printf(Locale.ROOT, "on the held-out rows the winner does NOT beat the default (%s vs %s): its validation lead came "
                        + "from selecting among %d configurations on the same rows; prefer the default%n", percent(heldOut.winnerDeltaM()),
                        percent(heldOut.defaultDeltaM()), heldOut.configurations());
            }
        }
        OutputDirectory.create(run.out);
        AtomicFile.writeString(run.out.resolve("leaderboard.csv"), outcome.leaderboardCsv());
        java.util.Map<String, Object> choice = new java.util.LinkedHashMap<>();
        choice.put("tune_winner", "#" + best.candidate().id() + " " + best.candidate().describe());
        choice.put("tune_default_wins", outcome.defaultWins());
        choice.put("learning_rate", best.candidate().learningRate());
        choice.put("shared", best.candidate().shared().toString().replace(" ", ""));
        choice.put("tune_configurations", sampled.size());
        if (heldOut != null) {
            choice.put("tune_test_rows", heldOut.rows());
            choice.put("tune_test_delta_m_winner", heldOut.winnerDeltaM());
            choice.put("tune_test_delta_m_default", heldOut.defaultDeltaM());
            choice.put("tune_test_winner_beats_default", heldOut.winnerBeatsDefault());
        }
        TrainCommand.write(outcome.best(), TabularTuner.settings(problem, best.candidate(), best.epochs()), run.out, input.data.toString(),
                java.util.Map.of(), java.util.Map.of(), choice);
        stdout.printf(Locale.ROOT, "wrote %s (leaderboard.csv; the %s model.zip, metrics.json, history.csv, report.html)%n", run.out,
                outcome.defaultWins() ? "default's" : "winner's");
        return 0;
    }

    /** Per task the default's and another configuration's validation metrics. */
    private static String sideBySide(TabularTuner.Entry base, TabularTuner.Entry other, String otherName) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-24s %12s %12s", "task / metric", "default", otherName));
        base.metrics().forEach((task, metrics) -> metrics.forEach((metric, value) -> out.append(String.format(Locale.ROOT,
                "%n%-24s %12.4f %12.4f", task + " " + metric, value,
                other.metrics().getOrDefault(task, java.util.Map.of()).getOrDefault(metric, Double.NaN)))));
        out.append(String.format(Locale.ROOT, "%n%-24s %12s %12s", "delta-m", percent(base.deltaM()), percent(other.deltaM())));
        return out.toString();
    }

    /** Per task the default's and the winner's held-out metrics beside the single-task baselines'. */
    private static String heldOutSideBySide(TabularTuner.HeldOut heldOut, boolean defaultWins) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-24s %12s %12s %12s", "task / metric", "single-task", "default",
                defaultWins ? "(default)" : "winner"));
        heldOut.defaultConfiguration().forEach((task, metrics) -> metrics.forEach((metric, value) -> out.append(String.format(Locale.ROOT,
                "%n%-24s %12.4f %12.4f %12.4f", task + " " + metric,
                heldOut.singleTask().getOrDefault(task, java.util.Map.of()).getOrDefault(metric, Double.NaN), value,
                heldOut.winner().getOrDefault(task, java.util.Map.of()).getOrDefault(metric, Double.NaN)))));
        out.append(String.format(Locale.ROOT, "%n%-24s %12s %12s %12s", "delta-m", "", percent(heldOut.defaultDeltaM()),
                percent(heldOut.winnerDeltaM())));
        return out.toString();
    }

    private static List<List<Integer>> parseWidths(List<String> trunks) {
        List<List<Integer>> out = new ArrayList<>();
        for (String trunk : trunks) {
            List<Integer> w = new ArrayList<>();
            for (String part : trunk.split(",")) {
                try {
                    w.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--widths '" + trunk + "': expected comma-separated integers per trunk, ';' between "
                            + "trunks, e.g. 32;64,64.");
                }
            }
            out.add(w);
        }
        return out;
    }

    private static List<Integer> epochsPerRung(SuccessiveHalving.Schedule schedule, int rungs) {
        List<Integer> epochs = new ArrayList<>();
        for (int r = 0; r < rungs; r++) {
            epochs.add(schedule.epochs(r));
        }
        return epochs;
    }

    private static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%+.2f %%", 100 * fraction) : "failed";
    }
}
