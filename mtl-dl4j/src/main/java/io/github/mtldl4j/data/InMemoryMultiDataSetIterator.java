package io.github.mtldl4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.SpecifiedIndex;

/**
 * Minibatches of a {@code MultiDataSet} held in memory, resettable, optionally reshuffled every epoch with a seeded
 * generator (epoch e uses permutation e of the seed, so runs are reproducible). Features, labels and all masks are
 * cut by the same rows.
 */
public final class InMemoryMultiDataSetIterator implements MultiDataSetIterator {
    private final MultiDataSet data;
    private final int batchSize;
    private final Long shuffleSeed;
    private final EpochOrder epochOrder;
    private final int rows;
    private int[] order;
    private int cursor;
    private int epoch;
    private MultiDataSetPreProcessor preProcessor;
    /** {@link #reusingBatchBuffers()}: each array slot's buffer for the last batch size, or null: new arrays per batch. */
    private INDArray[][] buffers;

    /**
     * @param data all rows
     * @param batchSize rows per minibatch ({@code >= 1}); the last batch may be smaller
     * @param shuffleSeed seed of the per-epoch shuffle, or null to keep the row order
     */
    public InMemoryMultiDataSetIterator(MultiDataSet data, int batchSize, Long shuffleSeed) {
        this(data, batchSize, shuffleSeed, null);
    }

    private InMemoryMultiDataSetIterator(MultiDataSet data, int batchSize, Long shuffleSeed, EpochOrder epochOrder) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, received " + batchSize + ".");
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffleSeed = shuffleSeed;
        this.epochOrder = epochOrder;
        this.rows = (int) data.getFeatures(0).size(0);
        reset();
    }

    /**
     * Which rows an epoch visits, in which order: e.g. a sampler that draws rows of some groups more often than others.
     * Must be a function of the epoch alone, so that a resumed run draws what the interrupted one would have.
     */
    @FunctionalInterface
    public interface EpochOrder {
        /**
         * The rows (indexes into the data, repeats allowed) of draw {@code epoch}, in order: draw 0 is made when the
         * iterator is built and each {@link #reset()} makes the next, so a trainer that resets before every epoch (as
         * {@code MultiTaskTrainer} does) trains its first epoch on draw 1.
         */
        int[] rows(int epoch);
    }

    /**
     * Batches of the rows {@code order} picks each epoch (e.g. rows of rare tasks drawn more often).
     *
     * @param data all rows
     * @param batchSize rows per minibatch ({@code >= 1}); the last batch may be smaller
     * @param order the rows of each epoch
     */
    public static InMemoryMultiDataSetIterator ordered(MultiDataSet data, int batchSize, EpochOrder order) {
        return new InMemoryMultiDataSetIterator(data, batchSize, null, java.util.Objects.requireNonNull(order, "order"));
    }

    /**
     * This iterator, from now on writing every batch into arrays it allocates once per batch size, instead of new arrays per
     * batch: a batch's arrays are then overwritten by the next call to {@link #next()}, so a caller must be done with a
     * batch before it asks for the next one (a trainer is; a caller that keeps batches, such as {@link #toList()}, is not).
     * Per-batch ND4J arrays are freed only when a garbage collection finds them dead, and over a long run they made up much
     * of what the collector had to do (docs/performance.md, Memory). Rank-2 arrays only; others are still gathered anew.
     *
     * @return this iterator
     */
    public InMemoryMultiDataSetIterator reusingBatchBuffers() {
        buffers = new INDArray[4][];
        return this;
    }

    /** Batches in row order, no shuffling. */
    public InMemoryMultiDataSetIterator(MultiDataSet data, int batchSize) {
        this(data, batchSize, null);
    }

    @Override
    public MultiDataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException("no more minibatches in this epoch; call reset()");
        }
        int end = Math.min(order.length, cursor + num);
        int[] picked = java.util.Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        MultiDataSet batch = new MultiDataSet(rowsOf(data.getFeatures(), picked, 0), rowsOf(data.getLabels(), picked, 1),
                rowsOf(data.getFeaturesMaskArrays(), picked, 2), rowsOf(data.getLabelsMaskArrays(), picked, 3));
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    /** The picked rows of each array of one kind ({@code slot}: features, labels, feature masks, label masks). */
    private INDArray[] rowsOf(INDArray[] arrays, int[] picked, int slot) {
        if (arrays == null) {
            return null;
        }
        INDArray[] out = new INDArray[arrays.length];
        INDArray[] reused = null;
        if (buffers != null) {
            if (buffers[slot] == null || buffers[slot].length != arrays.length) {
                buffers[slot] = new INDArray[arrays.length];
            }
            reused = buffers[slot];
        }
        for (int i = 0; i < arrays.length; i++) {
            INDArray array = arrays[i];
            if (array == null) {
                continue;
            }
            if (reused == null || array.rank() != 2) {
                out[i] = rows(array, picked);
                continue;
            }
            if (reused[i] == null || reused[i].rows() != picked.length) {
                reused[i] = Nd4j.create(array.dataType(), new long[] {picked.length, array.columns()}, 'c');
            }
            out[i] = RowGather.rows(array, reused[i], picked);
        }
        return out;
    }

    /** The picked rows of an array (INDArray.getRows copies row by row through views: ~70x slower). */
    private static INDArray rows(INDArray array, int[] picked) {
        if (array.rank() == 2) {
            return RowGather.rows(array, picked);
        }
        INDArrayIndex[] index = new INDArrayIndex[array.rank()];
        index[0] = new SpecifiedIndex(picked);
        for (int d = 1; d < index.length; d++) {
            index[d] = NDArrayIndex.all();
        }
        return array.get(index);
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor newPreProcessor) {
        this.preProcessor = newPreProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
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
        if (epochOrder != null) {
            order = epochOrder.rows(epoch).clone();
            for (int row : order) {
                if (row < 0 || row >= rows) {
                    throw new IllegalStateException("epoch order picked row " + row + " of " + rows + " rows.");
                }
            }
            epoch++;
            cursor = 0;
            return;
        }
        order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        if (shuffleSeed != null) {
            Random random = new Random(shuffleSeed * 1_000_003L + epoch);
            for (int i = rows - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        epoch++;
        cursor = 0;
    }

    /**
     * How many epochs' shuffles have been drawn (resets so far, counting the one at construction): the position a
     * training checkpoint records so that a resumed run shuffles its next epoch as the interrupted run would have.
     */
    public int shuffleEpoch() {
        return epoch;
    }

    /** Continues from a position recorded by {@link #shuffleEpoch()}; the next {@link #reset()} draws shuffle {@code position}. */
    public void continueFromShuffleEpoch(int position) {
        if (position < 0) {
            throw new IllegalArgumentException("shuffle epoch must be >= 0, received " + position + ".");
        }
        this.epoch = position;
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public MultiDataSet next() {
        return next(batchSize);
    }

    /** All batches of one pass, for tests and small data. */
    public List<MultiDataSet> toList() {
        INDArray[][] reused = buffers;
        buffers = null; // kept batches need arrays of their own
        reset();
        List<MultiDataSet> batches = new ArrayList<>();
        while (hasNext()) {
            batches.add(next());
        }
        reset();
        buffers = reused;
        return batches;
    }
}
