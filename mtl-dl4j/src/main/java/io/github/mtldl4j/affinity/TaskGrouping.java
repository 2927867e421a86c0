package io.github.mtldl4j.affinity;

import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.setting.TrainingSetting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which tasks to train together: the partition of the tasks into B groups (each group its own multi-task model) that
 * maximises the affinity each task receives from its group mates, after the network selection of C. Fifty et al.,
 * "Efficiently Identifying Task Groupings for Multi-Task Learning", NeurIPS 2021.
 *
 * <p><b>Score.</b> A task j in group G receives the mean of the affinities onto it from the other members,
 * {@code (1/(|G|-1)) sum_{i in G, i != j} Z[i][j]} (TAG combines the pairwise affinities onto a task within a group;
 * we take their mean, so a group is not rewarded merely for being large); a partition scores the sum over tasks. A task alone receives 0: the affinities are relative
 * loss changes, and training alone changes nothing by definition. So a task whose group mates would on average raise
 * its loss (negative affinity) scores better alone. Undefined (NaN) affinities count as 0.
 *
 * <p><b>Search.</b> Up to {@link #EXHAUSTIVE_LIMIT} tasks every set partition is scored (Bell(10) = 115,975); beyond
 * that a greedy search: start from singletons, merge the pair of groups whose merge raises the score most until B
 * groups remain, then move single tasks between groups while any move raises the score.
 *
 * <p><b>Suggestion</b> (no B given): the partition with the highest score over all B; among scores within
 * {@link #TIE_TOLERANCE} of it, the one with the fewest groups (fewest models to train and serve).
 */
public final class TaskGrouping {
    /** Largest number of tasks searched exhaustively. */
    public static final int EXHAUSTIVE_LIMIT = 10;
    /** Scores closer than this count as equal when suggesting. */
    public static final double TIE_TOLERANCE = 1e-9;

    private final List<String> tasks;
    private final double[][] affinity;

    /**
     * A grouping of partitions of {@code tasks} scored with {@code affinity}.
     *
     * @param tasks task names, in the order of the matrix
     * @param affinity K x K, {@code affinity[i][j]} the effect of task i on task j (e.g. {@link TaskAffinity#lookahead()})
     */
    public TaskGrouping(List<String> tasks, double[][] affinity) {
        this.tasks = List.copyOf(tasks);
        int k = tasks.size();
        if (k == 0) {
            throw new IllegalArgumentException("Task grouping needs at least one task.");
        }
        if (affinity.length != k) {
            throw new IllegalArgumentException("affinity must be " + k + " x " + k + " (one row per task), received " + affinity.length + " rows.");
        }
        this.affinity = new double[k][k];
        for (int i = 0; i < k; i++) {
            if (affinity[i].length != k) {
                throw new IllegalArgumentException("affinity row " + i + " must have " + k + " entries, received " + affinity[i].length + ".");
            }
            for (int j = 0; j < k; j++) {
                this.affinity[i][j] = Double.isNaN(affinity[i][j]) ? 0.0 : affinity[i][j];
            }
        }
    }

    /**
     * A partition with its score.
     *
     * @param groups task names per group; groups ordered by their first task's position, tasks in task order
     * @param score total affinity received by the tasks from their group mates
     */
    public record Partition(List<List<String>> groups, double score) {
        /** Copies the groups. */
        public Partition {
            groups = groups.stream().map(List::copyOf).toList();
        }

        /** Number of groups. */
        public int count() {
            return groups.size();
        }

        @Override
        public String toString() {
            return groups.stream().map(g -> "{" + String.join(", ", g) + "}").reduce((a, b) -> a + " " + b).orElse("")
                    + String.format(Locale.ROOT, "  score %+.4f", score);
        }
    }

    /** Number of tasks. */
    public int taskCount() {
        return tasks.size();
    }

    /**
     * The score of an assignment of tasks to groups.
     *
     * @param group {@code group[t]} the group label of task t (any integers)
     */
    public double score(int[] group) {
        int k = tasks.size();
        double total = 0;
        for (int j = 0; j < k; j++) {
            double sum = 0;
            int mates = 0;
            for (int i = 0; i < k; i++) {
                if (i != j && group[i] == group[j]) {
                    sum += affinity[i][j];
                    mates++;
                }
            }
            total += mates == 0 ? 0.0 : sum / mates;
        }
        return total;
    }

    /**
     * The best partition into exactly {@code count} groups.
     *
     * @throws IllegalArgumentException unless {@code 1 <= count <= } the number of tasks
     */
    public Partition best(int count) {
        int k = tasks.size();
        if (count < 1 || count > k) {
            throw new InvalidSettingException(TrainingSetting.GROUPS, SettingMessage.of(TrainingSetting.GROUPS,
                    " must be between 1 and the number of tasks (" + k + "), received " + count + "."));
        }
        return k <= EXHAUSTIVE_LIMIT ? exhaustive().get(count - 1) : greedy(count);
    }

    /** The best partition for every number of groups from 1 to the number of tasks. */
    public List<Partition> bestForEveryCount() {
        int k = tasks.size();
        if (k <= EXHAUSTIVE_LIMIT) {
            return exhaustive();
        }
        List<Partition> out = new ArrayList<>();
        for (int b = 1; b <= k; b++) {
            out.add(greedy(b));
        }
        return out;
    }

    /** The suggested partition: highest score over every B, fewest groups among ties (see the class comment). */
    public Partition suggested() {
        List<Partition> all = bestForEveryCount();
        double top = all.stream().mapToDouble(Partition::score).max().orElseThrow();
        return all.stream().filter(p -> p.score() >= top - TIE_TOLERANCE).findFirst().orElseThrow();
    }

    /** Every set partition as a restricted growth string; the best per block count (first found wins ties). */
    private List<Partition> exhaustive() {
        int k = tasks.size();
        double[] bestScore = new double[k + 1];
        int[][] bestAssignment = new int[k + 1][];
        Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
        int[] a = new int[k];
        int[] max = new int[k];
        while (true) {
            int blocks = max[k - 1] + 1;
            double s = score(a);
            if (s > bestScore[blocks] + TIE_TOLERANCE) {
                bestScore[blocks] = s;
                bestAssignment[blocks] = a.clone();
            }
            // next restricted growth string: a[0] = 0, a[i] <= 1 + max(a[0..i-1])
            int i = k - 1;
            while (i > 0 && a[i] == (i == 0 ? 0 : max[i - 1] + 1)) {
                i--;
            }
            if (i == 0) {
                break;
            }
            a[i]++;
            max[i] = Math.max(max[i - 1], a[i]);
            for (int j = i + 1; j < k; j++) {
                a[j] = 0;
                max[j] = max[j - 1];
            }
        }
        List<Partition> out = new ArrayList<>();
        for (int b = 1; b <= k; b++) {
            out.add(partition(bestAssignment[b]));
        }
        return out;
    }

    private Partition greedy(int count) {
        int k = tasks.size();
        int[] group = new int[k];
        for (int t = 0; t < k; t++) {
            group[t] = t;
        }
        int groups = k;
        while (groups > count) {
            double bestScore = Double.NEGATIVE_INFINITY;
            int bestA = -1;
            int bestB = -1;
            int[] labels = Arrays.stream(group).distinct().sorted().toArray();
            for (int x = 0; x < labels.length; x++) {
                for (int y = x + 1; y < labels.length; y++) {
                    int[] merged = relabel(group, labels[y], labels[x]);
                    double s = score(merged);
                    if (s > bestScore + TIE_TOLERANCE) {
                        bestScore = s;
                        bestA = labels[x];
                        bestB = labels[y];
                    }
                }
            }
            group = relabel(group, bestB, bestA);
            groups--;
        }
        boolean improved = true;
        while (improved) {
            improved = false;
            double current = score(group);
            int[] labels = Arrays.stream(group).distinct().toArray();
            for (int t = 0; t < k && !improved; t++) {
                int own = group[t];
                int ownSize = (int) Arrays.stream(group).filter(g -> g == own).count();
                if (ownSize == 1) {
                    continue;
                }
                for (int label : labels) {
                    if (label == own) {
                        continue;
                    }
                    group[t] = label;
                    if (score(group) > current + TIE_TOLERANCE) {
                        improved = true;
                        break;
                    }
                    group[t] = own;
                }
            }
        }
        return partition(group);
    }

    private static int[] relabel(int[] group, int from, int to) {
        int[] out = group.clone();
        for (int t = 0; t < out.length; t++) {
            if (out[t] == from) {
                out[t] = to;
            }
        }
        return out;
    }

    private Partition partition(int[] group) {
        List<Integer> order = new ArrayList<>();
        List<List<String>> groups = new ArrayList<>();
        for (int t = 0; t < group.length; t++) {
            int index = order.indexOf(group[t]);
            if (index < 0) {
                order.add(group[t]);
                groups.add(new ArrayList<>());
                index = groups.size() - 1;
            }
            groups.get(index).add(tasks.get(t));
        }
        return new Partition(groups, score(group));
    }
}
