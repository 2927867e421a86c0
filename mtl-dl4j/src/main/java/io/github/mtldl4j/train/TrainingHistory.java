package io.github.mtldl4j.train;

import io.github.mtldl4j.affinity.AffinityAccumulator;
import io.github.mtldl4j.affinity.TaskAffinity;
import io.github.mtldl4j.model.AtomicFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/** Every epoch of a training run, with the best epoch and the epoch whose parameters the model kept, writable as CSV. */
public final class TrainingHistory {
    private final List<EpochReport> epochs = new ArrayList<>();
    private final Function<String, String> mainMetricOfTask;
    private KeptParameters kept;

    /**
     * @param mainMetricOfTask the metric name written in the CSV for a task (e.g. "rmse"), or null for none
     */
    TrainingHistory(Function<String, String> mainMetricOfTask) {
        this.mainMetricOfTask = mainMetricOfTask;
    }

    /**
     * A history holding {@code epochs} as they are, for reports and tests built from recorded figures (for
     * example a {@code history.csv} read back) rather than from a training run.
     *
     * @param epochs the epochs, first first; copied
     * @param mainMetricOfTask the metric name written in the CSV for a task (e.g. "rmse"), or a function returning
     *     null for none; null for none at all
     */
    public static TrainingHistory of(List<EpochReport> epochs, Function<String, String> mainMetricOfTask) {
        return of(epochs, mainMetricOfTask, null);
    }

    /**
     * As {@link #of(List, Function)}, saying which epoch's parameters the model kept.
     *
     * @param kept which epoch the model holds, or null when unknown (e.g. a history read back from CSV)
     */
    public static TrainingHistory of(List<EpochReport> epochs, Function<String, String> mainMetricOfTask, KeptParameters kept) {
        Objects.requireNonNull(epochs, "epochs is null; expected a list of EpochReport (may be empty).");
        TrainingHistory history = new TrainingHistory(mainMetricOfTask == null ? task -> null : mainMetricOfTask);
        for (EpochReport report : epochs) {
            history.add(Objects.requireNonNull(report, "An epoch report is null; expected one EpochReport per epoch."));
        }
        history.kept = kept;
        return history;
    }

    void add(EpochReport report) {
        epochs.add(report);
    }

    /** The epochs, first first. */
    public List<EpochReport> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    void kept(KeptParameters which) {
        this.kept = which;
    }

    /** Which epoch's parameters the trained model holds, or null when the history does not know (built by {@link #of}). */
    public KeptParameters kept() {
        return kept;
    }

    /**
     * The epoch whose training state the model holds: {@link #bestEpoch()} when {@link KeptParameters#BEST} was kept,
     * the last epoch when {@link KeptParameters#LAST} was; empty when unknown or when there is no epoch.
     */
    public java.util.Optional<EpochReport> keptEpoch() {
        if (kept == null || epochs.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(kept == KeptParameters.BEST ? bestEpoch() : epochs.get(epochs.size() - 1));
    }

    /**
     * The last epoch reported best by the criterion, or the last epoch when none was. Its parameters are the model's
     * only when {@link #kept()} is {@link KeptParameters#BEST}.
     */
    public EpochReport bestEpoch() {
        for (int i = epochs.size() - 1; i >= 0; i--) {
            if (epochs.get(i).best()) {
                return epochs.get(i);
            }
        }
        return epochs.get(epochs.size() - 1);
    }

    /**
     * Task affinity over the whole run: the mean over every measured step of every epoch (see
     * {@link MultiTaskTrainer.Builder#affinityEvery}), with the total measuring overhead; null if none was measured.
     */
    public TaskAffinity affinity() {
        AffinityAccumulator total = null;
        for (EpochReport report : epochs) {
            if (report.affinity() != null) {
                if (total == null) {
                    total = new AffinityAccumulator(report.affinity().tasks());
                }
                total.add(report.affinity());
            }
        }
        return total == null ? null : total.mean();
    }

    /**
     * CSV with a header: {@code epoch}, then per task {@code <task>_train_loss, <task>_valid_loss, <task>_weight,
     * <task>_<main metric>}. Numbers in full precision, {@code NaN} where a value does not exist. Losses are in
     * training units (a regression label standardized); the metric is in the units the trainer evaluated in
     * ({@link MultiTaskTrainer.Builder#metricsInLabelUnits}: the label's own units in the tabular pipeline, as in
     * {@code metrics.json}).
     */
    public String toCsv() {
        StringBuilder csv = new StringBuilder("epoch");
        if (epochs.isEmpty()) {
            return csv.append('\n').toString();
        }
        List<String> tasks = List.copyOf(epochs.get(0).tasks().keySet());
        for (String task : tasks) {
            csv.append(',').append(task).append("_train_loss,").append(task).append("_valid_loss,").append(task).append("_weight");
            String metric = mainMetricOfTask.apply(task);
            if (metric != null) {
                csv.append(',').append(task).append('_').append(metric);
            }
        }
        csv.append('\n');
        for (EpochReport report : epochs) {
            csv.append(report.epoch());
            for (String task : tasks) {
                TaskEpochStats stats = report.task(task);
                csv.append(',').append(number(stats.trainLoss())).append(',').append(number(stats.validLoss()))
                        .append(',').append(number(stats.weight()));
                String metric = mainMetricOfTask.apply(task);
                if (metric != null) {
                    csv.append(',').append(number(stats.metrics().getOrDefault(metric, Double.NaN)));
                }
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%s", value);
    }

    /** Writes {@link #toCsv()} atomically (temporary file, flush to disk, rename). */
    public void writeCsv(Path path) throws IOException {
        AtomicFile.writeString(path, toCsv());
    }
}
