package io.github.mtldl4j.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.AdaptiveInformationTransfer;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Every sharing mode and task type the builder makes, exported and run in ONNX Runtime: its outputs must match
 * {@code MultiTaskModel.predict} on the same rows (docs/export.md's tolerances). Parameters are drawn at random
 * (biases and cross-stitch matrices included) so that no part of the graph can hide behind an initial value.
 */
class OnnxExporterTest {
    private static final int INPUTS = 6;
    private static final int ROWS = 7;

    static Stream<Arguments> architectures() {
        List<Task> tasks = TestData.mixedTasks();
        return Stream.of(
                arguments("hard", b -> b.sharedLayers(8, 5)),
                arguments("hard, no trunk, no bias", b -> b.bias(false)),
                arguments("hard with representation tap", b -> b.sharedLayers(8).representationTap()),
                arguments("independent", b -> b.sharedLayers(5).independentTowers()),
                arguments("fused heads", b -> b.sharedLayers(8).fusedHeads()),
                arguments("cascade", b -> b.sharedLayers(8).cascade("segment", "churn").cascade("tags", "price")),
                arguments("mmoe", b -> b.sharing(MixtureOfExperts.mmoe(3, 6, 4))),
                arguments("omoe", b -> b.sharing(MixtureOfExperts.omoe(3, 4))),
                arguments("cgc", b -> b.sharing(MixtureOfExperts.cgc(2, 1, 4))),
                arguments("ple", b -> b.sharing(MixtureOfExperts.ple(2, 2, 1, 4)
                        .withGateInput(MixtureOfExperts.GateInput.LEVEL_INPUT))),
                arguments("dselect-k, 8 experts", b -> b.sharing(MixtureOfExperts.dselectK(8, 2, 4))),
                arguments("dselect-k, 2 experts", b -> b.sharing(MixtureOfExperts.dselectK(2, 1, 4))),
                arguments("dselect-k static, 8 experts", b -> b.sharing(MixtureOfExperts.dselectKStatic(8, 2, 4)
                        .withSelectorEntropy(MixtureOfExperts.DSELECT_ENTROPY))),
                arguments("cross-stitch", b -> b.sharedLayers(6, 4).sharing(new CrossStitch())))
                .map(a -> Arguments.of(a.get()[0], a.get()[1], tasks));
    }

    private static Arguments arguments(String name, UnaryOperator<MultiTaskGraphBuilder> configure) {
        return Arguments.of(name, configure);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void onnxRuntimeMatchesPredict(String name, UnaryOperator<MultiTaskGraphBuilder> configure, List<Task> tasks) throws Exception {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(INPUTS);
        tasks.forEach(builder::task);
        check(randomized(configure.apply(builder).build()), INPUTS);
    }

    @Test
    void esmmFunnelMatches() throws Exception {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).sharing(new io.github.mtldl4j.graph.Esmm())
                .task(Task.binary("click").withHead(3)).task(Task.binary("cart")).task(Task.binary("buy").withHead(2)).build();
        check(randomized(model), INPUTS);
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "LEAKYRELU", "ELU", "SELU", "SIGMOID", "HARDSIGMOID", "TANH",
            "HARDTANH", "RELU6", "SOFTPLUS", "SOFTSIGN", "SWISH", "CUBE", "THRESHOLDEDRELU", "IDENTITY", "SOFTMAX"})
    void everyExportedActivationMatches(Activation activation) throws Exception {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).activation(activation)
                .task(Task.regression("y", 2).withHead(3).withActivation(activation))
                .task(Task.binary("b"))
                .build();
        check(randomized(model), INPUTS);
    }

    @Test
    void convolutionalTrunkMatches() throws Exception {
        int side = 16;
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(side * side)
                .sharing(new ConvolutionalTrunk(side, side, 1, ConvolutionalTrunk.Trunks.ONE_SHARED, 3, 4, 6))
                .task(Task.multiclass("left", 3)).task(Task.regression("right")).build();
        check(randomized(model), side * side);
    }

    @Test
    void anActivationOnnxCannotExpressIsRefusedNamingTheVertex() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(4).activation(Activation.RATIONALTANH)
                .task(Task.binary("b")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.export(model));
        assertTrue(e.getMessage().startsWith("Cannot export vertex 'trunk_0' (DenseLayer) to ONNX: activation"), e.getMessage());
    }

    @Test
    void aitmFunnelMatches() throws Exception {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).sharing(new io.github.mtldl4j.graph.Aitm())
                .task(Task.binary("click").withHead(3)).task(Task.binary("cart").withHead(3)).task(Task.binary("buy").withHead(3))
                .build();
        check(randomized(model), INPUTS);
    }

    /** The rows {@link #check} uses put clearly unequal attention weights on the two vectors, so the mixing is tested. */
    @Test
    void aitmAttentionWeightsOnTheCheckedRowsAreNotOneHalf() {
        MultiTaskModel model = randomized(MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).sharing(new io.github.mtldl4j.graph.Aitm())
                .task(Task.binary("click").withHead(3)).task(Task.binary("cart").withHead(3)).task(Task.binary("buy").withHead(3))
                .build());
        INDArray features = Nd4j.create(rows(INPUTS)).castTo(DataType.FLOAT);
        for (String stage : List.of("cart", "buy")) {
            INDArray pair = model.graph().feedForward(features, false).get(VertexNames.attentionInput(stage));
            INDArray w = ((AdaptiveInformationTransfer) model.graph().getLayer(VertexNames.attention(stage))).attentionWeights(pair);
            double spread = Transforms.abs(w.getColumn(0).sub(0.5)).maxNumber().doubleValue();
            assertTrue(spread > 0.05, stage + ": attention weights " + w);
        }
    }

    @Test
    void writtenFileHasTheOpsetTheNamesAndTheTaskTypes(@TempDir Path dir) throws Exception {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(4)
                .task(Task.regression("price")).task(Task.multiclass("segment", 3)).build();
        Path file = dir.resolve("model.onnx");
        OnnxExporter.write(model, file);
        Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(OnnxGraph.IR_VERSION, proto.getIrVersion());
        assertEquals(List.of("" + OnnxGraph.OPSET), proto.getOpsetImportList().stream()
                .map(o -> o.getDomain() + o.getVersion()).toList());
        assertEquals(List.of(OnnxExporter.INPUT), proto.getGraph().getInputList().stream().map(Onnx.ValueInfoProto::getName).toList());
        assertEquals(List.of("price", "segment"), proto.getGraph().getOutputList().stream().map(Onnx.ValueInfoProto::getName).toList());
        assertEquals(Map.of("mtl.task.price", "regression", "mtl.task.segment", "multiclass", "mtl.sharing", "hard"),
                proto.getMetadataPropsList().stream().collect(java.util.stream.Collectors.toMap(
                        Onnx.StringStringEntryProto::getKey, Onnx.StringStringEntryProto::getValue)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
    }

    /** Draws every parameter from N(0, 0.5^2), so biases and mixing matrices take part. */
    static MultiTaskModel randomized(MultiTaskModel model) {
        INDArray params = model.graph().params();
        Random random = new Random(7);
        double[] values = new double[(int) params.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian() * 0.5;
        }
        params.assign(Nd4j.create(values, params.shape(), params.dataType()));
        return model;
    }

    /** The rows {@link #check} feeds: N(0, 1.5^2) draws, seed 11. */
    static float[][] rows(int inputs) {
        Random random = new Random(11);
        float[][] rows = new float[ROWS][inputs];
        for (float[] row : rows) {
            for (int c = 0; c < inputs; c++) {
                row[c] = (float) (random.nextGaussian() * 1.5);
            }
        }
        return rows;
    }

    static void check(MultiTaskModel model, int inputs) throws Exception {
        float[][] rows = rows(inputs);
        Map<String, INDArray> expected = model.predict(Nd4j.create(rows).castTo(DataType.FLOAT));
        Map<String, double[][]> actual = OnnxRuntimeRunner.run(OnnxExporter.export(model).toByteArray(),
                Map.of(OnnxExporter.INPUT, rows));
        assertEquals(model.taskNames(), List.copyOf(actual.keySet()));
        for (Task task : model.tasks()) {
            OnnxRuntimeRunner.assertClose(task.name(), expected.get(task.name()), actual.get(task.name()),
                    task.type() != TaskType.REGRESSION);
        }
    }
}
