package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.FLOAT_REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * {@link MeanTaskLosses} through the direct step's inference-mode forward pass: each task's mean loss over its labelled
 * rows, computed here by hand from {@code graph.output} (DOUBLE) and against DL4J's {@code score} (FLOAT), on a graph
 * with dropout (which validation must not apply) and missing labels.
 */
class MeanTaskLossesTest {
    private static final List<Task> TASKS = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", 3));

    private static MultiTaskModel model(DataType type) {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(6, 5).activation(Activation.TANH).updater(new Adam(0.02)).seed(3)
                .dataType(type).dropout(0.3).tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** 40 rows; every third row's price, every fourth row's churn and every fifth row's segment missing. */
    private static MultiDataSet data(DataType type) {
        MultiDataSet data = TestData.batch(TASKS, 4, 40, 7);
        INDArray[] masks = new INDArray[TASKS.size()];
        int[] every = {3, 4, 5};
        for (int t = 0; t < masks.length; t++) {
            masks[t] = Nd4j.ones(DataType.DOUBLE, 40, 1);
            for (int r = 0; r < 40; r += every[t]) {
                masks[t].putScalar(r, 0, 0.0);
            }
        }
        INDArray[] labels = data.getLabels();
        for (int t = 0; t < labels.length; t++) {
            labels[t] = labels[t].castTo(type);
            masks[t] = masks[t].castTo(type);
        }
        return new MultiDataSet(new INDArray[] {data.getFeatures(0).castTo(type)}, labels, null, masks);
    }

    @Test
    void theMeanLossOverLabelledRowsByHandWithoutDropout() {
        MultiTaskModel model = model(DataType.DOUBLE);
        assertNotNull(DirectTrainingStep.forLibraryGraph(model.graph()), "the direct step takes this graph");
        MultiDataSet data = data(DataType.DOUBLE);
        Map<String, Double> losses = MeanTaskLosses.of(model, new InMemoryMultiDataSetIterator(data, 16));

        INDArray[] outputs = model.graph().output(false, data.getFeatures(0));
        double[] sums = new double[3];
        int[] counts = new int[3];
        for (int r = 0; r < 40; r++) {
            for (int t = 0; t < 3; t++) {
                if (data.getLabelsMaskArray(t).getDouble(r, 0) == 0.0) {
                    continue;
                }
                INDArray y = data.getLabels(t).getRow(r);
                INDArray p = outputs[t].getRow(r);
                sums[t] += switch (t) {
                    case 0 -> Math.pow(y.getDouble(0) - p.getDouble(0), 2);
                    case 1 -> -(y.getDouble(0) * Math.log(p.getDouble(0)) + (1 - y.getDouble(0)) * Math.log(1 - p.getDouble(0)));
                    default -> -Math.log(p.getDouble(y.argMax().getInt(0)));
                };
                counts[t]++;
            }
        }
        assertEquals(List.of(26, 30, 32), List.of(counts[0], counts[1], counts[2]), "labelled rows");
        for (int t = 0; t < 3; t++) {
            assertClose(sums[t] / counts[t], losses.get(TASKS.get(t).name()), REORDERED, TASKS.get(t).name());
        }
    }

    @Test
    void floatLossesAreDl4jsScoreWithinRounding() {
        MultiTaskModel model = model(DataType.FLOAT);
        MultiDataSet data = data(DataType.FLOAT);
        Map<String, Double> losses = MeanTaskLosses.of(model, new InMemoryMultiDataSetIterator(data, 16));
        Map<String, Double> weights = model.weights().asMap();

        double[] sums = new double[3];
        long[] counts = new long[3];
        for (int from = 0; from < 40; from += 16) {
            MultiDataSet batch = slice(data, from, Math.min(40, from + 16));
            LabelCoverage coverage = LabelCoverage.of(batch);
            for (int t = 0; t < 3; t++) {
                model.weights().set(TASKS.get(t).name(), coverage.factor(t));
            }
            model.graph().score(batch, false);
            double regularization = model.graph().calcRegularizationScore(true);
            for (int t = 0; t < 3; t++) {
                sums[t] += (model.graph().getOutputLayer(t).score() - (t == 0 ? regularization : 0)) * coverage.labelled(t);
                counts[t] += coverage.labelled(t);
            }
        }
        model.weights().setAll(weights);
        for (int t = 0; t < 3; t++) {
            assertClose(sums[t] / counts[t], losses.get(TASKS.get(t).name()), FLOAT_REORDERED, TASKS.get(t).name());
        }
        assertEquals(weights, model.weights().asMap(), "the task weights are put back");
    }

    private static MultiDataSet slice(MultiDataSet data, int from, int to) {
        INDArray[] labels = new INDArray[3];
        INDArray[] masks = new INDArray[3];
        for (int t = 0; t < 3; t++) {
            labels[t] = data.getLabels(t).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).dup();
            masks[t] = data.getLabelsMaskArray(t).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).dup();
        }
        return new MultiDataSet(new INDArray[] {data.getFeatures(0).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)).dup()},
                labels, null, masks);
    }
}
