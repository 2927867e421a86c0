/**
 * Loss weightings: methods that set the task weights from what they see of the task losses
 * ({@link io.github.mtldl4j.weighting.LossWeighting}): fixed, uncertainty (Kendall et al. 2018), dynamic weight
 * average (Liu et al. 2019), random (Lin et al. 2022), GradNorm (Chen et al. 2018), FAMO (Liu et al. 2023), the
 * geometric loss strategy (Chennupati et al. 2019), IMTL-L (Liu et al. 2021) and smooth Tchebycheff (Lin et al. 2024).
 */
package io.github.mtldl4j.weighting;
