package io.github.mtldl4j.benchmarks;

import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.train.DirectTrainingStep;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/** The side-by-side benchmark compares like with like: the library's graph and the hand-wired one are the same model. */
class BenchmarkModelsTest {

    @ParameterizedTest
    @EnumSource(BenchmarkModels.class)
    void libraryAndPlainGraphsAreTheSameModel(BenchmarkModels spec) {
        ComputationGraph library = spec.library(1);
        ComputationGraph plain = spec.plain(2);
        assertEquals(plain.numParams(), library.numParams(), "parameter count");
        assertEquals(spec.tasks(), library.getNumOutputArrays());
        // Same parameters, layer by layer by name (both graphs name their layers trunk_i, taskN_head_0, taskN).
        for (Layer layer : plain.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            Map<String, INDArray> table = library.getLayer(name).paramTable();
            layer.paramTable().forEach((key, value) -> value.assign(table.get(key)));
        }
        // lenet at 8 images: a 256-image convolutional step costs about a second here; the shapes do not depend on it.
        MultiDataSet batch = spec == BenchmarkModels.LENET ? spec.batch(3, 8) : spec.batch(3);
        assertEquals(spec == BenchmarkModels.LENET ? 8 : spec.batchSize(), batch.getFeatures(0).size(0));
        // Same parameters, same layers, same operations (a task weight of 1 multiplies exactly): bit for bit.
        INDArray[] expected = plain.output(batch.getFeatures(0));
        INDArray[] actual = library.output(batch.getFeatures(0));
        for (int t = 0; t < expected.length; t++) {
            assertIdentical(expected[t], actual[t], "output " + t);
        }
        assertIdentical(plain.score(batch), library.score(batch), "score");
        plain.fit(batch);
        library.fit(batch);
        String first = spec.taskName(0);
        assertIdentical(plain.getLayer(first).params(), library.getLayer(first).params(), first + "'s parameters after one Adam step");
        // lenet: the convolutional trunk's Adam step too, layer by layer (MMoE's experts get their gradients summed over the
        // gates in another order, so only the output layers compare bitwise across all models).
        for (Layer layer : spec == BenchmarkModels.LENET ? plain.getLayers() : new Layer[0]) {
            String name = layer.conf().getLayer().getLayerName();
            if (layer.numParams() > 0) {
                assertIdentical(layer.params(), library.getLayer(name).params(), name + "'s parameters after one Adam step");
            }
        }
    }

    /** The direct rows of the side-by-side table train the same model: three direct steps against three fit steps. */
    @ParameterizedTest
    @EnumSource(value = BenchmarkModels.class, names = "LENET", mode = EnumSource.Mode.EXCLUDE) // no direct conv step yet
    void directStepTrainsLikeFit(BenchmarkModels spec) {
        ComputationGraph direct = spec.library(4);
        ComputationGraph fitted = spec.library(4);
        DirectTrainingStep step = DirectTrainingStep.of(direct);
        MultiDataSet batch = spec.batch(5);
        for (int i = 0; i < 3; i++) {
            step.fit(batch);
            fitted.fit(batch);
            // The direct step's own GEMMs in FLOAT, then Adam steps.
            assertClose(fitted.score(), direct.score(), FLOAT_ADAM_STEPS, "score of step " + i);
        }
        assertClose(fitted.params(), direct.params(), FLOAT_ADAM_STEPS, "parameters after three Adam steps (FLOAT)");
    }
}
