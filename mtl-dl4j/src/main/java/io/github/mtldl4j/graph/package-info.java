/**
 * Wiring of multi-task graphs: {@link io.github.mtldl4j.graph.MultiTaskGraphBuilder} and the sharing modes behind the
 * {@link io.github.mtldl4j.graph.SharingMode} extension point:
 * <ul>
 *   <li>{@link io.github.mtldl4j.graph.HardSharing} and {@link io.github.mtldl4j.graph.IndependentTowers};</li>
 *   <li>{@link io.github.mtldl4j.graph.MixtureOfExperts}: MMoE and OMoE (Ma et al., KDD 2018), CGC and PLE (Tang et al.,
 *       RecSys 2020), DSelect-k (Hazimeh et al., NeurIPS 2021; its gate is the hand-written
 *       {@link io.github.mtldl4j.graph.DSelectKLayer}), mixing experts with the hand-written
 *       {@link io.github.mtldl4j.graph.GatedSumVertex};</li>
 *   <li>{@link io.github.mtldl4j.graph.CrossStitch} (Misra et al., CVPR 2016), mixing towers with the hand-written
 *       {@link io.github.mtldl4j.graph.CrossStitchLayer}.</li>
 * </ul>
 * Also the representation tap for MGDA-UB ({@link io.github.mtldl4j.graph.RepresentationTapVertex}) and the vertex
 * naming scheme the builder follows ({@link io.github.mtldl4j.model.VertexNames}). This package builds models, so it
 * depends on {@code model}, never the other way round.
 */
package io.github.mtldl4j.graph;
