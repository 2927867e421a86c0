/**
 * Gradient aggregators: methods that combine the per-task gradients g_1..g_K of the shared parameters into one
 * update direction, as opposed to loss weightings, which see only the losses.
 *
 * <p>Every {@link io.github.mtldl4j.gradient.GradientAggregator} works on the K x K Gram matrix
 * {@code G[i][j] = g_i . g_j} and returns coefficients c with the update {@code d = Σ_k c[k] g_k}, so the trainer
 * needs one matrix product for G and one for d, and each method is plain Java on a tiny matrix:
 * <ul>
 *   <li>{@link io.github.mtldl4j.gradient.SumAggregator} ("sum"): all ones, the reference;</li>
 *   <li>{@link io.github.mtldl4j.gradient.PcGrad} ("pcgrad"): Yu et al., NeurIPS 2020;</li>
 *   <li>{@link io.github.mtldl4j.gradient.MgdaUb} ("mgda"): Sener and Koltun, NeurIPS 2018;</li>
 *   <li>{@link io.github.mtldl4j.gradient.CaGrad} ("cagrad"): Liu et al., NeurIPS 2021;</li>
 *   <li>{@link io.github.mtldl4j.gradient.ImtlG} ("imtl"): Liu et al., ICLR 2021;</li>
 *   <li>{@link io.github.mtldl4j.gradient.UpGrad} ("upgrad"): Quinton and Rey, 2024;</li>
 *   <li>{@link io.github.mtldl4j.gradient.AlignedMtl} ("aligned-mtl", "aligned-mtl-ub"): Senushkin et al., CVPR 2023;</li>
 *   <li>{@link io.github.mtldl4j.gradient.ConFig} ("config"): Liu, Chu and Thuerey, ICLR 2025;</li>
 *   <li>{@link io.github.mtldl4j.gradient.NashMtl} ("nash-mtl"): Navon et al., ICML 2022;</li>
 *   <li>{@link io.github.mtldl4j.gradient.DualProj} ("dualproj"): TorchJD's projection of the mean onto the dual cone;</li>
 *   <li>{@link io.github.mtldl4j.gradient.GradVac} ("gradvac"): Wang et al., ICLR 2021 (keeps state: target cosines).</li>
 * </ul>
 * All coefficients are on the scale of "sum" (K equal gradients give K times that gradient; CAGrad
 * {@code K (1 + c) / (1 + c²)} times, as its authors rescale), so one learning rate serves every method; each class
 * says how its paper's own weights relate to its coefficients. Input is validated by every method: a square,
 * finite, symmetric (within a relative 1e-4, for Gram matrices computed in float) matrix with a non-negative
 * diagonal that respects Cauchy-Schwarz.
 */
package io.github.mtldl4j.gradient;
