package io.github.mtldl4j.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * How many rows of a minibatch carry each task's label. DL4J divides every output's loss by the full batch
 * size N even when label masks remove rows, so a task with n labelled rows would count n/N of its weight;
 * {@code MultiTaskModel.fit} and {@code MultiTaskTrainer} multiply the task's weight by {@link #factor N/n} for the
 * step, which makes its loss a mean over the labelled rows, and skip a batch in which no task has a label.
 */
public final class LabelCoverage {
    private final long rows;
    private final long[] labelled;

    private LabelCoverage(long rows, long[] labelled) {
        this.rows = rows;
        this.labelled = labelled;
    }

    /** Counts the rows with a label mask entry above 0 (all rows for a task without a mask). */
    public static LabelCoverage of(MultiDataSet batch) {
        long rows = batch.getFeatures(0).size(0);
        int tasks = batch.numLabelsArrays();
        long[] labelled = new long[tasks];
        for (int t = 0; t < tasks; t++) {
            INDArray mask = batch.getLabelsMaskArray(t);
            if (mask == null) {
                labelled[t] = rows;
            } else if (mask.rank() == 2 && mask.columns() == 1) {
                // The usual [N,1] mask counted on the host (entries > 0): an ND4J reduction per task and step left
                // an op, its result array and their native buffers to the garbage collector (docs/performance.md, Memory).
                labelled[t] = countPositive(mask);
            } else {
                labelled[t] = mask.max(1).gt(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT64).sumNumber().longValue();
            }
        }
        return new LabelCoverage(rows, labelled);
    }

    /** Entries {@code > 0} of a column (NaN counts as not labelled, as {@code Conditions.greaterThan(0)} does). */
    private static long countPositive(INDArray column) {
        long count = 0;
        if (!column.isView() && column.data().length() == column.length()) {
            double[] values = column.data().asDouble();
            for (double v : values) {
                if (v > 0) {
                    count++;
                }
            }
            return count;
        }
        for (long i = 0; i < column.length(); i++) {
            if (column.getDouble(i) > 0) {
                count++;
            }
        }
        return count;
    }

    /**
     * From counts, e.g. a data-parallel step's labelled rows summed over the workers' shards.
     *
     * @param labelled per task the rows with its label, each in {@code [0, rows]}
     */
    public static LabelCoverage of(long rows, long[] labelled) {
        for (long n : labelled) {
            if (n < 0 || n > rows) {
                throw new IllegalArgumentException("Labelled rows must be in [0, " + rows + "], received " + java.util.Arrays.toString(labelled) + ".");
            }
        }
        return new LabelCoverage(rows, labelled.clone());
    }

    /** Rows in the batch. */
    public long rows() {
        return rows;
    }

    /** Rows with task {@code t}'s label. */
    public long labelled(int t) {
        return labelled[t];
    }

    /** N / n_t, or 0 when the task has no label in the batch (it then sits the step out). */
    public double factor(int t) {
        return labelled[t] == 0 ? 0.0 : (double) rows / labelled[t];
    }

    /** Whether some task has a label in the batch (a batch without any is skipped). */
    public boolean anyLabel() {
        for (long n : labelled) {
            if (n > 0) {
                return true;
            }
        }
        return false;
    }
}
