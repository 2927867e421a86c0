/**
 * Export of trained models to ONNX (opset {@value io.github.mtldl4j.export.OnnxGraph#OPSET}): {@link
 * io.github.mtldl4j.export.OnnxExporter} writes a {@link io.github.mtldl4j.model.MultiTaskModel}'s network as one
 * ONNX graph with one input and one output per task, named after the task; {@link io.github.mtldl4j.export.OnnxGraph}
 * is the graph under construction, on which a front end (the tabular module) can put its own preprocessing in front.
 * Written with the ONNX protobuf classes that ND4J ships ({@code onnx.Onnx}, compiled against ND4J's shaded protobuf).
 * This package reads the graph's vertices ({@code graph}) and the model, so it sits above both (docs/export.md).
 */
package io.github.mtldl4j.export;
