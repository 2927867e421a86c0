package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Smooth Tchebycheff scalarization (Lin et al., "Smooth Tchebycheff Scalarization for
 * Multi-Objective Optimization", ICML 2024): g_μ = μ log Σ_t exp((f_t − z_t) / μ), a smooth upper bound of the
 * Tchebycheff max_t (f_t − z_t) that it approaches within μ log K as μ → 0. As the authors' multi-task code does,
 * f_t = log L_t, z_t = log n_t with n the nadir: training first minimizes Σ_t log L_t for {@code warmupEpochs}
 * epochs, n is the mean of the step losses of the last of them, and from then on the loss is K g_μ. Its gradient
 * weighs task t by w_t = K p_t / L_t with p = softmax(log(L/n) / μ) of the step's own losses (1 / L_t during the
 * warm-up). μ = 1 and 5 warm-up epochs (the authors' {@code warmup_epoch = 4}, counted from 0) by default. A task
 * without labels in a batch is left out of that step (weight 0). Losses are floored at 1e-12 for the log.
 */
public final class SmoothTchebycheff implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "stch";

    /** Name, kind and needs, for {@code MethodRegistry}: weights change every step, from that step's losses. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, SmoothTchebycheff.class,
            o -> new SmoothTchebycheff(), Need.STEP_UPDATES);

    /** The authors' smoothing μ. */
    public static final double DEFAULT_MU = 1.0;
    /** The authors' warm-up: epochs 0 to 4 of their code. */
    public static final int DEFAULT_WARMUP_EPOCHS = 5;
    static final double FLOOR = 1e-12;

    private final double mu;
    private final int warmupEpochs;
    private List<String> tasks;
    private int finishedEpochs;
    private double[] lossSums;
    private double[] lossCounts;
    private double[] nadir;

    /** With μ = 1 and 5 warm-up epochs. */
    public SmoothTchebycheff() {
        this(DEFAULT_MU, DEFAULT_WARMUP_EPOCHS);
    }

    /**
     * @param mu smoothing μ {@code > 0} (smaller: closer to the hard max)
     * @param warmupEpochs epochs {@code >= 1} on the sum of log losses; the last one's mean losses are the nadir
     */
    public SmoothTchebycheff(double mu, int warmupEpochs) {
        if (!(mu > 0) || Double.isInfinite(mu) || warmupEpochs < 1) {
            throw new IllegalArgumentException("STCH needs a finite mu > 0 and at least 1 warm-up epoch, received mu " + mu
                    + " and " + warmupEpochs + " warm-up epochs.");
        }
        this.mu = mu;
        this.warmupEpochs = warmupEpochs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        tasks = context.tasks();
        finishedEpochs = 0;
        lossSums = new double[tasks.size()];
        lossCounts = new double[tasks.size()];
        nadir = null;
    }

    @Override
    public boolean weighsByStepLosses() {
        return true;
    }

    /** The nadir losses n_t by task once the warm-up is over, else empty. */
    public Map<String, Double> nadir() {
        return nadir == null ? Map.of() : LossWeightingState.byTask(tasks, nadir);
    }

    /** Outside a step (all losses 1): the weights of losses equal to 1, or to the nadir once there is one. */
    @Override
    public Map<String, Double> nextStepWeights() {
        Map<String, Double> losses = new LinkedHashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            losses.put(tasks.get(i), nadir == null ? 1.0 : nadir[i]);
        }
        return stepWeights(losses);
    }

    @Override
    public Map<String, Double> stepWeights(Map<String, Double> stepLosses) {
        int k = tasks.size();
        double[] loss = new double[k];
        boolean[] present = new boolean[k];
        int count = 0;
        for (int i = 0; i < k; i++) {
            Double l = stepLosses.get(tasks.get(i));
            present[i] = l != null;
            loss[i] = l == null ? Double.NaN : Math.max(FLOOR, l);
            count += present[i] ? 1 : 0;
        }
        double[] w = new double[k];
        if (nadir == null) {
            for (int i = 0; i < k; i++) {
                w[i] = present[i] ? 1.0 / loss[i] : 0.0;
            }
        } else {
            double[] u = new double[k];
            for (int i = 0; i < k; i++) {
                u[i] = present[i] ? Math.log(loss[i] / nadir[i]) / mu : Double.NEGATIVE_INFINITY;
            }
            double[] p = softmax(u);
            for (int i = 0; i < k; i++) {
                w[i] = present[i] ? count * p[i] / loss[i] : 0.0;
            }
        }
        Map<String, Double> byTask = new LinkedHashMap<>();
        for (int i = 0; i < k; i++) {
            byTask.put(tasks.get(i), w[i]);
        }
        return byTask;
    }

    /** During the last warm-up epoch: adds the step's losses to the nadir's sums. */
    @Override
    public void afterStep(StepObservation observation) {
        if (nadir == null && finishedEpochs + 1 == warmupEpochs) {
            for (int i = 0; i < tasks.size(); i++) {
                Double loss = observation.losses().get(tasks.get(i));
                if (loss != null) {
                    lossSums[i] += loss;
                    lossCounts[i]++;
                }
            }
        }
    }

    /** After the last warm-up epoch: the nadir is its mean step losses (1 for a task that had none). */
    @Override
    public void afterEpoch(int epoch, Map<String, Double> meanTrainLosses) {
        finishedEpochs = epoch;
        if (nadir == null && finishedEpochs >= warmupEpochs) {
            nadir = new double[tasks.size()];
            for (int i = 0; i < nadir.length; i++) {
                nadir[i] = lossCounts[i] > 0 ? Math.max(FLOOR, lossSums[i] / lossCounts[i]) : 1.0;
            }
        }
    }

    /** The epoch counter, the warm-up's loss sums and counts, and the nadir once it exists. */
    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> state = new LinkedHashMap<>();
        state.put("epoch", new double[] {finishedEpochs});
        state.put("loss_sums", lossSums.clone());
        state.put("loss_counts", lossCounts.clone());
        if (nadir != null) {
            state.put("nadir", nadir.clone());
        }
        return state;
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        int k = tasks.size();
        finishedEpochs = (int) LossWeightingState.require(state, "epoch", 1, name())[0];
        lossSums = LossWeightingState.require(state, "loss_sums", k, name()).clone();
        lossCounts = LossWeightingState.require(state, "loss_counts", k, name()).clone();
        nadir = state.containsKey("nadir") ? LossWeightingState.require(state, "nadir", k, name()).clone() : null;
    }

    /** μ log Σ_i exp(x_i / μ), computed without overflow: the smooth maximum of {@code x}. */
    public static double smoothMax(double[] x, double mu) {
        double max = Arrays.stream(x).max().orElseThrow();
        double sum = 0;
        for (double v : x) {
            sum += Math.exp((v - max) / mu);
        }
        return max + mu * Math.log(sum);
    }

    /** softmax(u); entries of −∞ get 0. */
    static double[] softmax(double[] u) {
        double max = Arrays.stream(u).max().orElseThrow();
        double[] e = new double[u.length];
        double sum = 0;
        for (int i = 0; i < u.length; i++) {
            e[i] = Math.exp(u[i] - max);
            sum += e[i];
        }
        for (int i = 0; i < u.length; i++) {
            e[i] /= sum;
        }
        return e;
    }
}
