package io.github.mtldl4j.affinity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Grouping against an independent brute force over every labelling, and the pure formulas against hand values. */
class TaskGroupingTest {
    private static final double TOLERANCE = 1e-12;

    /** Brute force written apart from TaskGrouping: every map task -> label in [0, K), scored from the definition. */
    private static double[] bruteForceBestPerCount(double[][] z) {
        int k = z.length;
        double[] best = new double[k + 1];
        java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
        int[] label = new int[k];
        long total = (long) Math.pow(k, k);
        for (long code = 0; code < total; code++) {
            long c = code;
            Set<Integer> used = new HashSet<>();
            for (int t = 0; t < k; t++) {
                label[t] = (int) (c % k);
                c /= k;
                used.add(label[t]);
            }
            double score = 0;
            for (int j = 0; j < k; j++) {
                List<Double> inbound = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    if (i != j && label[i] == label[j]) {
                        inbound.add(z[i][j]);
                    }
                }
                score += inbound.isEmpty() ? 0 : inbound.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            }
            best[used.size()] = Math.max(best[used.size()], score);
        }
        return best;
    }

    private static List<String> names(int k) {
        List<String> names = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            names.add("t" + t);
        }
        return names;
    }

    @Test
    void exhaustiveSearchMatchesBruteForceOnRandomMatrices() {
        Random random = new Random(1);
        for (int trial = 0; trial < 30; trial++) {
            int k = 1 + trial % 6;
            double[][] z = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    z[i][j] = random.nextGaussian();
                }
            }
            double[] expected = bruteForceBestPerCount(z);
            TaskGrouping grouping = new TaskGrouping(names(k), z);
            List<TaskGrouping.Partition> best = grouping.bestForEveryCount();
            assertEquals(k, best.size());
            double top = Double.NEGATIVE_INFINITY;
            for (int b = 1; b <= k; b++) {
                assertEquals(expected[b], best.get(b - 1).score(), TOLERANCE, "k=" + k + " B=" + b);
                assertEquals(b, best.get(b - 1).count());
                assertEquals(expected[b], grouping.best(b).score(), TOLERANCE);
                top = Math.max(top, expected[b]);
            }
            assertEquals(top, grouping.suggested().score(), TOLERANCE);
        }
    }

    @Test
    void greedySearchIsValidAndNearTheOptimumBeyondTheExhaustiveLimit() {
        int k = TaskGrouping.EXHAUSTIVE_LIMIT + 2;
        double[][] z = new double[k][k];
        // three planted clusters of 4: +1 inside, -1 across
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                z[i][j] = i / 4 == j / 4 ? 1.0 : -1.0;
            }
        }
        TaskGrouping.Partition three = new TaskGrouping(names(k), z).best(3);
        assertEquals(List.of(List.of("t0", "t1", "t2", "t3"), List.of("t4", "t5", "t6", "t7"), List.of("t8", "t9", "t10", "t11")),
                three.groups());
        assertEquals(k, three.score(), TOLERANCE, "every task receives mean affinity 1");
    }

    @Test
    void singletonScoresZeroAndNegativeAffinityIsSeparated() {
        double[][] z = {{0.5, 0.2, -0.3}, {0.4, 0.5, -0.2}, {-0.1, -0.4, 0.5}};
        TaskGrouping grouping = new TaskGrouping(List.of("a", "b", "noise"), z);
        // by hand: {a,b}{noise}: a receives 0.4, b receives 0.2, noise 0 -> 0.6
        assertEquals(0.6, grouping.score(new int[] {0, 0, 1}), TOLERANCE);
        // {a,b,noise}: a (0.4 - 0.1)/2, b (0.2 - 0.4)/2, noise (-0.3 - 0.2)/2 -> -0.2
        assertEquals(-0.2, grouping.score(new int[] {0, 0, 0}), TOLERANCE);
        assertEquals(List.of(List.of("a", "b"), List.of("noise")), grouping.suggested().groups());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> grouping.best(4)).getMessage().contains("between 1 and"));
    }

    @Test
    void cosineFromGramMatchesHandValues() {
        // g1 = (1, 0), g2 = (1, 1), g3 = (-2, 0): Gram by hand
        double[][] gram = {{1, 1, -2}, {1, 2, -2}, {-2, -2, 4}};
        double[][] cosine = GradientAffinity.cosine(gram);
        assertEquals(1 / Math.sqrt(2), cosine[0][1], TOLERANCE);
        assertEquals(-1.0, cosine[0][2], TOLERANCE);
        assertEquals(-1 / Math.sqrt(2), cosine[2][1], TOLERANCE);
        assertEquals(1.0, cosine[1][1], TOLERANCE);
        assertTrue(Double.isNaN(GradientAffinity.cosine(new double[][] {{0, 0}, {0, 1}})[0][1]));
    }

    @Test
    void lookaheadFromLossesMatchesDefinition() {
        double[][] z = LookaheadAffinity.fromLosses(new double[] {2.0, 4.0}, new double[][] {{1.5, 5.0}, {2.0, 3.0}});
        assertEquals(0.25, z[0][0], TOLERANCE);
        assertEquals(-0.25, z[0][1], TOLERANCE);
        assertEquals(0.0, z[1][0], TOLERANCE);
        assertEquals(0.25, z[1][1], TOLERANCE);
    }

    @Test
    void accumulatorSkipsUndefinedCells() {
        AffinityAccumulator accumulator = new AffinityAccumulator(List.of("a", "b"));
        accumulator.add(new double[][] {{1, 0.5}, {0.5, 1}}, new double[][] {{0.1, Double.NaN}, {0.3, 0.2}}, 0.5);
        accumulator.add(new double[][] {{1, -0.5}, {-0.5, 1}}, new double[][] {{0.3, 0.4}, {0.1, 0.0}}, 0.25);
        TaskAffinity mean = accumulator.mean();
        assertEquals(0.0, mean.gradientCosine("a", "b"), TOLERANCE);
        assertEquals(0.4, mean.lookahead("a", "b"), TOLERANCE);
        assertEquals(0.2, mean.lookahead("b", "a"), TOLERANCE);
        assertEquals(2, mean.measurements());
        assertEquals(0.75, mean.overheadSeconds(), TOLERANCE);
    }
}
