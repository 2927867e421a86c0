package io.github.mtldl4j.affinity;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.TrainingHistory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Affinity measured by the trainer against values computed by hand on a linear toy (one input, one shared unit,
 * identity activations, SGD), and the promise that measuring changes nothing about training.
 */
class AffinityMeasurementTest {
    private static final double LEARNING_RATE = 0.1;
    private static final double[] X = {1.0, -2.0, 0.5, 3.0};
    private static final double[] Y_A = {2.0, -3.0, 1.0, 5.0};
    private static final double[] Y_B = {-1.0, 4.0, 0.0, -2.5};
    private static final double[] Y_C = {1.5, -2.0, 1.0, 4.0};
    /** Shared w, b; head slope and intercept per task a, b, c. */
    private static final double W = 0.5;
    private static final double B = 0.1;
    private static final double[][] HEADS = {{2.0, 0.3}, {-1.0, 0.2}, {1.5, -0.4}};

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel toy(org.nd4j.linalg.learning.config.IUpdater updater) {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(1).sharedLayers(1).activation(Activation.IDENTITY)
                .updater(updater).dataType(DataType.DOUBLE).seed(3)
                .tasks(Task.regression("a"), Task.regression("b"), Task.regression("c")).build();
        model.graph().getParam("trunk_0_W").assign(W);
        model.graph().getParam("trunk_0_b").assign(B);
        String[] names = {"a", "b", "c"};
        for (int t = 0; t < 3; t++) {
            model.graph().getParam(names[t] + "_W").assign(HEADS[t][0]);
            model.graph().getParam(names[t] + "_b").assign(HEADS[t][1]);
        }
        return model;
    }

