package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** The Gram matrix handed to a representation-gradient aggregator (MGDA-UB) is that of dL_t/dZ, worked out by hand. */
class RepresentationGradientTest {
    private static final List<Task> TASKS = List.of(Task.regression("a", 2), Task.regression("b", 3).withWeight(2.0));
    private static final int ROWS = 6;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).activation(Activation.TANH).updater(new Sgd(0.1))
                .dataType(DataType.DOUBLE).tasks(TASKS.toArray(Task[]::new));
    }

    /** Records the Gram matrix it is given and answers equal coefficients. */
    private static final class Recording implements GradientAggregator {
        final List<double[][]> grams = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public double[] coefficients(double[][] gram, Random random) {
            grams.add(gram);
            return new double[] {1, 1};
        }

        @Override
        public boolean usesRepresentationGradients() {
            return true;
        }
    }

    /** dMSE/dZ for an identity output layer reading Z: (2/m)(yhat - y) W^T, per row, over the batch. */
    private static INDArray expectedRepresentationGradient(MultiTaskModel model, MultiDataSet data, int task) {
        String name = TASKS.get(task).name();
        INDArray predicted = model.predict(data.getFeatures(0)).get(name);
        INDArray w = model.graph().getParam(name + "_W");
        double m = TASKS.get(task).width();
        return predicted.sub(data.getLabels(task)).mul(2.0 / m).mmul(w.transpose());
    }

    @Test
    void gramOfRepresentationGradientsMatchesTheHandDerivedGradients() {
        MultiTaskModel model = builder().representationTap().build();
        MultiDataSet data = TestData.batch(TASKS, 4, ROWS, 3);
        INDArray ga = expectedRepresentationGradient(model, data, 0);
        INDArray gb = expectedRepresentationGradient(model, data, 1);
        double[] w = {1.0, 2.0};
        // Mean-loss gradients: (sum over rows)/N, weighted by the task weights.
        INDArray[] g = {ga.div(ROWS).mul(w[0]), gb.div(ROWS).mul(w[1])};

        Recording recording = new Recording();
        MultiTaskTrainer.builder(model).epochs(1).aggregator(recording).build().fit(new InMemoryMultiDataSetIterator(data, ROWS));

        double[][] gram = recording.grams.get(0);
        double[] expected = new double[4];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                expected[2 * i + j] = g[i].mul(g[j]).sumNumber().doubleValue();
            }
        }
        assertClose(expected, new double[] {gram[0][0], gram[0][1], gram[1][0], gram[1][1]}, REORDERED, "Gram matrix");
    }

    @Test
    void tapChangesNoValue() {
        MultiDataSet data = TestData.batch(TASKS, 4, ROWS, 3);
        MultiTaskModel tapped = builder().representationTap().build();
        MultiTaskModel plain = builder().build();
        assertEquals(plain.graph().numParams(), tapped.graph().numParams());
        // The tap is an identity vertex: the same operations, bit for bit.
        assertIdentical(plain.graph().params(), tapped.graph().params(), "initial parameters");
        assertIdentical(plain.predict(data.getFeatures(0)), tapped.predict(data.getFeatures(0)), "predictions");
        plain.fit(data);
        tapped.fit(data);
        assertIdentical(plain.graph().params(), tapped.graph().params(), "parameters after a step");
    }

    @Test
    void representationAggregatorWithoutTapIsRefusedClearly() {
        MultiTaskModel model = builder().build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MultiTaskTrainer.builder(model)
                .aggregator(new Recording()).build().fit(new InMemoryMultiDataSetIterator(TestData.batch(TASKS, 4, ROWS, 3), ROWS)));
        assertTrue(e.getMessage().contains("representationTap()"), e.getMessage());
    }
}
