package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GradNorm (Chen, Badrinarayanan, Lee and Rabinovich, "GradNorm: Gradient Normalization for Adaptive Loss Balancing
 * in Deep Multitask Networks", ICML 2018). With G_t = w_t ||∇_W L_t|| the norm of the weighted task gradient on
 * the last shared layer's weights W, Ḡ their mean, L̃_t = L_t / L_t(0) the task's loss relative to its first step
 * and r_t = L̃_t / mean(L̃), the weights minimise Σ_t |G_t − Ḡ r_t^α| with the targets Ḡ r_t^α held constant:
 * ∂/∂w_t = sign(G_t − Ḡ r_t^α) ||∇_W L_t||. The step is taken by the network's optimizer (its own instance), then the
 * weights are clipped at a small positive floor and renormalized to sum to T. α = 1.5 by default.
 */
public final class GradNorm implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "gradnorm";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, GradNorm.class,
            o -> new GradNorm(), Need.TASK_GRADIENTS, Need.STEP_UPDATES);

    /** The paper's default asymmetry. */
    public static final double DEFAULT_ALPHA = 1.5;
    private static final double FLOOR = 1e-6;

    private final double alpha;
    private List<String> tasks;
    private LearnedWeightParameters weights;
    private double[] initialLosses;

    /** With α = 1.5. */
    public GradNorm() {
        this(DEFAULT_ALPHA);
    }

    /** With asymmetry α {@code >= 0} (0: equal gradient norms; larger: stronger pull of slow tasks). */
    public GradNorm(double alpha) {
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("GradNorm alpha must be finite and >= 0, received " + alpha + ".");
        }
        this.alpha = alpha;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsSharedGradientNorms() {
        return true;
    }

    @Override
    public void start(WeightingContext context) {
        tasks = context.tasks();
        double[] ones = new double[tasks.size()];
        java.util.Arrays.fill(ones, 1.0);
        weights = new LearnedWeightParameters(ones, context.updater());
        initialLosses = null;
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        double[] w = weights.values();
        Map<String, Double> byTask = new LinkedHashMap<>();
        for (int i = 0; i < w.length; i++) {
            byTask.put(tasks.get(i), w[i]);
        }
        return byTask;
    }

    @Override
    public void afterStep(StepObservation observation) {
        if (observation.sharedGradientNorms() == null) {
            throw new IllegalStateException("GradNorm needs the per-task gradient norms of the last shared layer; "
                    + "the trainer did not supply them.");
        }
        int k = tasks.size();
        double[] losses = new double[k];
        double[] norms = new double[k];
        for (int i = 0; i < k; i++) {
            Double loss = observation.losses().get(tasks.get(i));
            if (loss == null) {
                return; // a task without labels in this batch: no balanced target can be formed, skip the update
            }
            losses[i] = loss;
            norms[i] = observation.sharedGradientNorms().get(tasks.get(i));
        }
        if (initialLosses == null) {
            initialLosses = losses.clone();
        }
        weights.step(gradient(weights.values(), norms, losses, initialLosses, alpha));
        weights.set(renormalized(weights.values()));
    }

    /** ∂/∂w of Σ_t |w_t n_t − Ḡ r_t^α| with the target held constant. */
    static double[] gradient(double[] w, double[] norms, double[] losses, double[] initialLosses, double alpha) {
        int k = w.length;
        double meanNorm = 0;
        double meanRatio = 0;
        double[] ratio = new double[k];
        for (int i = 0; i < k; i++) {
            meanNorm += w[i] * norms[i] / k;
            ratio[i] = initialLosses[i] > 0 ? losses[i] / initialLosses[i] : 1.0;
            meanRatio += ratio[i] / k;
        }
        double[] gradient = new double[k];
        for (int i = 0; i < k; i++) {
            double target = meanNorm * Math.pow(ratio[i] / meanRatio, alpha);
            gradient[i] = Math.signum(w[i] * norms[i] - target) * norms[i];
        }
        return gradient;
    }

    /** Clipped at a small positive floor, scaled to sum to the number of tasks. */
    static double[] renormalized(double[] w) {
        double sum = 0;
        double[] out = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = Math.max(FLOOR, w[i]);
            sum += out[i];
        }
        for (int i = 0; i < w.length; i++) {
            out[i] *= w.length / sum;
        }
        return out;
    }

    /** The weights, their optimizer state and step counter, the first step's losses (once seen) and the epoch counter. */
    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> state = new LinkedHashMap<>();
        weights.saveTo(state, "weight_");
        if (initialLosses != null) {
            state.put("initial_losses", initialLosses.clone());
        }
        return state;
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        weights.restoreFrom(state, "weight_", name());
        initialLosses = state.containsKey("initial_losses")
                ? LossWeightingState.require(state, "initial_losses", tasks.size(), name()).clone() : null;
    }

    @Override
    public void afterEpoch(int finishedEpoch, Map<String, Double> meanTrainLosses) {
        weights.epochFinished(finishedEpoch);
    }
}
