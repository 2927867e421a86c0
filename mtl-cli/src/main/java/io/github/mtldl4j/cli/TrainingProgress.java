package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.TaskEpochStats;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What training shows: on a terminal a progress bar per epoch (batches, elapsed time, ETA, running per-task training
 * losses, drawn by the progressbar library on stderr), and after every epoch one summary line on stdout, which is all
 * a log or pipe gets:
 * <pre>
 * (* = best epoch so far: lowest validation loss, each task's relative to its epoch 1, averaged over tasks)
 * epoch 1/30  train loss: species 1.0574 sex 0.6931 | valid loss: species 0.7717 sex 0.6802  (0.5 s) *
 * </pre>
 */
final class TrainingProgress implements TabularTraining.ProgressListener, EpochListener {
    /** The line printed once, before the first epoch line, saying what the star means. */
    static final String LEGEND = "(* = best epoch so far: lowest validation loss, each task's relative to its epoch 1, averaged over tasks)";

    private final PrintWriter out;
    private final int epochs;
    private long batchesPerEpoch;
    private final boolean terminal;
    private ProgressBar bar;
    private int barEpoch;
    private boolean legendShown;

    TrainingProgress(PrintWriter out, int epochs) {
        this.out = out;
        this.epochs = epochs;
        this.terminal = System.console() != null;
    }

    @Override
    public void batchesPerEpoch(long batches) {
        this.batchesPerEpoch = batches;
    }

    @Override
    public void stepDone(int epoch, Map<String, Double> losses) {
        if (!terminal) {
            return;
        }
        if (bar == null || barEpoch != epoch) {
            close();
            bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                    .setInitialMax(batchesPerEpoch).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            barEpoch = epoch;
        }
        bar.step();
        StringBuilder message = new StringBuilder(" train loss:");
        losses.forEach((task, loss) -> message.append(String.format(Locale.ROOT, " %s %.4f", task, loss)));
        bar.setExtraMessage(message.toString());
    }

    @Override
    public void epochDone(EpochReport report) {
        close();
        if (!legendShown) {
            out.println(LEGEND);
            legendShown = true;
        }
        out.println(line(report, epochs));
    }

    /**
     * E.g. {@code epoch 3/30  train loss: species 0.4100 sex 0.5200 | valid loss: species 0.4500 sex 0.5500  (1.2 s) *};
     * the validation part is left out when there is no validation data, the star marks the best epoch so far.
     */
    static String line(EpochReport report, int epochs) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train loss:", report.epoch(), epochs));
        losses(line, report, TaskEpochStats::trainLoss);
        if (report.tasks().values().stream().anyMatch(stats -> !Double.isNaN(stats.validLoss()))) {
            line.append(" | valid loss:");
            losses(line, report, TaskEpochStats::validLoss);
        }
        return line.append(String.format(Locale.ROOT, "  (%.1f s)%s", report.seconds(), report.best() ? " *" : "")).toString();
    }

    private static void losses(StringBuilder line, EpochReport report, ToDoubleFunction<TaskEpochStats> loss) {
        report.tasks().forEach((task, stats) -> line.append(String.format(Locale.ROOT, " %s %.4f", task, loss.applyAsDouble(stats))));
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
