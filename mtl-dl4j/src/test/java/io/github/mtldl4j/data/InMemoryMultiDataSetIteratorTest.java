package io.github.mtldl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

class InMemoryMultiDataSetIteratorTest {

    /** Row r holds r in every column of features, labels and mask, and in every cell of a rank-3 feature. */
    private static MultiDataSet numbered(int rows) {
        INDArray features = Nd4j.create(DataType.DOUBLE, rows, 3);
        INDArray image = Nd4j.create(DataType.DOUBLE, rows, 2, 2);
        INDArray labels = Nd4j.create(DataType.DOUBLE, rows, 2);
        INDArray mask = Nd4j.create(DataType.DOUBLE, rows, 1);
        for (int r = 0; r < rows; r++) {
            features.getRow(r).assign(r);
            image.get(org.nd4j.linalg.indexing.NDArrayIndex.point(r)).assign(r);
            labels.getRow(r).assign(r);
            mask.putScalar(r, 0, r);
        }
        return new MultiDataSet(new INDArray[] {features, image}, new INDArray[] {labels}, null, new INDArray[] {mask});
    }

    private static List<Integer> rowOrder(InMemoryMultiDataSetIterator iterator) {
        List<Integer> order = new ArrayList<>();
        while (iterator.hasNext()) {
            MultiDataSet batch = iterator.next();
            for (int r = 0; r < batch.getFeatures(0).rows(); r++) {
                int id = batch.getFeatures(0).getInt(r, 0);
                assertEquals(id, batch.getFeatures(1).getInt(r, 1, 1), "rank-3 features cut by the same rows");
                assertEquals(id, batch.getLabels(0).getInt(r, 1), "labels cut by the same rows");
                assertEquals(id, batch.getLabelsMaskArray(0).getInt(r, 0), "masks cut by the same rows");
                order.add(id);
            }
        }
        return order;
    }

    @Test
    void everyRowOnceInBatchesOfTheGivenSize() {
        InMemoryMultiDataSetIterator iterator = new InMemoryMultiDataSetIterator(numbered(10), 4);
        assertEquals(List.of(4L, 4L, 2L), iterator.toList().stream().map(b -> b.getFeatures(0).size(0)).toList());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), rowOrder(iterator));
    }

    @Test
    void reusedBatchBuffersHoldTheSameRowsAndAreOverwrittenByTheNextBatch() {
        InMemoryMultiDataSetIterator reusing = new InMemoryMultiDataSetIterator(numbered(20), 6, 3L).reusingBatchBuffers();
        assertEquals(rowOrder(new InMemoryMultiDataSetIterator(numbered(20), 6, 3L)), rowOrder(reusing), "same rows, same order");
        reusing.reset();
        MultiDataSet first = reusing.next();
        int firstRow = first.getFeatures(0).getInt(0, 0);
        MultiDataSet second = reusing.next();
        // Rows 6..11 of the shuffle: the second batch's arrays are the first's, now holding the second batch.
        assertSame(first.getFeatures(0), second.getFeatures(0));
        assertSame(first.getLabels(0), second.getLabels(0));
        assertSame(first.getLabelsMaskArray(0), second.getLabelsMaskArray(0));
        assertNotEquals(firstRow, first.getFeatures(0).getInt(0, 0));
        // Rank-3 arrays are still gathered anew; the last, shorter batch gets arrays of its own size.
        assertNotSame(first.getFeatures(1), second.getFeatures(1));
        reusing.next();
        assertEquals(2, reusing.next().getFeatures(0).rows());
        // toList keeps every batch: arrays of their own.
        List<MultiDataSet> kept = reusing.toList();
        assertNotSame(kept.get(0).getFeatures(0), kept.get(1).getFeatures(0));
        assertEquals(rowOrder(new InMemoryMultiDataSetIterator(numbered(20), 6, 3L)).size(), kept.stream()
                .mapToLong(b -> b.getFeatures(0).rows()).sum());
    }

    @Test
    void shuffledEpochsArePermutationsThatDependOnlyOnTheSeed() {
        InMemoryMultiDataSetIterator a = new InMemoryMultiDataSetIterator(numbered(20), 6, 3L);
        InMemoryMultiDataSetIterator b = new InMemoryMultiDataSetIterator(numbered(20), 6, 3L);
        List<Integer> first = rowOrder(a);
        assertEquals(first, rowOrder(b));
        assertEquals(20, first.stream().distinct().count());
        a.reset();
        assertNotEquals(first, rowOrder(a), "each epoch reshuffles");
        assertNotEquals(first, rowOrder(new InMemoryMultiDataSetIterator(numbered(20), 6, 4L)));
        assertThrows(IllegalArgumentException.class, () -> new InMemoryMultiDataSetIterator(numbered(2), 0));
    }

    @Test
    void aFreshIteratorContinuedFromARecordedPositionShufflesAsTheOriginalWouldHave() {
        InMemoryMultiDataSetIterator original = new InMemoryMultiDataSetIterator(numbered(20), 6, 7L);
        for (int epoch = 0; epoch < 3; epoch++) {
            original.reset();
            rowOrder(original);
        }
        int position = original.shuffleEpoch();
        InMemoryMultiDataSetIterator continued = new InMemoryMultiDataSetIterator(numbered(20), 6, 7L);
        continued.continueFromShuffleEpoch(position);
        for (int epoch = 0; epoch < 2; epoch++) {
            original.reset();
            continued.reset();
            assertEquals(rowOrder(original), rowOrder(continued), "epoch " + (position + epoch));
        }
        InMemoryMultiDataSetIterator fresh = new InMemoryMultiDataSetIterator(numbered(20), 6, 7L);
        fresh.reset();
        original.reset();
        assertNotEquals(rowOrder(fresh), rowOrder(original), "without continuing, a fresh iterator repeats the first shuffle");
    }
}
