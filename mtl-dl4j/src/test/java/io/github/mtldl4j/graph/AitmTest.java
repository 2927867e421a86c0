package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.loss.FunnelCalibratorLoss;
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
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/** AITM: the attention and the calibrator by hand, gradient checks, training on a synthetic funnel, save/load, refusals. */
class AitmTest {
    private static final double EPSILON = 1e-6;
    private static final double MAX_RELATIVE_ERROR = 1e-5;
    private static final double MIN_ABSOLUTE_ERROR = 1e-9;
    private static final int INPUTS = 4;
    private static final double ALPHA = 0.6;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder funnel(Aitm aitm, String... stages) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).activation(Activation.TANH)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(7).sharing(aitm);
        for (String stage : stages) {
            builder.task(Task.binary(stage).withHead(3));
        }
        return builder;
    }

    /** Clicks on ~20 % of rows, conversions on ~10 % of clicks; labels "reached the stage". */
    private static MultiDataSet syntheticFunnel(int rows, long seed) {
        Random random = new Random(seed);
        INDArray x = Nd4j.create(DataType.DOUBLE, rows, INPUTS);
        INDArray click = Nd4j.zeros(DataType.DOUBLE, rows, 1);
        INDArray conversion = Nd4j.zeros(DataType.DOUBLE, rows, 1);
        for (int r = 0; r < rows; r++) {
            double[] f = new double[INPUTS];
            for (int c = 0; c < INPUTS; c++) {
                f[c] = random.nextGaussian();
                x.putScalar(r, c, f[c]);
            }
            boolean clicked = random.nextDouble() < sigmoid(-1.6 + 0.8 * f[0]);
            boolean converted = clicked && random.nextDouble() < sigmoid(-2.4 + 0.8 * f[1]);
            click.putScalar(r, 0, clicked ? 1 : 0);
            conversion.putScalar(r, 0, converted ? 1 : 0);
        }
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {click, conversion});
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double[][] matrix(MultiTaskModel model, String layer, String param) {
        INDArray w = model.graph().getLayer(layer).getParam(param);
        double[][] m = new double[(int) w.rows()][(int) w.columns()];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = w.getDouble(i, j);
            }
        }
        return m;
    }

    private static double[] times(double[] x, double[][] w) {
        double[] out = new double[w[0].length];
        for (int j = 0; j < out.length; j++) {
            for (int i = 0; i < x.length; i++) {
                out[j] += x[i] * w[i][j];
            }
        }
        return out;
    }

    /** One dense layer in Java doubles from the layer's parameters: act(x W + b). */
    private static double[] dense(double[] x, MultiTaskModel model, String layer, boolean sigmoid) {
        double[] z = times(x, matrix(model, layer, "W"));
        INDArray b = model.graph().getLayer(layer).getParam("b");
        for (int j = 0; j < z.length; j++) {
            z[j] += b.getDouble(0, j);
            z[j] = sigmoid ? sigmoid(z[j]) : Math.tanh(z[j]);
        }
        return z;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The paper's eq. for the AIT module over u in {q, p}: returns {z..., w_q, w_p}. */
    private static double[] attention(double[] q, double[] p, double[][] wq, double[][] wk, double[][] wv) {
        double sq = dot(times(q, wq), times(q, wk)) / Math.sqrt(q.length);
        double sp = dot(times(p, wq), times(p, wk)) / Math.sqrt(q.length);
        double wQ = Math.exp(sq) / (Math.exp(sq) + Math.exp(sp));
        double wP = Math.exp(sp) / (Math.exp(sq) + Math.exp(sp));
        double[] vq = times(q, wv);
        double[] vp = times(p, wv);
        double[] out = new double[q.length + 2];
        for (int j = 0; j < q.length; j++) {
            out[j] = wQ * vq[j] + wP * vp[j];
        }
        out[q.length] = wQ;
        out[q.length + 1] = wP;
        return out;
    }

    @Test
    void attentionOfATinyInputByHand() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).dataType(DataType.DOUBLE).sharing(new Aitm())
                .task(Task.binary("click").withHead(2)).task(Task.binary("conversion").withHead(2)).build();
        AdaptiveInformationTransfer ait = (AdaptiveInformationTransfer) model.graph().getLayer("conversion_ait");
        ait.getParam("WQ").assign(Nd4j.eye(2));
        ait.getParam("WK").assign(Nd4j.eye(2));
        ait.getParam("WV").assign(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}));
        // q = [1, 0], p = [0, 2]: s_q = 1 / sqrt 2, s_p = 4 / sqrt 2; w_q = 1 / (1 + e^(3 / sqrt 2)) = 1 / 9.342131 = 0.1070418;
        // V_q = [1, 2], V_p = [6, 8]; z = [6 - 5 w_q, 8 - 6 w_q] = [5.464791, 7.357749]
        INDArray in = Nd4j.createFromArray(new double[][] {{1, 0, 0, 2}});
        INDArray z = ait.activate(in, false, LayerWorkspaceMgr.noWorkspaces());
        double wq = 1 / (1 + Math.exp(3 / Math.sqrt(2)));
        assertClose(0.1070418, wq, 1e-6, "w_q by hand");
        assertClose(new double[] {wq + 6 * (1 - wq), 2 * wq + 8 * (1 - wq)}, z.toDoubleVector(), REORDERED, "z");
        assertClose(new double[] {5.464791, 7.357749}, z.toDoubleVector(), 1e-6, "z by hand");
        assertClose(new double[] {wq, 1 - wq}, ait.attentionWeights(in).toDoubleVector(), REORDERED, "attention weights");
    }

    @Test
    void calibratorOfATinyInputByHand() {
        FunnelCalibratorLoss loss = new FunnelCalibratorLoss(new LossBinaryXENT(), ALPHA);
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}});
        // [y_t, y_{t-1}]: below, above by 0.4, above by 0.5
        INDArray predicted = Nd4j.createFromArray(new double[][] {{0.3, 0.5}, {0.6, 0.2}, {0.9, 0.4}});
        double[] expected = {-Math.log(0.3), -Math.log(0.4) + ALPHA * 0.4, -Math.log(0.9) + ALPHA * 0.5};
        INDArray scores = loss.computeScoreArray(labels, predicted, new ActivationIdentity(), null);
        assertClose(expected, scores.reshape(3).toDoubleVector(), 1e-12, "per-row score");
        assertClose((expected[0] + expected[1] + expected[2]) / 3,
                loss.computeScore(labels, predicted, new ActivationIdentity(), null, true), 1e-12, "mean score");
        INDArray gradient = loss.computeGradient(labels, predicted, new ActivationIdentity(), null);
        // d BCE / dp = (p - y) / (p (1 - p)); the calibrator adds +alpha to y_t and -alpha to y_{t-1} where active
        double[][] expectedGradient = {{(0.3 - 1) / (0.3 * 0.7), 0}, {0.6 / (0.6 * 0.4) + ALPHA, -ALPHA},
                {(0.9 - 1) / (0.9 * 0.1) + ALPHA, -ALPHA}};
        for (int r = 0; r < 3; r++) {
            assertClose(expectedGradient[r], gradient.getRow(r).toDoubleVector(), 1e-9, "gradient row " + r);
        }
        INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}});
        INDArray masked = loss.computeScoreArray(labels, predicted, new ActivationIdentity(), mask);
        assertClose(new double[] {expected[0], 0, expected[2]}, masked.reshape(3).toDoubleVector(), 1e-12, "masked row");
        assertClose(new double[] {0, 0}, loss.computeGradient(labels, predicted, new ActivationIdentity(), mask).getRow(1)
                .toDoubleVector(), 0, "masked gradient");
    }

    @Test
    void calibratorGradientMatchesFiniteDifferences() {
        FunnelCalibratorLoss loss = new FunnelCalibratorLoss(new LossBinaryXENT(), ALPHA);
        INDArray labels = Nd4j.createFromArray(new double[][] {{1}, {0}, {1}, {0}});
        INDArray predicted = Nd4j.createFromArray(new double[][] {{0.3, 0.5}, {0.6, 0.2}, {0.9, 0.4}, {0.15, 0.1}});
        INDArray gradient = loss.computeGradient(labels, predicted, new ActivationIdentity(), null);
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 2; c++) {
                INDArray plus = predicted.dup();
                plus.putScalar(r, c, predicted.getDouble(r, c) + EPSILON);
                INDArray minus = predicted.dup();
                minus.putScalar(r, c, predicted.getDouble(r, c) - EPSILON);
                double numeric = (loss.computeScore(labels, plus, new ActivationIdentity(), null, false)
                        - loss.computeScore(labels, minus, new ActivationIdentity(), null, false)) / (2 * EPSILON);
                assertClose(numeric, gradient.getDouble(r, c), MAX_RELATIVE_ERROR, "d/d[" + r + "," + c + "]");
            }
        }
    }

    @Test
    void outputsAndScoreComputedFromTheParameters() {
        MultiTaskModel model = funnel(new Aitm(), "click", "conversion").build();
        MultiDataSet data = syntheticFunnel(6, 3);
        INDArray x = data.getFeatures(0);
        Map<String, INDArray> predicted = model.predict(x);
        double expectedScore = 0;
        for (int r = 0; r < 6; r++) {
            double[] shared = dense(x.getRow(r).toDoubleVector(), model, "trunk_0", false);
            double[] q0 = dense(shared, model, "click_head_0", false);
            double[] q1 = dense(shared, model, "conversion_head_0", false);
            double[] p0 = dense(q0, model, "conversion_transfer", false);
            double[] ait = attention(q1, p0, matrix(model, "conversion_ait", "WQ"), matrix(model, "conversion_ait", "WK"),
                    matrix(model, "conversion_ait", "WV"));
            double ctr = dense(q0, model, "click_pred", true)[0];
            double cvr = dense(java.util.Arrays.copyOf(ait, 3), model, "conversion_pred", true)[0];
            assertClose(ctr, predicted.get("click").getDouble(r, 0), REORDERED, "click row " + r);
            assertClose(cvr, predicted.get("conversion").getDouble(r, 0), REORDERED, "conversion row " + r);
            double y0 = data.getLabels(0).getDouble(r, 0);
            double y1 = data.getLabels(1).getDouble(r, 0);
            expectedScore += -(y0 * Math.log(ctr) + (1 - y0) * Math.log(1 - ctr))
                    - (y1 * Math.log(cvr) + (1 - y1) * Math.log(1 - cvr)) + ALPHA * Math.max(cvr - ctr, 0);
        }
        model.graph().setInputs(data.getFeatures());
        model.graph().setLabels(data.getLabels());
        model.graph().computeGradientAndScore();
        assertClose(expectedScore / 6, model.graph().score(), REORDERED, "score = BCEs + alpha * calibrator, per row");
    }

    @Test
    void gradientCheckOfAThreeStageFunnel() {
        MultiTaskModel model = funnel(new Aitm(), "click", "cart", "buy").build();
        MultiDataSet two = syntheticFunnel(8, 11);
        INDArray buy = two.getLabels(1).dup();
        buy.putScalar(0, 0, 1.0);
        MultiDataSet data = new MultiDataSet(two.getFeatures(), new INDArray[] {two.getLabels(0), two.getLabels(1), buy});
        // the calibrator must be active on some rows for its gradient to be checked
        model.graph().output(data.getFeatures());
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(model.graph())
                .inputs(data.getFeatures()).labels(data.getLabels())
                .epsilon(EPSILON).maxRelError(MAX_RELATIVE_ERROR).minAbsoluteError(MIN_ABSOLUTE_ERROR)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
    }

    @Test
    void trainsOnASyntheticFunnelThroughFitAndRoundTripsThroughJsonSaveAndLoad() throws IOException {
        MultiTaskModel model = funnel(Aitm.withCalibratorWeight(0.3), "click", "conversion").updater(new Adam(1e-2))
                .dataType(DataType.FLOAT).build();
        assertTrue(DirectTrainingStep.unsupportedReason(model.graph()).orElseThrow().contains("conversion_ait"),
                DirectTrainingStep.unsupportedReason(model.graph()).orElseThrow());
        ComputationGraphConfiguration conf = model.graph().getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()), "JSON round trip");
        MultiDataSet data = syntheticFunnel(400, 5);
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(3).metrics(false).seed(1).build()
                .fit(new InMemoryMultiDataSetIterator(data.copy(), 50, 9L));
        EpochReport first = history.epochs().get(0);
        EpochReport last = history.epochs().get(history.epochs().size() - 1);
        for (String task : model.taskNames()) {
            assertTrue(Double.isFinite(last.task(task).trainLoss()), task + " loss " + last.task(task).trainLoss());
            assertTrue(last.task(task).trainLoss() < first.task(task).trainLoss(), task + " loss decreases");
        }
        Path file = dir.resolve("aitm.zip");
        model.save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        assertEquals(Aitm.NAME, loaded.layout().sharing());
        INDArray x = data.getFeatures(0).get(NDArrayIndex.interval(0, 20)).castTo(DataType.FLOAT);
        assertIdentical(model.predict(x), loaded.predict(x), "predictions after load");
        assertEquals(1, model.predict(x).get("conversion").columns(), "one column per stage");
    }

    @Test
    void refusesWhatIsNotABinaryFunnel() {
        String one = assertThrows(IllegalArgumentException.class, () -> funnel(new Aitm(), "click").build()).getMessage();
        assertTrue(one.startsWith("AITM needs a funnel of at least two binary tasks"), one);
        String regression = assertThrows(IllegalArgumentException.class,
                () -> funnel(new Aitm(), "click").task(Task.regression("revenue")).build()).getMessage();
        assertTrue(regression.contains("task 'revenue' is REGRESSION"), regression);
        String cascade = assertThrows(IllegalArgumentException.class,
                () -> funnel(new Aitm(), "click", "conversion").cascade("conversion", "click").build()).getMessage();
        assertTrue(cascade.startsWith("AITM links its tasks as a funnel"), cascade);
        String alpha = assertThrows(IllegalArgumentException.class, () -> Aitm.withCalibratorWeight(-1)).getMessage();
        assertTrue(alpha.contains("received -1.0"), alpha);
        assertEquals(0.6, new Aitm().calibratorWeight());
    }
}
