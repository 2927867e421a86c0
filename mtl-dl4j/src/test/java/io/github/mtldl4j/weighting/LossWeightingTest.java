package io.github.mtldl4j.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;

/** Each weighting against values worked out by hand from its paper's formula. */
class LossWeightingTest {
    private static final List<String> TASKS = List.of("a", "b", "c");

    private static WeightingContext context(double learningRate) {
        return new WeightingContext(TASKS, Map.of("a", 1.0, "b", 1.0, "c", 1.0), new Sgd(learningRate), new Random(1));
    }

    private static Map<String, Double> losses(double a, double b, double c) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("a", a);
        m.put("b", b);
        m.put("c", c);
        return m;
    }

    @Test
    void dwaWeightsForEpochsOneToThree() {
        DynamicWeightAverage dwa = new DynamicWeightAverage();
        dwa.start(context(0.1));
        assertEquals(losses(1, 1, 1), dwa.nextStepWeights(), "epoch 1: equal weights");
        dwa.afterEpoch(1, losses(2.0, 1.0, 0.5));
        assertEquals(losses(1, 1, 1), dwa.nextStepWeights(), "epoch 2: equal weights");
        dwa.afterEpoch(2, losses(1.0, 0.9, 0.5));
        // Epoch 3: r = (0.5, 0.9, 1.0); exp(r/2) = (1.284025, 1.568312, 1.648721), sum 4.501058;
        // 3 * exp / sum = (0.855816, 1.045295, 1.098889).
        Map<String, Double> w = dwa.nextStepWeights();
        assertEquals(0.855816, w.get("a"), 1e-6);
        assertEquals(1.045295, w.get("b"), 1e-6);
        assertEquals(1.098889, w.get("c"), 1e-6);
        assertEquals(3.0, w.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
    }

    @Test
    void uncertaintyFollowsItsAnalyticGradient() {
        UncertaintyWeighting uw = new UncertaintyWeighting();
        uw.start(context(0.1));
        assertEquals(losses(0.5, 0.5, 0.5), uw.nextStepWeights(), "s = 0: w = 0.5 exp(0)");
        uw.afterStep(new StepObservation(losses(3.0, 1.0, 0.2), uw.nextStepWeights(), null));
        // d/ds (0.5 e^-s L + 0.5 s) at s = 0 is 0.5 - 0.5 L: (-1.0, 0, 0.4); SGD 0.1: s = (0.1, 0, -0.04).
        Map<String, Double> s = uw.logVariances();
        assertEquals(0.1, s.get("a"), 1e-12);
        assertEquals(0.0, s.get("b"), 1e-12);
        assertEquals(-0.04, s.get("c"), 1e-12);
        assertEquals(0.5 * Math.exp(-0.1), uw.nextStepWeights().get("a"), 1e-12);
        // Second step from s = 0.1 with L = 3: gradient 0.5 - 0.5 e^-0.1 * 3.
        uw.afterStep(new StepObservation(losses(3.0, 1.0, 0.2), uw.nextStepWeights(), null));
        assertEquals(0.1 - 0.1 * (0.5 - 1.5 * Math.exp(-0.1)), uw.logVariances().get("a"), 1e-12);
        // A task missing from a step's losses (no labels) keeps its s.
        Map<String, Double> partial = new LinkedHashMap<>(losses(3.0, 1.0, 0.2));
        partial.remove("c");
        double before = uw.logVariances().get("c");
        uw.afterStep(new StepObservation(partial, uw.nextStepWeights(), null));
        assertEquals(before, uw.logVariances().get("c"), 1e-15);
    }

    @Test
    void gradNormOneStepFromGivenNorms() {
        GradNorm gradNorm = new GradNorm(1.5);
        gradNorm.start(context(0.1));
        // First step: L(0) = L, so every relative rate is 1 and the target is the mean norm (1 + 2 + 6) / 3 = 3.
        // G - target = (-2, -1, 3): gradient sign * n = (-1, -2, 6); SGD 0.1 from w = 1: (1.1, 1.2, 0.4), sum 2.7;
        // renormalized to sum 3: (1.222222, 1.333333, 0.444444).
        gradNorm.afterStep(new StepObservation(losses(1.0, 2.0, 4.0), gradNorm.nextStepWeights(), losses(1.0, 2.0, 6.0)));
        Map<String, Double> w = gradNorm.nextStepWeights();
        assertEquals(1.1 * 3 / 2.7, w.get("a"), 1e-12);
        assertEquals(1.2 * 3 / 2.7, w.get("b"), 1e-12);
        assertEquals(0.4 * 3 / 2.7, w.get("c"), 1e-12);
    }

    @Test
    void gradNormTargetsFollowRelativeInverseTrainingRates() {
        // Second step by hand: w = (1, 1, 1), norms n = (1, 1, 1), L(0) = (1, 1, 1), L = (1, 0.5, 0.25):
        // rates (1, .5, .25), mean 0.583333; r = (1.714286, 0.857143, 0.428571); G = (1, 1, 1), mean 1;
        // targets r^1.5 = (2.244, 0.794, 0.281): signs (-, +, +): gradient (-1, 1, 1).
        double[] gradient = GradNorm.gradient(new double[] {1, 1, 1}, new double[] {1, 1, 1},
                new double[] {1, 0.5, 0.25}, new double[] {1, 1, 1}, 1.5);
        assertEquals(List.of(-1.0, 1.0, 1.0), List.of(gradient[0], gradient[1], gradient[2]));
        double[] renormalized = GradNorm.renormalized(new double[] {-1, 1, 2});
        assertEquals(3.0, renormalized[0] + renormalized[1] + renormalized[2], 1e-12);
        assertTrue(renormalized[0] > 0);
    }

    @Test
    void randomWeightsAreASoftmaxOfNormalDrawsFromTheSeed() {
        RandomLossWeighting rlw = new RandomLossWeighting();
        rlw.start(context(0.1));
        Map<String, Double> first = rlw.nextStepWeights();
        Map<String, Double> second = rlw.nextStepWeights();
        assertNotEquals(first, second);
        Random same = new Random(1);
        double[] z = {same.nextGaussian(), same.nextGaussian(), same.nextGaussian()};
        double sum = Math.exp(z[0]) + Math.exp(z[1]) + Math.exp(z[2]);
        assertEquals(Math.exp(z[0]) / sum, first.get("a"), 1e-12);
        assertEquals(Math.exp(z[2]) / sum, first.get("c"), 1e-12);
        assertEquals(1.0, second.values().stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
    }

    @Test
    void fixedWeightsByNameAndRefusals() {
        FixedWeighting fixed = new FixedWeighting(Map.of("b", 2.5));
        fixed.start(context(0.1));
        assertEquals(losses(1, 2.5, 1), fixed.nextStepWeights());
        FixedWeighting unknown = new FixedWeighting(Map.of("z", 1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> unknown.start(context(0.1)));
        assertTrue(e.getMessage().contains("'z'") && e.getMessage().contains("[a, b, c]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FixedWeighting(Map.of("a", -1.0)));
        assertThrows(IllegalArgumentException.class, () -> new DynamicWeightAverage(0));
        assertThrows(IllegalArgumentException.class, () -> new GradNorm(-1));
    }

    /** A fresh instance restored from a checkpointed state continues exactly as the original does. */
    @Test
    void restoredStateContinuesLikeTheOriginal() {
        for (java.util.function.Supplier<LossWeighting> make : List.<java.util.function.Supplier<LossWeighting>>of(
                DynamicWeightAverage::new, UncertaintyWeighting::new)) {
            LossWeighting original = make.get();
            original.start(context(0.1));
            original.nextStepWeights();
            original.afterStep(new StepObservation(losses(1.0, 2.0, 0.5), original.nextStepWeights(), null));
            original.afterEpoch(1, losses(1.0, 2.0, 0.5));
            original.afterEpoch(2, losses(0.8, 2.2, 0.25));
            LossWeighting restored = make.get();
            restored.start(context(0.1));
            restored.restoreState(original.state());
            for (LossWeighting w : List.of(original, restored)) {
                w.afterStep(new StepObservation(losses(0.7, 2.1, 0.2), w.nextStepWeights(), null));
                w.afterEpoch(3, losses(0.6, 2.3, 0.2));
            }
            assertEquals(original.nextStepWeights(), restored.nextStepWeights(), original.name());
            assertEquals(original.state().keySet(), restored.state().keySet());
            original.state().forEach((k, v) -> org.junit.jupiter.api.Assertions.assertArrayEquals(v, restored.state().get(k), 0.0, k));
        }
        LossWeighting uncertainty = new UncertaintyWeighting();
        uncertainty.start(context(0.1));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> uncertainty.restoreState(Map.of("log_variance_values", new double[2])));
        assertTrue(wrong.getMessage().contains("'log_variance_values' with 3 values"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FixedWeighting().restoreState(Map.of("x", new double[1])));
    }
}
