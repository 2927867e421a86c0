package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.DirectInference;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Both paths of {@link DirectInferencePass} at the same row counts, each forced (Java loops for every call, and ND4J for
 * every call), equal DL4J's {@code ComputationGraph.output}: every graph kind the direct pass computes, 1 and 7 rows.
 * {@code DirectPredictTest} covers the default split through {@code MultiTaskModel.predict}.
 */
class DirectInferencePassTest {
    /** As {@code DirectPredictTest}: FLOAT outputs of the same products in another order. */
    private static final double FLOAT_OUTPUT = 1e-6;
    private static final int INPUTS = 6;
    private static final List<Task> TASKS = List.of(Task.regression("price").withHead(8, 4), Task.binary("churn").withHead(8),
            Task.multiclass("segment", 3).withHead(8));

    static List<Arguments> models() {
        UnaryOperator<MultiTaskGraphBuilder> fused = builder -> builder.hardSharing().fusedHeads();
        UnaryOperator<MultiTaskGraphBuilder> hard = MultiTaskGraphBuilder::hardSharing;
        UnaryOperator<MultiTaskGraphBuilder> towers = MultiTaskGraphBuilder::independentTowers;
        UnaryOperator<MultiTaskGraphBuilder> mmoe = builder -> builder.sharing(MixtureOfExperts.mmoe(3));
        UnaryOperator<MultiTaskGraphBuilder> tap = builder -> builder.hardSharing().representationTap();
        return List.of(Arguments.of("hard", hard, DataType.FLOAT), Arguments.of("hard, fused heads", fused, DataType.FLOAT),
                Arguments.of("independent towers", towers, DataType.DOUBLE), Arguments.of("mmoe", mmoe, DataType.FLOAT),
                Arguments.of("mmoe", mmoe, DataType.DOUBLE), Arguments.of("hard, representation tap", tap, DataType.FLOAT));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("models")
    void hostLoopsAndNd4jBothEqualGraphOutput(String name, UnaryOperator<MultiTaskGraphBuilder> sharing, DataType type) {
        MultiTaskModel model = sharing.apply(MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(16, 12).seed(5).dataType(type))
                .tasks(TASKS.toArray(Task[]::new)).build();
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 64, 3);
        model.fit(data.copy()); // parameters away from their initial values
        ComputationGraph graph = model.graph();
        assertTrue(HostForwardPass.of(DirectStepPlan.compile(graph, RepresentationTapVertex.class)).isPresent(),
                name + ": the host loops should compute this graph");
        DirectInference.Forward host = new DirectInferencePass(Integer.MAX_VALUE).compile(graph).orElseThrow();
        DirectInference.Forward nd4j = new DirectInferencePass(0).compile(graph).orElseThrow();
        INDArray all = data.getFeatures(0).castTo(type);
        double tolerance = type == DataType.FLOAT ? FLOAT_OUTPUT : REORDERED;
        for (int rows : new int[] {1, 7}) {
            INDArray features = all.get(NDArrayIndex.interval(3, 3 + rows), NDArrayIndex.all());
            INDArray[] expected = graph.clone().output(false, features.dup());
            INDArray[] fromHost = host.output(features);
            INDArray[] fromNd4j = nd4j.output(features);
            for (int t = 0; t < TASKS.size(); t++) {
                String what = name + " " + type + " rows " + rows + " task " + TASKS.get(t).name();
                assertClose(expected[t], fromHost[t], tolerance, what + " (host loops)");
                assertClose(expected[t], fromNd4j[t], tolerance, what + " (ND4J)");
            }
        }
    }
}
