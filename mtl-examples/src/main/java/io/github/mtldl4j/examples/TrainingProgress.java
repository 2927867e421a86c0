package io.github.mtldl4j.examples;

import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.pipeline.TabularTraining;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What training shows: on a terminal a progress bar per epoch (batches, elapsed time, ETA, running per-task losses,
 * drawn by the progressbar library on stderr), and after every epoch one summary line on stdout, which is all a
 * log or pipe gets.
 */
final class TrainingProgress implements TabularTraining.ProgressListener, EpochListener {
    private final PrintWriter out;
    private final int epochs;
    private long batchesPerEpoch;
    private final boolean terminal;
    private ProgressBar bar;
    private int barEpoch;

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
        StringBuilder message = new StringBuilder();
        losses.forEach((task, loss) -> message.append(String.format(Locale.ROOT, " %s %.4f", task, loss)));
        bar.setExtraMessage(message.toString());
    }

    @Override
    public void epochDone(EpochReport report) {
        close();
        out.println(TrainCommand.epochLine(report, epochs));
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
