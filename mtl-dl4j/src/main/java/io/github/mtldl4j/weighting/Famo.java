package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.learning.config.Adam;

/**
 * FAMO (Liu, Feng, Stone and Liu, "FAMO: Fast Adaptive Multitask Optimization", NeurIPS 2023): task logits ξ,
 * z = softmax(ξ); a step descends Σ_t z_t log L_t / c with c = Σ_t z_t / L_t, i.e. weights w_t = (z_t / L_t) / c
 * (they sum to 1) on the step's own losses; after the update, with δ_t = log L_t(before) − log L_t(after) on the same
 * batch, ξ moves along −(∇_ξ z^T δ + γ ξ), which shifts weight to the tasks whose log loss fell least, so that all
 * fall at the same rate. O(1) per step: no per-task gradients, one forward pass more (the losses after the update).
 *
 * <p>As the authors' code: ξ starts at 0 and is updated by Adam (learning rate β = 0.025, L2 decay γ = 0.01 added to
 * the gradient as PyTorch's {@code weight_decay} does); losses are shifted by their minimum 0 plus 1e-8 before the log.
 * Their code also clips the network's gradient norm at 1, a training setting not part of the weighting.
 */
public final class Famo extends LearnedPerTaskWeighting {
    /** The command-line name. */
    public static final String NAME = "famo";

    /** Name, kind and needs, for {@code MethodRegistry}: weights change every step, from that step's losses. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, Famo.class, o -> new Famo(),
            Need.STEP_UPDATES);

    /** The authors' learning rate β of the task parameters. */
    public static final double DEFAULT_LEARNING_RATE = 0.025;
    /** The authors' decay γ of the task parameters. */
    public static final double DEFAULT_DECAY = 0.01;
    /** Added to every loss before its log and its inverse, as in the authors' code. */
    static final double EPSILON = 1e-8;

    private final double learningRate;
    private final double decay;

    /** With β = 0.025 and γ = 0.01. */
    public Famo() {
        this(DEFAULT_LEARNING_RATE, DEFAULT_DECAY);
    }

    /**
     * @param learningRate β {@code > 0}, Adam's learning rate for the task logits
     * @param decay γ {@code >= 0}, the L2 decay of the task logits
     */
    public Famo(double learningRate, double decay) {
        super("logit_");
        if (!(learningRate > 0) || Double.isInfinite(learningRate) || !(decay >= 0) || Double.isInfinite(decay)) {
            throw new IllegalArgumentException("FAMO needs a finite learning rate > 0 and a finite decay >= 0, received "
                    + learningRate + " and " + decay + ".");
        }
        this.learningRate = learningRate;
        this.decay = decay;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        learn(context.tasks(), new Adam(learningRate));
    }

    @Override
    public boolean weighsByStepLosses() {
        return true;
    }

    @Override
    public boolean needsLossesAfterStep() {
        return true;
    }

    /** Outside a step: the softmax of the logits (the weights a step with equal losses would get). */
    @Override
    public Map<String, Double> nextStepWeights() {
        return byTask(softmax(parameters.values(), present(null)));
    }

    /** The current task logits ξ by task. */
    public Map<String, Double> logits() {
        return byTask(parameters.values());
    }

    /** w_t = (z_t / D_t) / Σ_j z_j / D_j over the tasks with a loss, D = L + 1e-8; 0 for tasks without one. */
    @Override
    public Map<String, Double> stepWeights(Map<String, Double> stepLosses) {
        boolean[] present = present(stepLosses);
        double[] z = softmax(parameters.values(), present);
        double[] w = new double[z.length];
        double c = 0;
        for (int i = 0; i < z.length; i++) {
            if (present[i]) {
                w[i] = z[i] / (stepLosses.get(tasks.get(i)) + EPSILON);
                c += w[i];
            }
        }
        for (int i = 0; i < w.length; i++) {
            w[i] /= c;
        }
        return byTask(w);
    }

    /**
     * ξ ← Adam(ξ, J_z^T δ + γ ξ) with J_z = diag(z) − z z^T and δ_t the fall of log D_t over the step; tasks without a
     * loss in the step take no part in the softmax and get only the decay.
     */
    @Override
    public void afterStep(StepObservation observation) {
        if (observation.lossesAfterStep() == null) {
            throw new IllegalStateException("FAMO needs the losses of the batch after the update; the trainer did not supply them.");
        }
        boolean[] present = present(observation.lossesAfterStep());
        for (int i = 0; i < present.length; i++) {
            present[i] &= observation.losses().containsKey(tasks.get(i));
        }
        double[] xi = parameters.values();
        double[] z = softmax(xi, present);
        double[] delta = new double[z.length];
        double mean = 0;
        for (int i = 0; i < z.length; i++) {
            if (present[i]) {
                String task = tasks.get(i);
                delta[i] = Math.log(observation.losses().get(task) + EPSILON) - Math.log(observation.lossesAfterStep().get(task) + EPSILON);
                mean += z[i] * delta[i];
            }
        }
        double[] gradient = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            gradient[i] = (present[i] ? z[i] * (delta[i] - mean) : 0.0) + decay * xi[i];
        }
        parameters.step(gradient);
    }

    private boolean[] present(Map<String, Double> losses) {
        boolean[] present = new boolean[tasks.size()];
        for (int i = 0; i < present.length; i++) {
            present[i] = losses == null || losses.containsKey(tasks.get(i));
        }
        return present;
    }

    /** softmax over the entries marked present, 0 elsewhere. */
    static double[] softmax(double[] x, boolean[] present) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            if (present[i]) {
                max = Math.max(max, x[i]);
            }
        }
        double[] e = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            if (present[i]) {
                e[i] = Math.exp(x[i] - max);
                sum += e[i];
            }
        }
        for (int i = 0; i < x.length; i++) {
            e[i] /= sum;
        }
        return e;
    }

    private Map<String, Double> byTask(double[] values) {
        Map<String, Double> byTask = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            byTask.put(tasks.get(i), values[i]);
        }
        return byTask;
    }
}
