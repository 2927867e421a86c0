package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.DirectTrainingStep;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.TrainingHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

/** ESMM: the funnel product computed by hand, gradients, training on a synthetic funnel, save/load and refusals. */
class EsmmTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    private static final int INPUTS = 4;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder funnel(String... stages) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(7).sharing(new Esmm());
        for (String stage : stages) {
            builder.task(Task.binary(stage).withHead(3));
        }
        return builder;
    }

    /**
     * Impressions with clicks on ~20 % of rows and conversions on ~10 % of clicks, both driven by the features; the
     * labels are "reached the stage": click, and click AND conversion.
     */
    private static MultiDataSet syntheticFunnel(int rows, long seed) {
        Random random = new Random(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, rows, INPUTS);
        INDArray click = Nd4j.zeros(DataType.DOUBLE, rows, 1);
        INDArray clickAndConversion = Nd4j.zeros(DataType.DOUBLE, rows, 1);
        for (int r = 0; r < rows; r++) {
            double[] f = new double[INPUTS];
            for (int c = 0; c < INPUTS; c++) {
                f[c] = random.nextGaussian();
                x.putScalar(r, c, f[c]);
            }
            boolean clicked = random.nextDouble() < sigmoid(-1.6 + 0.8 * f[0]);
            boolean converted = clicked && random.nextDouble() < sigmoid(-2.4 + 0.8 * f[1]);
            click.putScalar(r, 0, clicked ? 1 : 0);
            clickAndConversion.putScalar(r, 0, converted ? 1 : 0);
        }
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {click, clickAndConversion});
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** One dense layer in Java doubles from the layer's parameters: act(x W + b). */
    private static double[] dense(double[] x, MultiTaskModel model, String layer, boolean sigmoid) {
        INDArray w = model.graph().getLayer(layer).getParam("W");
        INDArray b = model.graph().getLayer(layer).getParam("b");
        double[] out = new double[(int) w.columns()];
        for (int j = 0; j < out.length; j++) {
            double z = b.getDouble(0, j);
            for (int i = 0; i < x.length; i++) {
                z += x[i] * w.getDouble(i, j);
            }
            out[j] = sigmoid ? sigmoid(z) : Math.tanh(z);
        }
        return out;
    }

    @Test
    void outputsArePctrAndItsProductWithPcvrComputedFromTheParameters() {
        MultiTaskModel model = funnel("click", "conversion").build();
        INDArray x = syntheticFunnel(6, 3).getFeatures(0);
        Map<String, INDArray> predicted = model.predict(x);
        INDArray pcvr = Esmm.stageProbability(model, "conversion", x);
        for (int r = 0; r < 6; r++) {
            double[] shared = dense(x.getRow(r).toDoubleVector(), model, "trunk_0", false);
            double ctr = dense(dense(shared, model, "click_head_0", false), model, "click_pred", true)[0];
            double cvr = dense(dense(shared, model, "conversion_head_0", false), model, "conversion_pred", true)[0];
            assertClose(ctr, predicted.get("click").getDouble(r, 0), REORDERED, "pCTR row " + r);
            assertClose(cvr, pcvr.getDouble(r, 0), REORDERED, "pCVR row " + r);
            assertClose(ctr * cvr, predicted.get("conversion").getDouble(r, 0), REORDERED, "pCTCVR row " + r);
            assertTrue(predicted.get("conversion").getDouble(r, 0) <= predicted.get("click").getDouble(r, 0),
                    "pCTCVR <= pCTR");
        }
        assertIdentical(predicted.get("click"), Esmm.stageProbability(model, "click", x), "stage 0 is its own product");
    }

    @Test
    void gradientCheckOfAThreeStageFunnel() {
        MultiTaskModel model = funnel("click", "cart", "buy").build();
        MultiDataSet two = syntheticFunnel(8, 11);
        INDArray buy = two.getLabels(1).dup();
        buy.putScalar(0, 0, 1.0);
        MultiDataSet data = new MultiDataSet(two.getFeatures(), new INDArray[] {two.getLabels(0), two.getLabels(1), buy});
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(model.graph())
                .inputs(data.getFeatures()).labels(data.getLabels())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
    }

    @Test
    void trainsOnASyntheticFunnelThroughFitAndRoundTripsThroughSaveAndLoad() throws IOException {
        MultiTaskModel model = funnel("click", "conversion").updater(new Adam(1e-2)).dataType(DataType.FLOAT).build();
        assertEquals("vertex 'conversion_funnel' is a ElementWiseVertex; dense, output, loss and cross-stitch layers, subset, "
                        + "merge, gated-sum and identity vertices are supported",
                DirectTrainingStep.unsupportedReason(model.graph()).orElseThrow());
        MultiDataSet data = syntheticFunnel(400, 5);
        double clicks = data.getLabels(0).sumNumber().doubleValue();
        double conversions = data.getLabels(1).sumNumber().doubleValue();
        assertTrue(clicks > 50 && clicks < 110, "about 20 % clicks: " + clicks);
        assertTrue(conversions >= 2 && conversions < 20, "about 10 % of clicks convert: " + conversions);
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(3).metrics(false).seed(1).build()
                .fit(new InMemoryMultiDataSetIterator(data.copy(), 50, 9L));
        EpochReport first = history.epochs().get(0);
        EpochReport last = history.epochs().get(history.epochs().size() - 1);
        for (String task : model.taskNames()) {
            assertTrue(Double.isFinite(last.task(task).trainLoss()), task + " loss " + last.task(task).trainLoss());
            assertTrue(last.task(task).trainLoss() < first.task(task).trainLoss(), task + " loss decreases");
        }

        Path file = dir.resolve("esmm.zip");
        model.save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        assertEquals(Esmm.NAME, loaded.layout().sharing());
        INDArray x = data.getFeatures(0).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 20)).castTo(DataType.FLOAT);
        assertIdentical(model.predict(x), loaded.predict(x), "predictions after load");
        assertIdentical(Esmm.stageProbability(model, "conversion", x), Esmm.stageProbability(loaded, "conversion", x),
                "pCVR after load");
    }

    @Test
    void refusesWhatIsNotABinaryFunnel() {
        String one = assertThrows(IllegalArgumentException.class, () -> funnel("click").build()).getMessage();
        assertTrue(one.startsWith("ESMM needs a funnel of at least two binary tasks"), one);
        String regression = assertThrows(IllegalArgumentException.class,
                () -> funnel("click").task(Task.regression("revenue")).build()).getMessage();
        assertTrue(regression.contains("task 'revenue' is REGRESSION"), regression);
        String cascade = assertThrows(IllegalArgumentException.class,
                () -> funnel("click", "conversion").cascade("conversion", "click").build()).getMessage();
        assertTrue(cascade.startsWith("ESMM links its tasks as a funnel"), cascade);
        MultiTaskModel hard = funnel("click", "conversion").hardSharing().build();
        assertThrows(IllegalArgumentException.class, () -> Esmm.stageProbability(hard, "click", Nd4j.zeros(1, INPUTS)));
    }
}
