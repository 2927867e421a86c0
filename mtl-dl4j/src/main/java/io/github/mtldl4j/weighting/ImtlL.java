package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.Map;

/**
 * IMTL-L, the loss balance of impartial multi-task learning (Liu, Li, Kuang, Xue, Chen, Yang, Liao and Zhang,
 * "Towards Impartial Multi-task Learning", ICLR 2021): a learnable scale s_t per task and the total loss
 * Σ_t (e^{s_t} L_t − s_t), so w_t = e^{s_t}. After each step s is moved by the network's optimizer (its own instance)
 * along ∂/∂s_t = e^{s_t} L_t − 1, using the step's losses; s starts at 0 (w = 1). At the optimum of s every scaled
 * loss e^{s_t} L_t equals 1, whatever the tasks' loss scales: the "impartial" loss balance.
 *
 * <p>The paper's full method (its "IMTL") adds IMTL-G, the gradient balance, on the scaled losses: in the library,
 * {@code MultiTaskTrainer.builder(model).weighting(new ImtlL()).aggregator(new ImtlG())}, on the command line
 * {@code imtl-hybrid}; the command line's {@code imtl} is IMTL-G alone.
 */
public final class ImtlL extends LearnedPerTaskWeighting {
    /** The command-line name. */
    public static final String NAME = "imtl-l";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, ImtlL.class, o -> new ImtlL(),
            Need.STEP_UPDATES);

    /** Scales starting at 0 (weights 1), stepped by the network's optimizer. */
    public ImtlL() {
        super("scale_");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        learn(context.tasks(), context.updater());
    }

    /** The current scales s_t by task. */
    public Map<String, Double> scales() {
        return parameters.byTask(tasks, s -> s);
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        return parameters.byTask(tasks, Math::exp);
    }

    @Override
    public void afterStep(StepObservation observation) {
        double[] s = parameters.values();
        double[] gradient = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            Double loss = observation.losses().get(tasks.get(i));
            // A task without labels in the batch is not in the total, so its s_t gets no gradient.
            gradient[i] = loss == null ? 0.0 : Math.exp(s[i]) * loss - 1.0;
        }
        parameters.step(gradient);
    }
}
