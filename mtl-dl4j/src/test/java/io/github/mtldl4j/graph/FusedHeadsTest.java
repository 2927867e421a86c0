package io.github.mtldl4j.graph;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FRANK_WOLFE;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertCloseAsOneVector;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.TrainingHistory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.IWeightInit;
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

/**
 * Fused heads compute the same function, scores and gradients as separate heads: the separate graph's parameters,
 * copied into the fused graph (first head layers side by side), give the same outputs, scores, gradients and training.
 * The same sums in another grouping (one GEMM instead of three): {@code REORDERED} for one pass, {@code ADAM_STEPS}
 * after training, {@code FRANK_WOLFE} after training with MGDA-UB (NumericAssertions).
 */
class FusedHeadsTest {
    private static final int INPUTS = 5;
    private static final List<Task> TASKS = List.of(
            Task.regression("price", 2).withHead(4).withWeight(0.7),
            Task.binary("churn").withHead(3),
            Task.multiclass("segment", 3).withHead(5, 3),
            Task.multilabel("tags", 3).withWeight(1.3));
    /** The tasks whose first head layer is fused, in fused order. */
    private static final List<String> FUSED = List.of("price", "churn", "segment");

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 4).activation(Activation.TANH).l2(1e-3)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(7).tasks(TASKS.toArray(Task[]::new));
    }

    /** A separate-heads model and a fused one holding the same parameters. */
    private static MultiTaskModel[] twins(MultiTaskGraphBuilder builder) {
        MultiTaskModel separate = builder.copy().build();
        MultiTaskModel fused = builder.copy().fusedHeads().build();
        Map<String, INDArray> expected = asFused(separate.graph().paramTable());
        assertEquals(expected.keySet(), fused.graph().paramTable().keySet());
        expected.forEach((name, value) -> fused.graph().setParam(name, value));
        perturbOneSide(fused.graph().params());
        return new MultiTaskModel[] {separate, fused};
    }

    /** Separate-heads parameters (or gradients) under the fused graph's names: first head layers side by side. */
    private static Map<String, INDArray> asFused(Map<String, INDArray> separate) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        List<INDArray> weights = new ArrayList<>();
        List<INDArray> biases = new ArrayList<>();
        for (String task : FUSED) {
            weights.add(separate.get(VertexNames.head(task, 0) + "_W"));
            biases.add(separate.get(VertexNames.head(task, 0) + "_b"));
        }
        separate.forEach((name, value) -> {
            boolean firstHeadLayer = FUSED.stream().anyMatch(task -> name.startsWith(VertexNames.head(task, 0) + "_"));
            if (!firstHeadLayer) {
                out.put(name, value);
            }
        });
        out.put(VertexNames.FUSED_HEADS + "_W", Nd4j.hstack(weights.toArray(INDArray[]::new)));
        out.put(VertexNames.FUSED_HEADS + "_b", Nd4j.hstack(biases.toArray(INDArray[]::new)));
        return out;
    }

    private static void assertSameParameters(Map<String, INDArray> expected, Map<String, INDArray> actual, double tolerance) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, value) -> assertClose(value.reshape(actual.get(name).shape()), actual.get(name), tolerance, name));
    }

    /** 40 rows; segment labelled in every third row, tags missing in rows 8 to 15. */
    private static MultiDataSet maskedData() {
        MultiDataSet data = TestData.batch(TASKS, INPUTS, 40, 5);
        INDArray segment = Nd4j.zeros(DataType.DOUBLE, 40, 1);
        INDArray tags = Nd4j.ones(DataType.DOUBLE, 40, 1);
        for (int r = 0; r < 40; r += 3) {
            segment.putScalar(r, 0, 1);
        }
        for (int r = 8; r < 16; r++) {
            tags.putScalar(r, 0, 0);
        }
        data.setLabelsMaskArray(new INDArray[] {null, null, segment, tags});
        return data;
    }

    @Test
    void sameOutputsScoresAndGradientsAsSeparateHeads() {
        MultiTaskModel[] twins = twins(builder());
        MultiDataSet data = maskedData();
        Map<String, INDArray> a = twins[0].predict(data.getFeatures(0));
        Map<String, INDArray> b = twins[1].predict(data.getFeatures(0));
        for (Task task : TASKS) {
            assertClose(a.get(task.name()), b.get(task.name()), REORDERED, task.name());
        }
        ComputationGraph[] graphs = {twins[0].graph(), twins[1].graph()};
        for (ComputationGraph graph : graphs) {
            graph.setInputs(data.getFeatures());
            graph.setLabels(data.getLabels());
            graph.setLayerMaskArrays(null, data.getLabelsMaskArrays());
            graph.computeGradientAndScore();
        }
        assertClose(graphs[0].score(), graphs[1].score(), REORDERED, "score");
        for (int t = 0; t < TASKS.size(); t++) {
            assertClose(graphs[0].getOutputLayer(t).score(), graphs[1].getOutputLayer(t).score(), REORDERED, TASKS.get(t).name());
        }
        assertSameParameters(asFused(graphs[0].gradient().gradientForVariable()), graphs[1].gradient().gradientForVariable(),
                REORDERED);
    }

    @Test
    void trainsLikeSeparateHeadsWithFixedWeightsAndWithAnAggregator() {
        for (boolean aggregate : new boolean[] {false, true}) {
            MultiTaskModel[] twins = twins(builder());
            TrainingHistory[] histories = new TrainingHistory[2];
            for (int m = 0; m < 2; m++) {
                MultiTaskTrainer.Builder trainer = MultiTaskTrainer.builder(twins[m]).epochs(2).metrics(false);
                if (aggregate) {
                    trainer.aggregator(MgdaUb.onSharedParameters());
                }
                histories[m] = trainer.build().fit(new InMemoryMultiDataSetIterator(maskedData(), 8));
            }
            // Adam, 10 steps; with MGDA-UB, Frank-Wolfe may stop at other iterates (its bound is on the whole gradient).
            double tolerance = aggregate ? FRANK_WOLFE : ADAM_STEPS;
            if (aggregate) {
                assertCloseAsOneVector(asFused(twins[0].graph().paramTable()), twins[1].graph().paramTable(), tolerance, "parameters");
            } else {
                assertSameParameters(asFused(twins[0].graph().paramTable()), twins[1].graph().paramTable(), tolerance);
            }
            for (int e = 0; e < 2; e++) {
                for (Task task : TASKS) {
                    assertClose(histories[0].epochs().get(e).task(task.name()).trainLoss(),
                            histories[1].epochs().get(e).task(task.name()).trainLoss(), tolerance,
                            "aggregate " + aggregate + " epoch " + e + " " + task.name());
                }
            }
        }
    }

    @Test
    void passesTheGradientCheck() {
        ComputationGraph graph = builder().updater(new NoOp()).l2(0).fusedHeads().build().graph();
        MultiDataSet data = maskedData();
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(data.getFeatures()).labels(data.getLabels()).labelMask(data.getLabelsMaskArrays())
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
    }

    @Test
    void saveLoadKeepsPredictionsAndEachTaskCountsItsOwnBlock() throws IOException {
        MultiTaskModel[] twins = twins(builder());
        Path file = dir.resolve("fused.zip");
        twins[1].save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        assertEquals(twins[1].layout(), loaded.layout());
        INDArray features = maskedData().getFeatures(0);
        assertIdentical(twins[1].predict(features), loaded.predict(features), "predictions");
        assertEquals(twins[0].parameterCounts(), loaded.parameterCounts());
    }

    @Test
    void blocksAreInitializedWithTheirOwnFanOut() {
        List<Double> fanOuts = new ArrayList<>();
        IWeightInit recording = (fanIn, fanOut, shape, order, view) -> {
            fanOuts.add(fanOut);
            view.assign(fanOut);
            return view;
        };
        INDArray view = Nd4j.create(DataType.DOUBLE, 1, 2 * (3 + 1));
        new FusedHeadsWeightInit(recording, new int[] {3, 1}).init(2, 4, new long[] {2, 4}, 'f', view);
        assertEquals(List.of(3.0, 1.0), fanOuts);
        // Column-major [2, 4]: columns 0-2 are the first block, column 3 the second.
        assertEquals(Nd4j.create(new double[][] {{3, 3, 3, 1}, {3, 3, 3, 1}}), view.reshape('f', 2, 4));
    }

    @Test
    void refusedWithoutTwoHeadsOnOneRepresentation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().independentTowers().fusedHeads().build());
        assertTrue(e.getMessage().contains("fusedHeads()"), e.getMessage());
    }
}
