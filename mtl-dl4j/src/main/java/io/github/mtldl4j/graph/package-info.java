/**
 * Wiring of multi-task graphs: {@link io.github.mtldl4j.graph.MultiTaskGraphBuilder}, the sharing modes
 * ({@link io.github.mtldl4j.graph.HardSharing}, {@link io.github.mtldl4j.graph.IndependentTowers} and the mixtures
 * of experts {@link io.github.mtldl4j.graph.MixtureOfExperts}: MMoE and OMoE after Ma et al., KDD 2018, CGC and PLE
 * after Tang et al., RecSys 2020, and {@link io.github.mtldl4j.graph.CrossStitch} after Misra et al., CVPR 2016) behind the {@link io.github.mtldl4j.graph.SharingMode} extension point, the
 * hand-written vertices they use ({@link io.github.mtldl4j.graph.GatedSumVertex},
 * {@link io.github.mtldl4j.graph.RepresentationTapVertex}), the cross-stitch layer
 * {@link io.github.mtldl4j.graph.CrossStitchLayer}) and the vertex naming scheme
 * {@link io.github.mtldl4j.graph.VertexNames}.
 */
package io.github.mtldl4j.graph;
