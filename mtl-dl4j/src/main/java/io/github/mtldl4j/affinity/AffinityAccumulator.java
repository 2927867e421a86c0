package io.github.mtldl4j.affinity;

import java.util.List;

/**
 * Running means of the two affinity matrices over measured steps (or over epochs, weighting each by its number of
 * measurements). NaN entries are skipped cell by cell.
 */
public final class AffinityAccumulator {
    private final List<String> tasks;
    private final double[][] cosineSum;
    private final double[][] cosineWeight;
    private final double[][] lookaheadSum;
    private final double[][] lookaheadWeight;
    private long measurements;
    private double overheadSeconds;

    /** An empty accumulator for {@code tasks}. */
    public AffinityAccumulator(List<String> tasks) {
        this.tasks = List.copyOf(tasks);
        int k = tasks.size();
        cosineSum = new double[k][k];
        cosineWeight = new double[k][k];
        lookaheadSum = new double[k][k];
        lookaheadWeight = new double[k][k];
    }

    /** Adds one measured step. */
    public void add(double[][] gradientCosine, double[][] lookahead, double seconds) {
        add(gradientCosine, lookahead, 1, seconds);
    }

    /** Adds an epoch's (or any period's) means, weighted by its number of measurements. */
    public void add(TaskAffinity period) {
        if (!period.tasks().equals(tasks)) {
            throw new IllegalArgumentException("Affinity over tasks " + period.tasks() + " cannot be averaged with tasks " + tasks + ".");
        }
        if (period.measurements() > 0) {
            add(period.gradientCosine(), period.lookahead(), period.measurements(), period.overheadSeconds());
        } else {
            overheadSeconds += period.overheadSeconds();
        }
    }

    private void add(double[][] cosine, double[][] lookahead, long weight, double seconds) {
        int k = tasks.size();
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (Double.isFinite(cosine[i][j])) {
                    cosineSum[i][j] += weight * cosine[i][j];
                    cosineWeight[i][j] += weight;
                }
                if (Double.isFinite(lookahead[i][j])) {
                    lookaheadSum[i][j] += weight * lookahead[i][j];
                    lookaheadWeight[i][j] += weight;
                }
            }
        }
        measurements += weight;
        overheadSeconds += seconds;
    }

    /** Steps measured so far. */
    public long measurements() {
        return measurements;
    }

    /** The means so far (NaN in cells never defined). */
    public TaskAffinity mean() {
        int k = tasks.size();
        double[][] cosine = new double[k][k];
        double[][] lookahead = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                cosine[i][j] = cosineWeight[i][j] > 0 ? cosineSum[i][j] / cosineWeight[i][j] : Double.NaN;
                lookahead[i][j] = lookaheadWeight[i][j] > 0 ? lookaheadSum[i][j] / lookaheadWeight[i][j] : Double.NaN;
            }
        }
        return new TaskAffinity(tasks, cosine, lookahead, measurements, overheadSeconds);
    }
}
