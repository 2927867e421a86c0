package io.github.mtldl4j.gradient;

import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A gradient aggregator that needs several independent samples of the task gradients per step, so that products of
 * gradients are unbiased (SDMGrad, MoDo: {@code E[G_ξ1 G_ξ2^T] = E[G] E[G]^T} only for independent ξ1, ξ2).
 *
 * <p>The trainer splits each step's minibatch at random into {@link #samples()} disjoint parts of (nearly) equal size
 * (seeded: a permutation drawn from the trainer's generator) and computes the K task gradients on each part: one
 * forward and K backward passes per part, on a third of the rows each. An epoch therefore still passes over the
 * data once and keeps its number of steps. LibMTL instead draws {@link #samples()} consecutive minibatches from its
 * loader per step (its trainer loops {@code _process_data} three times), which triples the data an epoch reads and
 * the rows of each sample; splitting keeps the command line's {@code --batch-size} and {@code --epochs} meaning the
 * same for every method. A batch with fewer rows than samples uses all its rows for every sample (the products are
 * then biased for that step). Heads take their own task's gradient over the whole batch, as with every aggregator.
 */
public interface MultiSampleAggregator extends GradientAggregator {

    /** How many independent samples of the task gradients a step needs (at least 2). */
    int samples();

    /**
     * The shared update of one step.
     *
     * @param samples {@link #samples()} matrices K x S: in sample s, row t the gradient of task t's mean loss over that
     *                sample's labelled rows (times its step weight) on the shared parameters, zero for a task without
     *                labels in the sample; the method may overwrite them
     * @param random the trainer's seeded generator; may be null for methods without a random element
     * @return 1 x S, the shared update direction on the scale of {@link SumAggregator} (the plain sum of the rows for
     *         equal gradients)
     */
    INDArray combine(List<INDArray> samples, Random random);

    /** Not defined from one Gram matrix: these methods need several samples ({@link #combine(List, Random)}). */
    @Override
    default double[] coefficients(double[][] gram, Random random) {
        throw new UnsupportedOperationException(name() + " needs " + samples() + " independent samples of the task gradients, "
                + "not one Gram matrix: train it with MultiTaskTrainer, which calls MultiSampleAggregator.combine.");
    }
}
