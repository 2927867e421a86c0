package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IMTL-L, the loss balance of impartial multi-task learning (Liu, Li, Kuang, Xue, Chen, Yang, Liao and Zhang,
 * "Towards Impartial Multi-task Learning", ICLR 2021): a learnable scale s_t per task and the total loss
 * Σ_t (e^{s_t} L_t − s_t), so w_t = e^{s_t}. After each step s is moved by the network's optimizer (its own instance)
 * along ∂/∂s_t = e^{s_t} L_t − 1, using the step's losses; s starts at 0 (w = 1). At the optimum of s every scaled
 * loss e^{s_t} L_t equals 1, whatever the tasks' loss scales: the "impartial" loss balance.
 *
 * <p>The paper's full method (its "IMTL") adds IMTL-G, the gradient balance, on the scaled losses: in the library,
 * {@code MultiTaskTrainer.builder(model).weighting(new ImtlL()).aggregator(new ImtlG())}; the command line's
 * {@code imtl} is IMTL-G alone.
 */
public final class ImtlL implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "imtl-l";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, ImtlL.class, o -> new ImtlL(),
            Need.STEP_UPDATES);

    private List<String> tasks;
    private LearnedWeightParameters scales;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        tasks = context.tasks();
        scales = new LearnedWeightParameters(new double[tasks.size()], context.updater());
    }

    /** The current scales s_t by task. */
    public Map<String, Double> scales() {
        return scales.byTask(tasks, s -> s);
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        return scales.byTask(tasks, Math::exp);
    }

    @Override
    public void afterStep(StepObservation observation) {
        double[] s = scales.values();
        double[] gradient = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            Double loss = observation.losses().get(tasks.get(i));
            // A task without labels in the batch is not in the total, so its s_t gets no gradient.
            gradient[i] = loss == null ? 0.0 : Math.exp(s[i]) * loss - 1.0;
        }
        scales.step(gradient);
    }

    @Override
    public void afterEpoch(int finishedEpoch, Map<String, Double> meanTrainLosses) {
        scales.epochFinished(finishedEpoch);
    }

    /** The scales, their optimizer state and step counter, and the epoch counter. */
    @Override
    public Map<String, double[]> state() {
        Map<String, double[]> state = new LinkedHashMap<>();
        scales.saveTo(state, "scale_");
        return state;
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        scales.restoreFrom(state, "scale_", name());
    }
}
