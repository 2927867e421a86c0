package io.github.mtldl4j.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class PositiveWeightedBinaryXentTest {
    private static final double TOLERANCE = 1e-12;
    private static final IActivation SIGMOID = new ActivationSigmoid();

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void scoreAndGradientMatchAHandComputation() {
        double w = 3.0;
        double[] z = {0.0, 1.2, -0.7, 0.4};
        double[] y = {1, 1, 0, 0};
        INDArray labels = Nd4j.create(y, 4, 1);
        INDArray preOutput = Nd4j.create(z, 4, 1);
        PositiveWeightedBinaryXent loss = new PositiveWeightedBinaryXent(w);

        // By hand: L = -(w y log s(z) + (1 - y) log(1 - s(z))); dL/dz = w y (s - 1) + (1 - y) s.
        double sum = 0;
        INDArray scores = loss.computeScoreArray(labels, preOutput, SIGMOID, null);
        INDArray gradient = loss.computeGradient(labels, preOutput, SIGMOID, null);
        for (int i = 0; i < z.length; i++) {
            double s = sigmoid(z[i]);
            double expected = -(w * y[i] * Math.log(s) + (1 - y[i]) * Math.log(1 - s));
            assertEquals(expected, scores.getDouble(i, 0), TOLERANCE * Math.abs(expected), "score of row " + i);
            double dz = w * y[i] * (s - 1) + (1 - y[i]) * s;
            assertEquals(dz, gradient.getDouble(i, 0), TOLERANCE * Math.abs(dz) + 1e-15, "gradient of row " + i);
            sum += expected;
        }
        // The first row by hand: z = 0, y = 1: 3 ln 2 and 3 * (0.5 - 1).
        assertEquals(3 * Math.log(2), scores.getDouble(0, 0), 1e-12);
        assertEquals(-1.5, gradient.getDouble(0, 0), 1e-12);
        assertEquals(sum / 4, loss.computeScore(labels, preOutput, SIGMOID, null, true), 1e-12 * sum);
        Pair<Double, INDArray> both = loss.computeGradientAndScore(labels, preOutput, SIGMOID, null, false);
        assertEquals(sum, both.getFirst(), 1e-12 * sum);
        assertEquals(gradient, both.getSecond());
    }

    @Test
    void weightOneIsNd4jsBinaryCrossEntropyAndMaskedRowsCountNothing() {
        INDArray labels = Nd4j.create(new double[] {1, 0, 1, 0, 1}, 5, 1);
        INDArray preOutput = Nd4j.create(new double[] {2.0, -1.0, 0.3, 0.8, -2.5}, 5, 1);
        INDArray mask = Nd4j.create(new double[] {1, 1, 0, 1, 1}, 5, 1);
        ILossFunction plain = new LossBinaryXENT();
        ILossFunction one = new PositiveWeightedBinaryXent(1.0);
        assertEquals(plain.computeScore(labels, preOutput, SIGMOID, mask, false),
                one.computeScore(labels, preOutput, SIGMOID, mask, false), 1e-12);
        // LossBinaryXENT's backprop overwrites its preOutput argument (DL4J's layers pass a copy): so does this test.
        INDArray expected = plain.computeGradient(labels, preOutput.dup(), SIGMOID, mask);
        INDArray actual = one.computeGradient(labels, preOutput, SIGMOID, mask);
        for (int i = 0; i < 5; i++) {
            assertEquals(expected.getDouble(i, 0), actual.getDouble(i, 0), 1e-12, "row " + i);
        }
        assertEquals(0.0, new PositiveWeightedBinaryXent(7.0).computeGradient(labels, preOutput, SIGMOID, mask).getDouble(2, 0), 0.0);
    }

    @Test
    void roundTripsThroughJsonAndTasksCarryIt() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ILossFunction loss = new PositiveWeightedBinaryXent(4.5);
        String text = json.writeValueAsString(loss);
        assertEquals(loss, json.readValue(text, PositiveWeightedBinaryXent.class));

        Task task = Task.binary("churn").withPositiveWeight(4.5);
        assertEquals(4.5, task.positiveWeight());
        assertEquals(loss, task.loss());
        assertEquals(1.0, Task.binary("churn").positiveWeight());
        assertEquals(LossBinaryXENT.class, task.withPositiveWeight(1.0).loss().getClass());
        assertThrows(IllegalArgumentException.class, () -> Task.multiclass("kind", 3).withPositiveWeight(2.0));
        assertThrows(IllegalArgumentException.class, () -> Task.binary("churn").withPositiveWeight(0.0));
        assertThrows(IllegalArgumentException.class, () -> new PositiveWeightedBinaryXent(Double.NaN));
    }
}
