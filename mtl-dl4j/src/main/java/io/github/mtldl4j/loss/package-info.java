/**
 * Loss pieces that DL4J lacks for multi-task training, chiefly {@link io.github.mtldl4j.loss.WeightedLoss},
 * the per-task loss weight that scales score and gradient.
 */
package io.github.mtldl4j.loss;
