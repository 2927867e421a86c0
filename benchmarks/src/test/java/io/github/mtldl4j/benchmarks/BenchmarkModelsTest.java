package io.github.mtldl4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
        MultiDataSet batch = spec.batch(3);
        assertEquals(spec.batchSize(), batch.getFeatures(0).size(0));
        INDArray[] expected = plain.output(batch.getFeatures(0));
        INDArray[] actual = library.output(batch.getFeatures(0));
        for (int t = 0; t < expected.length; t++) {
            assertArrayEquals(expected[t].ravel().toFloatVector(), actual[t].ravel().toFloatVector(), 1e-5f, "output " + t);
        }
        assertEquals(plain.score(batch), library.score(batch), 1e-4 * Math.abs(plain.score(batch)), "score");
        plain.fit(batch);
        library.fit(batch);
        assertArrayEquals(plain.getLayer("task1").params().ravel().toFloatVector(), library.getLayer("task1").params().ravel().toFloatVector(),
                1e-5f, "task1's parameters after one Adam step");
    }

    /** The direct rows of the side-by-side table train the same model: three direct steps against three fit steps. */
    @ParameterizedTest
    @EnumSource(BenchmarkModels.class)
    void directStepTrainsLikeFit(BenchmarkModels spec) {
        ComputationGraph direct = spec.library(4);
        ComputationGraph fitted = spec.library(4);
        DirectTrainingStep step = DirectTrainingStep.of(direct);
        MultiDataSet batch = spec.batch(5);
        for (int i = 0; i < 3; i++) {
            step.fit(batch);
            fitted.fit(batch);
            assertEquals(fitted.score(), direct.score(), 1e-4 * Math.abs(fitted.score()), "score of step " + i);
        }
        assertArrayEquals(fitted.params().ravel().toFloatVector(), direct.params().ravel().toFloatVector(), 1e-5f,
                "parameters after three Adam steps (FLOAT)");
    }
}
