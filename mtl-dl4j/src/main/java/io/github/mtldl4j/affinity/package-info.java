/**
 * Task relatedness measured while training, and task groupings chosen from it.
 *
 * <ul>
 *   <li>{@link io.github.mtldl4j.affinity.GradientAffinity}: cosine of two tasks' gradients on the shared parameters,
 *       from the K x K Gram matrix.</li>
 *   <li>{@link io.github.mtldl4j.affinity.LookaheadAffinity}: the inter-task affinity of C. Fifty, E. Amid, Z. Zhao,
 *       T. Yu, R. Anil and C. Finn, "Efficiently Identifying Task Groupings for Multi-Task Learning", NeurIPS 2021:
 *       how much a step on task i alone lowers task j's loss on the same batch.</li>
 *   <li>{@link io.github.mtldl4j.affinity.TaskAffinity}: both matrices of an epoch or of a whole run, averaged over
 *       the measured steps; {@link io.github.mtldl4j.affinity.AffinityAccumulator} averages them.</li>
 *   <li>{@link io.github.mtldl4j.affinity.TaskGrouping}: the partition of the tasks into B groups with the most
 *       affinity received from group mates (after Fifty et al.), exhaustive or greedy.</li>
 * </ul>
 * The trainer measures both matrices when asked ({@code MultiTaskTrainer.Builder.affinityEvery}).
 */
package io.github.mtldl4j.affinity;
