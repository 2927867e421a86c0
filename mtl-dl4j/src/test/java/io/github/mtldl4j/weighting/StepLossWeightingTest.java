package io.github.mtldl4j.weighting;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * FAMO, GLS, IMTL-L and STCH against values worked out by hand from their papers' formulas, and each on a property
 * its paper states: FAMO's equal rates of log-loss decrease, GLS as the gradient of the geometric mean, IMTL-L's
 * scaled losses at 1, STCH's smooth maximum within μ log K of the hard one.
 */
class StepLossWeightingTest {
    private static final List<String> TWO = List.of("a", "b");
    private static final List<String> THREE = List.of("a", "b", "c");

    private static WeightingContext context(List<String> tasks, double learningRate) {
        Map<String, Double> ones = new LinkedHashMap<>();
        tasks.forEach(t -> ones.put(t, 1.0));
        return new WeightingContext(tasks, ones, new Sgd(learningRate), new Random(1));
    }

    private static Map<String, Double> map(List<String> tasks, double... values) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put(tasks.get(i), values[i]);
        }
        return m;
    }

    @Test
    void famoWeightsAndOneLogitUpdateByHand() {
        Famo famo = new Famo();
        famo.start(context(TWO, 0.1));
        assertTrue(famo.weighsByStepLosses() && famo.needsLossesAfterStep());
        // ξ = 0: z = (1/2, 1/2); losses (1, 4): w ∝ z / L = (0.5, 0.125), normalized (0.8, 0.2).
        Map<String, Double> w = famo.stepWeights(map(TWO, 1.0, 4.0));
        assertEquals(0.8, w.get("a"), 1e-8);
        assertEquals(0.2, w.get("b"), 1e-8);
        // After the step the losses are (0.5, 3.6): δ = (ln 2, ln(4/3.6)) = (0.693147, 0.105361); z^T δ = 0.399254;
        // ∇ξ z^T δ = z (δ − z^T δ) = (0.146947, −0.146947). Adam's first step moves each logit by its learning rate
        // 0.025 against the gradient's sign: ξ = (−0.025, 0.025): weight goes to b, whose log loss fell least.
        famo.afterStep(new StepObservation(map(TWO, 1.0, 4.0), w, null, map(TWO, 0.5, 3.6)));
        assertEquals(-0.025, famo.logits().get("a"), 1e-6);
        assertEquals(0.025, famo.logits().get("b"), 1e-6);
        // Next step at losses (0.5, 3.6): z = (1/(1 + e^0.05), ...) = (0.487503, 0.512497); z / L = (0.975005, 0.142360),
        // normalized (0.872593, 0.127407).
        Map<String, Double> next = famo.stepWeights(map(TWO, 0.5, 3.6));
        assertEquals(0.8725928, next.get("a"), 1e-6);
        assertEquals(0.1274072, next.get("b"), 1e-6);
        assertThrows(IllegalStateException.class, () -> famo.afterStep(new StepObservation(map(TWO, 1.0, 4.0), w, null)));
    }

    /**
     * FAMO's aim (its Section 3): every task's log loss falls at the same rate. Toy: L_t = a_t θ_t², a = (1, 10), plain
     * gradient steps θ_t ← θ_t − η w_t ∂L_t/∂θ_t, so a step shrinks L_t by (1 − 2 η a_t w_t)²: the rates are equal
     * exactly when a_t w_t is, i.e. w = (10/11, 1/11). Equal weights give rates 10 times apart. γ = 0: the decay
     * regularizer pulls the logits to 0 and so away from exactly equal rates.
     */
    @Test
    void famoEqualizesTheRatesOfLogLossDecrease() {
        Famo famo = new Famo(Famo.DEFAULT_LEARNING_RATE, 0.0);
        famo.start(context(TWO, 0.1));
        double[] a = {1, 10};
        double[] theta = {1, 1 / Math.sqrt(10)};
        double eta = 0.0005;
        double[] rates = new double[2];
        Map<String, Double> w = null;
        for (int step = 0; step < 1000; step++) {
            Map<String, Double> before = map(TWO, a[0] * theta[0] * theta[0], a[1] * theta[1] * theta[1]);
            w = famo.stepWeights(before);
            theta[0] -= eta * w.get("a") * 2 * a[0] * theta[0];
            theta[1] -= eta * w.get("b") * 2 * a[1] * theta[1];
            Map<String, Double> after = map(TWO, a[0] * theta[0] * theta[0], a[1] * theta[1] * theta[1]);
            famo.afterStep(new StepObservation(before, w, null, after));
            rates[0] = Math.log(before.get("a") / after.get("a"));
            rates[1] = Math.log(before.get("b") / after.get("b"));
        }
        assertEquals(1.0, rates[0] / rates[1], 1e-3, "equal rates of log-loss decrease");
        assertEquals(10.0 / 11, w.get("a"), 1e-3);
        assertEquals(1.0 / 11, w.get("b"), 1e-3);
        double equalWeightRatio = Math.log(1 - 2 * eta * 0.5 * a[0]) / Math.log(1 - 2 * eta * 0.5 * a[1]);
        assertTrue(equalWeightRatio < 0.11, "equal weights: rates about 10 times apart, " + equalWeightRatio);
    }

    @Test
    void glsWeightsAreTheGradientOfTheGeometricMean() {
        GeometricLossStrategy gls = new GeometricLossStrategy();
        gls.start(context(THREE, 0.1));
        // L = (1, 4, 2): GLS = 8^(1/3) = 2; w = GLS / (3 L) = (2/3, 1/6, 1/3); Σ w L = 3 * GLS / 3 = GLS.
        Map<String, Double> w = gls.stepWeights(map(THREE, 1.0, 4.0, 2.0));
        assertEquals(2.0 / 3, w.get("a"), 1e-12);
        assertEquals(1.0 / 6, w.get("b"), 1e-12);
        assertEquals(1.0 / 3, w.get("c"), 1e-12);
        assertEquals(2.0, w.get("a") * 1 + w.get("b") * 4 + w.get("c") * 2, 1e-12);
        // Against a central difference of the geometric mean itself, at other losses.
        double[] l = {0.3, 1.7, 0.9};
        Map<String, Double> at = gls.stepWeights(map(THREE, l));
        for (int i = 0; i < 3; i++) {
            double h = 1e-6;
            double[] up = l.clone();
            double[] down = l.clone();
            up[i] += h;
            down[i] -= h;
            double derivative = (Math.cbrt(up[0] * up[1] * up[2]) - Math.cbrt(down[0] * down[1] * down[2])) / (2 * h);
            assertEquals(derivative, at.get(THREE.get(i)), 1e-8, "dGLS/dL of " + THREE.get(i));
        }
        // c without labels in the batch: the mean of a and b, c weighs 0. L = (1, 4): GLS = 2, w = (1, 1/4, 0).
        Map<String, Double> partial = gls.stepWeights(map(TWO, 1.0, 4.0));
        assertEquals(1.0, partial.get("a"), 1e-12);
        assertEquals(0.25, partial.get("b"), 1e-12);
        assertEquals(0.0, partial.get("c"));
    }

    @Test
    void imtlLStepByHandAndScaledLossesGoToOne() {
        ImtlL imtl = new ImtlL();
        imtl.start(context(THREE, 0.1));
        assertEquals(map(THREE, 1, 1, 1), imtl.nextStepWeights(), "s = 0: w = e^0");
        // d/ds (e^s L − s) at s = 0 is L − 1 = (2, 0, −0.8); SGD 0.1: s = (−0.2, 0, 0.08).
        imtl.afterStep(new StepObservation(map(THREE, 3.0, 1.0, 0.2), imtl.nextStepWeights(), null));
        assertEquals(-0.2, imtl.scales().get("a"), 1e-12);
        assertEquals(0.0, imtl.scales().get("b"), 1e-12);
        assertEquals(0.08, imtl.scales().get("c"), 1e-12);
        assertEquals(Math.exp(-0.2), imtl.nextStepWeights().get("a"), 1e-12);
        // The paper's point: at the optimum of s every scaled loss e^s L is 1, whatever the loss scales: w = 1 / L.
        for (int step = 0; step < 400; step++) {
            imtl.afterStep(new StepObservation(map(THREE, 3.0, 1.0, 0.2), imtl.nextStepWeights(), null));
        }
        Map<String, Double> w = imtl.nextStepWeights();
        assertEquals(1.0 / 3, w.get("a"), 1e-9);
        assertEquals(1.0, w.get("b"), 1e-9);
        assertEquals(5.0, w.get("c"), 1e-9);
    }

    @Test
    void stchSmoothMaxApproachesTheHardMax() {
        double[] x = {0.3, 0.1, -0.2};
        // μ = 1: log(e^0.3 + e^0.1 + e^−0.2) = log 3.273761 = 1.185939.
        assertEquals(1.1859393, SmoothTchebycheff.smoothMax(x, 1.0), 1e-7);
        // The paper's bound: max ≤ g_μ ≤ max + μ log K, so g_μ → max as μ → 0.
        for (double mu : new double[] {1.0, 0.1, 0.01, 0.001}) {
            double g = SmoothTchebycheff.smoothMax(x, mu);
            assertTrue(g >= 0.3 && g <= 0.3 + mu * Math.log(3) + 1e-15, mu + ": " + g);
        }
        assertEquals(0.3, SmoothTchebycheff.smoothMax(x, 0.001), 1e-15 + 0.001 * Math.exp(-0.2 / 0.001) * 2);
        // No overflow where exp(x / μ) alone would.
        assertEquals(1000.0 + 0.01 * Math.log(2), SmoothTchebycheff.smoothMax(new double[] {1000, 1000}, 0.01), 1e-9);
    }

    @Test
    void stchWarmUpThenSoftmaxWeightsOfTheNadirScaledLosses() {
        SmoothTchebycheff stch = new SmoothTchebycheff(1.0, 2);
        stch.start(context(TWO, 0.1));
        // Warm-up: the gradient of Σ log L is Σ ∇L / L: w = 1 / L.
        Map<String, Double> warm = stch.stepWeights(map(TWO, 2.0, 4.0));
        assertEquals(0.5, warm.get("a"), 1e-15);
        assertEquals(0.25, warm.get("b"), 1e-15);
        stch.afterStep(new StepObservation(map(TWO, 9.0, 9.0), warm, null));
        stch.afterEpoch(1, map(TWO, 9.0, 9.0));
        // The last warm-up epoch's step losses are averaged into the nadir: ((2 + 4) / 2, (4 + 8) / 2) = (3, 6).
        stch.afterStep(new StepObservation(map(TWO, 2.0, 4.0), warm, null));
        stch.afterStep(new StepObservation(map(TWO, 4.0, 8.0), warm, null));
        assertEquals(Map.of(), stch.nadir());
        stch.afterEpoch(2, map(TWO, 3.0, 6.0));
        assertEquals(map(TWO, 3.0, 6.0), stch.nadir());
        // Losses (3, 12): u = log(L / n) / μ = (0, ln 2); p = softmax(u) = (1/3, 2/3); w = K p / L = (2/9, 1/9).
        Map<String, Double> w = stch.stepWeights(map(TWO, 3.0, 12.0));
        assertEquals(2.0 / 9, w.get("a"), 1e-12);
        assertEquals(1.0 / 9, w.get("b"), 1e-12);
        // Against a central difference of K μ log Σ exp(log(L_t / n_t) / μ) itself, with μ = 0.3.
        SmoothTchebycheff sharp = new SmoothTchebycheff(0.3, 1);
        sharp.start(context(TWO, 0.1));
        sharp.afterStep(new StepObservation(map(TWO, 3.0, 6.0), warm, null));
        sharp.afterEpoch(1, map(TWO, 3.0, 6.0));
        double[] l = {2.5, 7.0};
        Map<String, Double> at = sharp.stepWeights(map(TWO, l));
        for (int i = 0; i < 2; i++) {
            double h = 1e-6;
            double[] up = l.clone();
            double[] down = l.clone();
            up[i] += h;
            down[i] -= h;
            double derivative = (stchLoss(up, 0.3) - stchLoss(down, 0.3)) / (2 * h);
            assertEquals(derivative, at.get(TWO.get(i)), 1e-7, "dSTCH/dL of " + TWO.get(i));
        }
    }

    /** 2 μ log(exp(log(L_a / 3) / μ) + exp(log(L_b / 6) / μ)), written out. */
    private static double stchLoss(double[] l, double mu) {
        return 2 * mu * Math.log(Math.pow(l[0] / 3, 1 / mu) + Math.pow(l[1] / 6, 1 / mu));
    }

    /** A fresh instance restored from a checkpointed state continues exactly as the original does. */
    @Test
    void restoredStateContinuesLikeTheOriginal() {
        for (Supplier<LossWeighting> make : List.<Supplier<LossWeighting>>of(Famo::new, ImtlL::new,
                () -> new SmoothTchebycheff(1.0, 1), () -> new SmoothTchebycheff(1.0, 3))) {
            LossWeighting original = make.get();
            original.start(context(THREE, 0.1));
            step(original, map(THREE, 1.0, 2.0, 0.5), map(THREE, 0.9, 1.9, 0.45));
            original.afterEpoch(1, map(THREE, 1.0, 2.0, 0.5));
            step(original, map(THREE, 0.8, 2.2, 0.25), map(THREE, 0.7, 2.0, 0.2));
            original.afterEpoch(2, map(THREE, 0.8, 2.2, 0.25));
            LossWeighting restored = make.get();
            restored.start(context(THREE, 0.1));
            restored.restoreState(original.state());
            for (LossWeighting w : List.of(original, restored)) {
                step(w, map(THREE, 0.7, 2.1, 0.2), map(THREE, 0.6, 2.0, 0.1));
                w.afterEpoch(3, map(THREE, 0.6, 2.3, 0.2));
            }
            Map<String, Double> losses = map(THREE, 0.5, 2.0, 0.1);
            assertEquals(weights(original, losses), weights(restored, losses), original.name());
            assertEquals(original.state().keySet(), restored.state().keySet());
            original.state().forEach((k, v) -> assertArrayEquals(v, restored.state().get(k), 0.0, k));
        }
        LossWeighting famo = new Famo();
        famo.start(context(THREE, 0.1));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> famo.restoreState(Map.of("logit_values", new double[2])));
        assertTrue(wrong.getMessage().contains("'logit_values' with 3 values"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GeometricLossStrategy().restoreState(Map.of("x", new double[1])));
    }

    private static Map<String, Double> weights(LossWeighting w, Map<String, Double> losses) {
        return w.weighsByStepLosses() ? w.stepWeights(losses) : w.nextStepWeights();
    }

    private static void step(LossWeighting w, Map<String, Double> before, Map<String, Double> after) {
        w.afterStep(new StepObservation(before, weights(w, before), null, after));
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new Famo(0, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new Famo(0.025, -1));
        assertThrows(IllegalArgumentException.class, () -> new SmoothTchebycheff(0, 5));
        assertThrows(IllegalArgumentException.class, () -> new SmoothTchebycheff(1, 0));
    }
}