    private static MultiDataSet toyData() {
        INDArray x = Nd4j.create(X, new long[] {X.length, 1});
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {Nd4j.create(Y_A, new long[] {X.length, 1}),
                Nd4j.create(Y_B, new long[] {X.length, 1}), Nd4j.create(Y_C, new long[] {X.length, 1})});
    }

    /** Mean squared error of task t with shared parameters (w, b). */
    private static double loss(int t, double w, double b) {
        double[] y = t == 0 ? Y_A : t == 1 ? Y_B : Y_C;
        double sum = 0;
        for (int n = 0; n < X.length; n++) {
            double r = HEADS[t][0] * (w * X[n] + b) + HEADS[t][1] - y[n];
            sum += r * r;
        }
        return sum / X.length;
    }

    /** d loss_t / d (w, b), by hand: mean of 2 r a_t x and 2 r a_t. */
    private static double[] sharedGradient(int t, double w, double b) {
        double[] y = t == 0 ? Y_A : t == 1 ? Y_B : Y_C;
        double gw = 0;
        double gb = 0;
        for (int n = 0; n < X.length; n++) {
            double r = HEADS[t][0] * (w * X[n] + b) + HEADS[t][1] - y[n];
            gw += 2 * r * HEADS[t][0] * X[n];
            gb += 2 * r * HEADS[t][0];
        }
        return new double[] {gw / X.length, gb / X.length};
    }

    @Test
    void oneMeasurementMatchesHandComputedCosineAndLookahead() {
        MultiTaskModel model = toy(new Sgd(LEARNING_RATE));
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(1).metrics(false).affinityEvery(1).build()
                .fit(new InMemoryMultiDataSetIterator(toyData(), X.length));
        TaskAffinity affinity = history.affinity();
        assertEquals(1, affinity.measurements());
        double[][] g = new double[3][];
        for (int t = 0; t < 3; t++) {
            g[t] = sharedGradient(t, W, B);
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double cosine = (g[i][0] * g[j][0] + g[i][1] * g[j][1])
                        / Math.hypot(g[i][0], g[i][1]) / Math.hypot(g[j][0], g[j][1]);
                assertClose(cosine, affinity.gradientCosine()[i][j], REORDERED, "cosine " + i + "," + j);
                double after = loss(j, W - LEARNING_RATE * g[i][0], B - LEARNING_RATE * g[i][1]);
                double z = 1 - after / loss(j, W, B);
                assertClose(z, affinity.lookahead()[i][j], REORDERED, "Z " + i + "->" + j);
            }
        }
        assertEquals(affinity.lookahead()[0][1], affinity.lookahead("a", "b"));
        assertTrue(affinity.overheadSeconds() > 0);
    }

    @Test
    void measuringLeavesTrainingUnchangedWithAdam() {
        MultiTaskModel measured = toy(new Adam(0.05));
        MultiTaskModel plain = toy(new Adam(0.05));
        MultiDataSet data = toyData();
        TrainingHistory withAffinity = MultiTaskTrainer.builder(measured).epochs(4).metrics(false).affinityEvery(2).build()
                .fit(new InMemoryMultiDataSetIterator(data, 2, 5L));
        TrainingHistory without = MultiTaskTrainer.builder(plain).epochs(4).metrics(false).build()
                .fit(new InMemoryMultiDataSetIterator(data, 2, 5L));
        assertArrayEquals(plain.graph().params().toDoubleVector(), measured.graph().params().toDoubleVector(), 0.0);
        assertArrayEquals(plain.graph().getUpdater().getStateViewArray().toDoubleVector(),
                measured.graph().getUpdater().getStateViewArray().toDoubleVector(), 0.0);
        assertEquals(4, withAffinity.affinity().measurements(), "8 steps, every 2nd measured");
        assertEquals(1, withAffinity.epochs().get(0).affinity().measurements(), "steps 1, 3, 5, 7: one per epoch of 2 steps");
        assertNull(without.affinity());
        assertNull(without.epochs().get(0).affinity());
    }

    @Test
    void independentTowersAreRefused() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(1).sharedLayers(2).independentTowers()
                .tasks(Task.regression("a"), Task.regression("b")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MultiTaskTrainer.builder(model)
                .epochs(1).affinityEvery(1).build().fit(new InMemoryMultiDataSetIterator(
                        new MultiDataSet(new INDArray[] {Nd4j.ones(2, 1)}, new INDArray[] {Nd4j.ones(2, 1), Nd4j.ones(2, 1)}), 2)));
        assertTrue(e.getMessage().contains("shared parameters"), e.getMessage());
    }

    @Test
    void pureNoiseTaskGetsLowestAffinityAndItsOwnGroup() {
        Random random = new Random(7);
        int rows = 512;
        int inputs = 6;
        INDArray x = Nd4j.create(DataType.DOUBLE, rows, inputs);
        INDArray a = Nd4j.create(DataType.DOUBLE, rows, 1);
        INDArray b = Nd4j.create(DataType.DOUBLE, rows, 1);
        INDArray c = Nd4j.create(DataType.DOUBLE, rows, 1);
        INDArray noise = Nd4j.create(DataType.DOUBLE, rows, 1);
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < inputs; i++) {
                double v = random.nextGaussian();
                x.putScalar(r, i, v);
                s += (i + 1) * v / inputs;
            }
            a.putScalar(r, 0, s + 0.1 * random.nextGaussian());
            b.putScalar(r, 0, 0.5 * s + 0.1 * random.nextGaussian());
            c.putScalar(r, 0, Math.tanh(s) + 0.1 * random.nextGaussian());
            noise.putScalar(r, 0, random.nextGaussian());
        }
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(inputs).sharedLayers(16).updater(new Adam(0.02))
                .dataType(DataType.DOUBLE).seed(5)
                .tasks(Task.regression("a"), Task.regression("b"), Task.regression("c"), Task.regression("noise")).build();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(6).metrics(false).affinityEvery(2).build()
                .fit(new InMemoryMultiDataSetIterator(new MultiDataSet(new INDArray[] {x}, new INDArray[] {a, b, c, noise}), 64, 1L));
        TaskAffinity affinity = history.affinity();
        List<String> tasks = affinity.tasks();
        double[][] z = affinity.lookahead();
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    assertTrue(z[i][j] > z[3][j], "noise helps " + tasks.get(j) + " less than " + tasks.get(i) + " does: " + affinity.toText());
                    assertTrue(z[i][j] > z[i][3], tasks.get(i) + " helps noise less than " + tasks.get(j) + ": " + affinity.toText());
                }
            }
        }
        TaskGrouping.Partition suggested = new TaskGrouping(tasks, z).suggested();
        assertTrue(suggested.groups().contains(List.of("noise")), "noise alone in " + suggested + "\n" + affinity.toText());
    }
}
