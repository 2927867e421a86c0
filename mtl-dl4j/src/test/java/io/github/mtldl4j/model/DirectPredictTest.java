package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link MultiTaskModel#predict} through the direct forward pass equals DL4J's {@code ComputationGraph.output} on the
 * same graph (the reference: DL4J's own layers), for every output activation (identity, sigmoid, softmax), hard sharing
 * with fused heads, heads with hidden layers (towers), independent towers and MMoE, at batch sizes 1, 5 (Java loops)
 * and 256 (ND4J) taken in turn (a buffer set per size); and it reads the parameters live, so a training step or a write
 * into {@code graph.params()} between two calls is seen.
 */
class DirectPredictTest {
    /**
     * FLOAT outputs of one pass computed in another order (sibling layers in one product, bias added by another op):
     * the bound, tighter than {@code FLOAT_REORDERED}'s 1e-5 for a score; a wrong weight block or a missing
     * activation shows at 1e-2 and above.
     */
    private static final double FLOAT_OUTPUT = 1e-6;
    private static final int INPUTS = 6;
    private static final List<Task> TASKS = List.of(Task.regression("price").withHead(8, 4), Task.binary("churn").withHead(8),
            Task.multiclass("segment", 3).withHead(8));

    static List<Arguments> models() {
        UnaryOperator<MultiTaskGraphBuilder> fused = builder -> builder.hardSharing().fusedHeads();
        UnaryOperator<MultiTaskGraphBuilder> towers = MultiTaskGraphBuilder::independentTowers;
        UnaryOperator<MultiTaskGraphBuilder> mmoe = builder -> builder.sharing(MixtureOfExperts.mmoe(3));
        UnaryOperator<MultiTaskGraphBuilder> tap = builder -> builder.hardSharing().representationTap();
        UnaryOperator<MultiTaskGraphBuilder> stitch = builder -> builder.sharing(new CrossStitch(0.6));
        UnaryOperator<MultiTaskGraphBuilder> cascade = builder -> builder.hardSharing().cascade("churn", "price")
                .cascade("segment", "churn");
        return List.of(Arguments.of("hard, fused heads", fused, DataType.FLOAT), Arguments.of("hard, fused heads", fused, DataType.DOUBLE),
                Arguments.of("independent towers", towers, DataType.FLOAT), Arguments.of("independent towers", towers, DataType.DOUBLE),
                Arguments.of("mmoe", mmoe, DataType.FLOAT), Arguments.of("mmoe", mmoe, DataType.DOUBLE),
                Arguments.of("hard, representation tap", tap, DataType.DOUBLE),
                Arguments.of("cascades", cascade, DataType.FLOAT), Arguments.of("cascades", cascade, DataType.DOUBLE),
                Arguments.of("cross-stitch", stitch, DataType.FLOAT), Arguments.of("cross-stitch", stitch, DataType.DOUBLE));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("models")
    void equalsGraphOutputAtAlternatingBatchSizesAndSeesTraining(String name, UnaryOperator<MultiTaskGraphBuilder> sharing,
                                                                 DataType type) {
        MultiTaskModel model = sharing.apply(MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(16, 12).seed(5).dataType(type))
                .tasks(TASKS.toArray(Task[]::new)).build();
        assertTrue(model.predictsDirectly(), name + ": predict should take the direct pass");
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 256, 3);
        model.fit(data.copy()); // parameters away from their initial values
        INDArray all = data.getFeatures(0).castTo(type);
        INDArray one = all.get(NDArrayIndex.interval(7, 8), NDArrayIndex.all()).dup();
        // A view of five rows: a few rows run as Java loops over the parameters, 256 through ND4J.
        INDArray five = all.get(NDArrayIndex.interval(20, 25), NDArrayIndex.all());
        double tolerance = type == DataType.FLOAT ? FLOAT_OUTPUT : REORDERED;
        for (INDArray features : List.of(one, all, five, one, all, five)) {
            assertMatchesGraph(model, features, tolerance, name + " " + type + " rows " + features.rows());
        }
        // Features in column-major order and in another data type are taken too.
        for (INDArray features : List.of(all, five)) {
            assertMatchesGraph(model, features.dup('f').castTo(type == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT),
                    tolerance, name + " " + type + " f-order, cast, rows " + features.rows());
        }
        Map<String, INDArray> before = model.predict(all);
        Map<String, INDArray> beforeOne = model.predict(one);
        model.fit(data.copy());
        assertMatchesGraph(model, all, tolerance, name + " " + type + " after a training step");
        assertMatchesGraph(model, one, tolerance, name + " " + type + " one row after a training step");
        assertFalse(before.get("price").equalsWithEps(model.predict(all).get("price"), 1e-3),
                name + ": the step should move the predictions");
        assertFalse(beforeOne.get("price").equalsWithEps(model.predict(one).get("price"), 1e-4),
                name + ": the step should move the one-row prediction");
        // A write into the parameters themselves (not through fit) is seen by both paths.
        model.graph().params().muli(0.9);
        assertMatchesGraph(model, one, tolerance, name + " " + type + " one row after writing the parameters");
        assertMatchesGraph(model, all, tolerance, name + " " + type + " after writing the parameters");
    }

    /** Dropout on the heads' inputs: predictions take the direct pass, without dropout, as DL4J's output does. */
    @Test
    void dropoutPredictsDirectlyWithoutDropout() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(16).dropout(0.3).seed(5)
                .tasks(TASKS.toArray(Task[]::new)).build();
        assertTrue(model.predictsDirectly(), "dropout on hidden layers is taken by the direct pass");
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 64, 3);
        model.fit(data.copy());
        INDArray features = data.getFeatures(0);
        assertMatchesGraph(model, features, FLOAT_OUTPUT, "dropout");
        assertMatchesGraph(model, features, FLOAT_OUTPUT, "dropout, again: no mask drawn");
    }

    /** Dropout on the output layers (tasks without heads): predictions take the direct pass, without dropout. */
    @Test
    void outputLayerDropoutPredictsDirectlyWithoutDropout() {
        List<Task> tasks = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", 3));
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(16).dropout(0.3).seed(5)
                .tasks(tasks.toArray(Task[]::new)).build();
        assertTrue(model.predictsDirectly(), "dropout on output layers is taken by the direct pass");
        MultiDataSet data = TestData.batch(tasks, INPUTS, 64, 3);
        model.fit(data.copy());
        INDArray features = data.getFeatures(0);
        Map<String, INDArray> predicted = model.predict(features);
        INDArray[] expected = model.graph().clone().output(false, features.castTo(model.graph().params().dataType()));
        for (int t = 0; t < tasks.size(); t++) {
            assertClose(expected[t], predicted.get(tasks.get(t).name()), FLOAT_OUTPUT, "output dropout task " + tasks.get(t).name());
        }
    }

    private static void assertMatchesGraph(MultiTaskModel model, INDArray features, double tolerance, String what) {
        Map<String, INDArray> predicted = model.predict(features);
        // A clone of the graph, so the reference does not run the model's own (direct) path.
        INDArray[] expected = model.graph().clone().output(false, features.castTo(model.graph().params().dataType()));
        for (int t = 0; t < TASKS.size(); t++) {
            assertClose(expected[t], predicted.get(TASKS.get(t).name()), tolerance, what + " task " + TASKS.get(t).name());
        }
    }
}
