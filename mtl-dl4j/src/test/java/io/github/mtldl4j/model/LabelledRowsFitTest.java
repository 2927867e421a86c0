package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

/** {@code MultiTaskModel.fit} counts missing labels as the trainer does: each task's loss a mean over its labelled rows. */
class LabelledRowsFitTest {
    private static final List<Task> TASKS = List.of(Task.regression("price", 2), Task.multiclass("segment", 3).withWeight(0.5));
    private static final int ROWS = 8;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model(IUpdater updater) {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).activation(Activation.TANH).updater(updater)
                .dataType(DataType.DOUBLE).seed(11).tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** Rows 1 and 6 without a segment label (mask 0, label 0). */
    private static MultiDataSet masked(long seed) {
        MultiDataSet data = TestData.batch(TASKS, 4, ROWS, seed);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
        for (int row : new int[] {1, 6}) {
            mask.putScalar(row, 0, 0.0);
            data.getLabels(1).getRow(row).assign(0.0);
        }
        data.setLabelsMaskArray(new INDArray[] {Nd4j.ones(DataType.DOUBLE, ROWS, 1), mask});
        return data;
    }

    @Test
    void aMaskedTaskTrainsAsPlainFitWithItsWeightTimesRowsOverLabelledRows() {
        MultiTaskModel model = model(new Sgd(0.1));
        MultiTaskModel reference = model(new Sgd(0.1));
        MultiDataSet batch = masked(3);
        // By hand: 8 rows, 6 with a segment label, so plain DL4J with segment's weight 0.5 * 8/6.
        reference.weights().set("segment", 0.5 * (8.0 / 6));
        reference.graph().fit(batch);
        model.fit(batch);
        assertClose(reference.graph().params(), model.graph().params(), REORDERED, "parameters after one step");
        assertEquals(0.5, model.weights().get("segment"), "the weight is put back after the step");
        assertEquals(1.0, model.weights().get("price"));
    }

    @Test
    void theReportedLossIsTheMeanOverLabelledRows() {
        MultiTaskModel model = model(new NoOp());
        MultiDataSet batch = masked(4);
        INDArray probabilities = model.predict(batch.getFeatures(0)).get("segment");
        double sum = 0;
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < 3; c++) {
                sum -= batch.getLabels(1).getDouble(r, c) * Math.log(probabilities.getDouble(r, c));
            }
        }
        model.fit(batch);
        // Rows 1 and 6 have all-zero labels, so they add nothing to the sum; the mean is over the 6 labelled rows.
        assertClose(sum / 6, model.lastLosses().unweighted().get("segment"), REORDERED, "segment loss by hand");
    }

    @Test
    void aBatchWithoutAnyLabelTrainsNothing() {
        MultiTaskModel model = model(new Sgd(0.1));
        MultiDataSet batch = TestData.batch(TASKS, 4, ROWS, 5);
        batch.setLabelsMaskArray(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, ROWS, 1), Nd4j.zeros(DataType.DOUBLE, ROWS, 1)});
        INDArray before = model.graph().params().dup();
        model.fit(batch);
        assertIdentical(before, model.graph().params(), "parameters");
        assertEquals(0, model.graph().getIterationCount());
    }

    @Test
    void anEpochOverAnIteratorStepsAsFitOnEachBatch() {
        MultiDataSet unlabelled = TestData.batch(TASKS, 4, ROWS, 9);
        unlabelled.setLabelsMaskArray(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, ROWS, 1), Nd4j.zeros(DataType.DOUBLE, ROWS, 1)});
        MultiDataSet labelled = TestData.batch(TASKS, 4, ROWS, 8);
        labelled.setLabelsMaskArray(new INDArray[] {Nd4j.ones(DataType.DOUBLE, ROWS, 1), Nd4j.ones(DataType.DOUBLE, ROWS, 1)});
        List<MultiDataSet> batches = List.of(masked(6), unlabelled, masked(7), labelled);
        MultiTaskModel perBatch = model(new Sgd(0.1));
        batches.forEach(perBatch::fit);
        MultiTaskModel epoch = model(new Sgd(0.1));
        epoch.fit(new Batches(batches));
        assertIdentical(perBatch.graph().params(), epoch.graph().params(), "parameters after the epoch");
        assertEquals(3, epoch.graph().getIterationCount(), "the batch without labels is skipped");
        assertEquals(0.5, epoch.weights().get("segment"));
    }

    /** The given batches as they are, masks included. */
    private static final class Batches implements MultiDataSetIterator {
        private final List<MultiDataSet> batches;
        private int next;

        Batches(List<MultiDataSet> batches) {
            this.batches = batches;
        }

        @Override
        public boolean hasNext() {
            return next < batches.size();
        }

        @Override
        public MultiDataSet next() {
            return batches.get(next++);
        }

        @Override
        public MultiDataSet next(int num) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            next = 0;
        }
    }
}
