package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.pipeline.Methods;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.LossWeighting;
import java.util.List;
import java.util.Map;

/**
 * Which weighting methods data-parallel training supports, and why the others are refused.
 *
 * <p>Workers (Spark executors, ParallelWrapper threads) train replicas with plain {@code fit} steps and their
 * parameters are averaged; the driver sees the model only between averaging rounds. A method can therefore work
 * distributed only if it sets the task weights from figures the driver can compute between epochs:
 * <ul>
 *   <li>{@code fixed}: the weights live in the output losses of the configuration that is shipped to the workers.</li>
 *   <li>{@code dwa} (Liu et al., CVPR 2019): per-epoch weights from the last two epochs' training losses, which the
 *       driver computes (distributed) after each epoch.</li>
 * </ul>
 * Refused, with a message naming the alternatives:
 * <ul>
 *   <li>{@code uncertainty} (Kendall et al., CVPR 2018) learns its log-variances by a gradient step after every
 *       minibatch, jointly with the network; {@code rlw} (Lin et al., TMLR 2022) draws new weights every step.
 *       Updating either only between averaging rounds would be a different method with far fewer weight updates,
 *       so we do not pretend to run it.</li>
 *   <li>{@code gradnorm} (Chen et al., ICML 2018) needs each task's gradient norm on the last shared layer after
 *       every step; the gradient aggregators ({@code sum, pcgrad, mgda, cagrad, imtl, upgrad}) need every task's
 *       gradient at every step. The workers' plain {@code fit} computes only the summed gradient.</li>
 * </ul>
 */
public final class ScaleOutMethods {
    /** The method names data-parallel training accepts. */
    public static final List<String> SUPPORTED = List.of("fixed", "dwa");

    private ScaleOutMethods() {
    }

    /**
     * The loss weighting for {@code method}, or an {@link IllegalArgumentException} explaining why the method cannot
     * run data-parallel.
     *
     * @param method a name of {@link Methods#NAMES}
     * @param weights fixed weights by task name
     * @param mode what is asked for, for the message, e.g. {@code "--spark"} or {@code "--workers"}
     */
    public static LossWeighting weighting(String method, Map<String, Double> weights, String mode) {
        LossWeighting weighting = Methods.weighting(method, weights);
        if (Methods.aggregator(method) != null || "gradnorm".equals(method)) {
            throw new IllegalArgumentException("--weighting " + method + " needs every task's gradient at every step, which " + mode
                    + " does not have (workers run plain fit steps whose parameters are averaged); use --weighting fixed or dwa with "
                    + mode + ", or train " + method + " on one machine without " + mode + ".");
        }
        if (!SUPPORTED.contains(method)) {
            throw new IllegalArgumentException("--weighting " + method + " updates its weights after every step; " + mode
                    + " can only update weights between epochs on the driver. Use --weighting fixed or dwa with " + mode
                    + ", or train " + method + " on one machine without " + mode + ".");
        }
        return weighting;
    }

    /** Checks a weighting object given to a data-parallel trainer: {@link FixedWeighting} or {@link DynamicWeightAverage}. */
    static void requireSupported(LossWeighting weighting) {
        if (!(weighting instanceof FixedWeighting) && !(weighting instanceof DynamicWeightAverage)) {
            throw new IllegalArgumentException("Weighting '" + weighting.name() + "' cannot run data-parallel: only fixed weights and "
                    + "DWA, which change weights between epochs, are supported (see ScaleOutMethods); train it with "
                    + "MultiTaskTrainer on one machine.");
        }
    }
}
