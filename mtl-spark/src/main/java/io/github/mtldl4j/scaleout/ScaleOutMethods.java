package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.gradient.ElementwiseAggregator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MultiSampleAggregator;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.weighting.LossWeighting;
import java.util.List;
import java.util.Map;

/**
 * Which weighting methods data-parallel training supports, and why the others are refused: one rule on what each
 * method declares it {@link Need}s ({@link #runsDataParallel}).
 *
 * <p>Workers (Spark executors, ParallelWrapper threads) train replicas with plain {@code fit} steps and their
 * parameters are averaged; the driver sees the model only between averaging rounds. A method can therefore work
 * distributed only if it sets the task weights from figures the driver can compute between epochs: fixed weights
 * (they live in the output losses of the configuration shipped to the workers) and DWA (Liu et al., CVPR 2019: per-epoch
 * weights from the last two epochs' training losses, which the driver computes, distributed, after each epoch).
 * With parameter averaging (ParallelWrapper, and Spark for these two methods) the others are refused, with a message
 * naming the alternatives. On Spark they run instead as synchronous gradient steps (every task's gradient summed over
 * the workers each step, the method applied once on the driver: {@code io.github.mtldl4j.train.ShardedGradientStep}),
 * all but FAMO, which needs each batch's losses after the update as well.
 * <ul>
 *   <li>{@link Need#STEP_UPDATES}: uncertainty weighting (Kendall et al., CVPR 2018) learns its log-variances by a
 *       gradient step after every minibatch, jointly with the network; RLW (Lin et al., TMLR 2022) draws new weights
 *       every step. Updating either only between averaging rounds would be a different method with far fewer weight
 *       updates, so we do not pretend to run it.</li>
 *   <li>{@link Need#TASK_GRADIENTS}: GradNorm (Chen et al., ICML 2018) needs each task's gradient norm on the last shared
 *       layer after every step, the gradient aggregators every task's gradient at every step. The workers' plain
 *       {@code fit} computes only the summed gradient.</li>
 * </ul>
 */
public final class ScaleOutMethods {
    /** The method names data-parallel training accepts, in registry order. */
    public static final List<String> SUPPORTED = MethodRegistry.weightingNames(ScaleOutMethods::runsDataParallel);

    private ScaleOutMethods() {
    }

    /**
     * The loss weighting for {@code method}, or an {@link IllegalArgumentException} explaining why the method cannot
     * run data-parallel.
     *
     * @param method a name of {@link MethodRegistry#weightingNames()}
     * @param weights fixed weights by task name
     * @param mode what is asked for, for the message: {@link TabularSetting#SPARK} or {@link TabularSetting#WORKERS}
     * @throws InvalidSettingException of {@link TabularSetting#WEIGHTING} for a method that cannot run data-parallel
     */
    public static LossWeighting weighting(String method, Map<String, Double> weights, Setting mode) {
        LossWeighting weighting = MethodRegistry.weighting(method, weights);
        MethodInfo<?> info = MethodRegistry.method(method);
        if (mode == TabularSetting.SPARK && !runsDataParallel(info)) {
            // Per-step methods run on Spark as synchronous gradient steps (ShardedGradientStep), all but one.
            if (weighting.needsLossesAfterStep()) {
                throw new InvalidSettingException(TabularSetting.WEIGHTING, SettingMessage.of(TabularSetting.WEIGHTING.is(method),
                        " needs every batch's losses after the update, a second pass over every worker's shard per step, which ", mode,
                        " does not run; use another method with ", mode, ", or train " + method + " on one machine without ", mode, "."));
            }
            GradientAggregator aggregator = MethodRegistry.aggregator(method);
            if (aggregator instanceof MultiSampleAggregator || aggregator instanceof ElementwiseAggregator) {
                throw new InvalidSettingException(TabularSetting.WEIGHTING, SettingMessage.of(TabularSetting.WEIGHTING.is(method),
                        aggregator instanceof MultiSampleAggregator ? " splits every step's batch into independent samples"
                                : " masks the gradients at the shared representation element by element",
                        ", which the synchronous steps of ", mode, " do not do across workers; use another gradient method with ",
                        mode, ", or train " + method + " on one machine without ", mode, "."));
            }
            return weighting;
        }
        if (info.needs(Need.TASK_GRADIENTS)) {
            throw new InvalidSettingException(TabularSetting.WEIGHTING, SettingMessage.of(TabularSetting.WEIGHTING.is(method),
                    " needs every task's gradient at every step, which ", mode, " does not have (workers run plain fit steps "
                    + "whose parameters are averaged); use ", TabularSetting.WEIGHTING.is(SUPPORTED.toArray(String[]::new)), " with ",
                    mode, ", or train " + method + " on one machine without ", mode, "."));
        }
        if (info.needs(Need.STEP_UPDATES)) {
            throw new InvalidSettingException(TabularSetting.WEIGHTING, SettingMessage.of(TabularSetting.WEIGHTING.is(method),
                    " updates its weights after every step; ", mode, " can only update weights between epochs on the driver. "
                    + "Use ", TabularSetting.WEIGHTING.is(SUPPORTED.toArray(String[]::new)), " with ", mode, ", or train " + method
                    + " on one machine without ", mode, "."));
        }
        return weighting;
    }

    /**
     * Whether {@code method} runs on Spark as synchronous gradient steps ({@code io.github.mtldl4j.spark.SynchronousGradientTrainer})
     * rather than by parameter averaging: the methods that do not {@link #runsDataParallel}.
     */
    public static boolean stepsSynchronously(String method) {
        return !runsDataParallel(MethodRegistry.method(method));
    }

    /** The rule: workers run plain {@code fit} steps, so a method may need neither per-step task gradients nor per-step updates. */
    public static boolean runsDataParallel(MethodInfo<?> method) {
        return !method.needs(Need.TASK_GRADIENTS) && !method.needs(Need.STEP_UPDATES);
    }

    /** Checks a weighting object given to a data-parallel trainer: a registered class that {@link #runsDataParallel}. */
    static void requireSupported(LossWeighting weighting) {
        if (!MethodRegistry.lossWeightingOf(weighting.getClass()).map(ScaleOutMethods::runsDataParallel).orElse(false)) {
            throw new IllegalArgumentException("Weighting '" + weighting.name() + "' cannot run data-parallel: only "
                    + MethodRegistry.either(SUPPORTED) + ", whose weights change at most between epochs, are supported (see "
                    + "ScaleOutMethods); train it with MultiTaskTrainer on one machine.");
        }
    }
}
