package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidLabelsException;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** The trainer checks the labels of its first pass over the training iterator and leaves a refused model untouched. */
class TrainerLabelCheckTest {
    private static final List<Task> TASKS = List.of(Task.regression("price"), Task.multiclass("segment", 3));
    private static final int BAD_ROW = 4;

    private static MultiTaskModel model() {
        return MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(1)
                .tasks(TASKS.toArray(Task[]::new)).build();
    }

    /** 6 rows in batches of 3; row BAD_ROW (row 1 of batch 1) has no segment class, masked or not. */
    private static MultiDataSet data(boolean masked) {
        MultiDataSet data = TestData.batch(TASKS, 3, 6, 2);
        data.getLabels(1).getRow(BAD_ROW).assign(0);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, 6, 1);
        if (masked) {
            mask.putScalar(BAD_ROW, 0, 0);
        }
        data.setLabelsMaskArray(new INDArray[] {null, mask});
        return data;
    }

    @Test
    void aBadBatchInTheFirstPassIsRefusedAndTheModelPutBack() {
        MultiTaskModel model = model();
        INDArray before = model.graph().params().dup();
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class, () -> MultiTaskTrainer.builder(model).epochs(2)
                .metrics(false).build().fit(new InMemoryMultiDataSetIterator(data(false), 3)));
        assertEquals("segment", e.task());
        assertEquals(1, e.row());
        assertTrue(e.getMessage().startsWith("task 'segment' (multiclass, 3 classes), row 1 of batch 1 of the trainer's first pass "
                + "over the training data (both counted from 0): labels [0, 0, 0] are not one-hot"), e.getMessage());
        // Batch 0 was trained on before batch 1 was drawn; the parameters are put back as they were.
        assertEquals(before, model.graph().params());
        assertEquals(0, model.graph().getConfiguration().getIterationCount());
    }

    @Test
    void theSameRowMaskedAsMissingTrains() {
        MultiTaskModel model = model();
        TrainingHistory history = MultiTaskTrainer.builder(model).epochs(2).metrics(false).build()
                .fit(new InMemoryMultiDataSetIterator(data(true), 3));
        assertEquals(2, history.epochs().size());
        assertEquals(4, model.graph().getConfiguration().getIterationCount());
    }
}
