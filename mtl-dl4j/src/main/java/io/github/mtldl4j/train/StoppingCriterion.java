package io.github.mtldl4j.train;

import io.github.mtldl4j.eval.TaskEvaluator;
import java.util.List;

/** The number early stopping watches after each epoch, and whether lower is better. */
public interface StoppingCriterion {

    /**
     * The criterion after the latest epoch.
     *
     * @param history every epoch so far, the latest last, with its criterion not yet filled in (NaN)
     */
    double value(List<EpochReport> history);

    /** True when a lower value is better. */
    boolean minimize();

    /** A short description for reports. */
    String describe();

    /**
     * The default: the mean over tasks of each task's validation loss divided by its first-epoch validation loss
     * (training loss when there is no validation data), so tasks with large losses do not dominate.
     */
    static StoppingCriterion meanRelativeLoss() {
        return new StoppingCriterion() {
            @Override
            public double value(List<EpochReport> history) {
                EpochReport first = history.get(0);
                EpochReport last = history.get(history.size() - 1);
                double sum = 0;
                int n = 0;
                for (String task : last.tasks().keySet()) {
                    double now = lossOf(last.task(task));
                    double start = lossOf(first.task(task));
                    if (Double.isFinite(now) && start > 0 && Double.isFinite(start)) {
                        sum += now / start;
                        n++;
                    }
                }
                return n == 0 ? Double.NaN : sum / n;
            }

            private double lossOf(TaskEpochStats stats) {
                return Double.isNaN(stats.validLoss()) ? stats.trainLoss() : stats.validLoss();
            }

            @Override
            public boolean minimize() {
                return true;
            }

            @Override
            public String describe() {
                return "mean relative loss";
            }
        };
    }

    /**
     * One task's metric (validation data where there is some), e.g. {@code metric("species", "accuracy")}; whether
     * lower is better follows the metric ({@link TaskEvaluator#lowerIsBetter(String)}).
     */
    static StoppingCriterion metric(String task, String metric) {
        boolean lowerIsBetter = TaskEvaluator.lowerIsBetter(metric);
        return new StoppingCriterion() {
            @Override
            public double value(List<EpochReport> history) {
                EpochReport last = history.get(history.size() - 1);
                Double value = last.task(task).metrics().get(metric);
                if (value == null) {
                    throw new IllegalArgumentException("Stopping criterion: task '" + task + "' has no metric '" + metric
                            + "'; its metrics are " + last.task(task).metrics().keySet() + ".");
                }
                return value;
            }

            @Override
            public boolean minimize() {
                return lowerIsBetter;
            }

            @Override
            public String describe() {
                return task + " " + metric;
            }
        };
    }
}
