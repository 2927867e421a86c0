package io.github.mtldl4j.weighting;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random loss weighting (Lin, Ye, Xu, Shi and Zhang, "Reasonable Effectiveness of Random Weighting: A Litmus Test
 * for Multi-Task Learning", TMLR 2022): every step draws z ~ N(0, I) and uses w = softmax(z), so the weights sum
 * to 1, as in the paper and LibMTL. Draws come from the trainer's seeded generator.
 */
public final class RandomLossWeighting implements LossWeighting {
    /** The command-line name. */
    public static final String NAME = "rlw";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<LossWeighting> INFO = MethodInfo.lossWeighting(NAME, RandomLossWeighting.class,
            o -> new RandomLossWeighting(), Need.STEP_UPDATES);

    private List<String> tasks;
    private Random random;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(WeightingContext context) {
        tasks = context.tasks();
        random = context.random();
    }

    @Override
    public Map<String, Double> nextStepWeights() {
        double[] z = new double[tasks.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < z.length; i++) {
            z[i] = random.nextGaussian();
            max = Math.max(max, z[i]);
        }
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            z[i] = Math.exp(z[i] - max);
            sum += z[i];
        }
        Map<String, Double> weights = new LinkedHashMap<>();
        for (int i = 0; i < z.length; i++) {
            weights.put(tasks.get(i), z[i] / sum);
        }
        return weights;
    }
}
