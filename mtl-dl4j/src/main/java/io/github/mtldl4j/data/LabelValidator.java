package io.github.mtldl4j.data;

import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Checks a batch's labels against the tasks before a model trains on them, so that a wrong encoding is refused with
 * a message instead of training silently on a meaningless loss (e.g. a multiclass label of all ones).
 *
 * <p>Rules, per task type; a row (or, with a per-column label mask, an entry) whose label mask is 0 is missing and
 * exempt from every rule but the first:
 * <ul>
 *   <li>every label value is finite, in masked rows too: DL4J multiplies the loss by the mask, and NaN x 0 is NaN
 *       (missing labels are 0 with mask 0, as mtl-tabular's {@code TabularPreprocessor} fills them);</li>
 *   <li>{@code REGRESSION}: nothing more;</li>
 *   <li>{@code BINARY} and {@code MULTILABEL}: each value is 0 or 1 (multi-hot rows for multilabel);
 *       with {@link Task#withSoftLabels()}, any value in [0, 1];</li>
 *   <li>{@code MULTICLASS}: each row is one-hot (values 0 or 1, exactly one 1); with soft labels, values in [0, 1]
 *       summing to 1 within {@link #SOFT_SUM_TOLERANCE}.</li>
 * </ul>
 * The rules follow the task type, whatever loss the task was given: the type also decides how predictions are
 * evaluated. The shapes are checked too: one label array per task, {@code [rows, width]}, masks {@code [rows, 1]} or
 * {@code [rows, width]}.
 *
 * <p>Cost: one copy of each label and mask array to the host and one pass over it in Java, a few microseconds for a
 * batch of hundreds of rows ({@code docs/label-checks.md} has the measurement).
 * {@code MultiTaskModel.fit} checks every batch it is given; {@code MultiTaskTrainer} checks the batches of its first
 * pass over the training iterator.
 */
public final class LabelValidator {
    /**
     * How far a soft multiclass row may sum from 1: room for float32 (and half-precision) rounding of a computed
     * distribution, far below the error of a wrong encoding (a missing or doubled class is off by 1).
     */
    public static final double SOFT_SUM_TOLERANCE = 1e-3;
    private static final int SHOWN_VALUES = 10;

    private final List<Task> tasks;

    /** A validator for labels given in the order of {@code tasks}. */
    public LabelValidator(List<Task> tasks) {
        this.tasks = List.copyOf(tasks);
    }

    /**
     * Checks one batch; messages name rows as "row r of the batch".
     *
     * @throws InvalidLabelsException naming the task, the row, what was expected and how to fix it
     */
    public void check(MultiDataSet batch) {
        check(batch, -1, null);
    }

    /**
     * Checks batch {@code batchIndex} (from 0) of a pass over an iterator; messages name rows as
     * "row r of batch b of {@code pass}".
     *
     * @throws InvalidLabelsException naming the task, the row, what was expected and how to fix it
     */
    public void check(MultiDataSet batch, long batchIndex, String pass) {
        Objects.requireNonNull(batch, "batch");
        INDArray[] labels = batch.getLabels();
        int given = labels == null ? 0 : labels.length;
        if (given != tasks.size()) {
            throw new InvalidLabelsException(place(batchIndex, pass) + "has " + given + " label array" + (given == 1 ? "" : "s")
                    + ", the model has " + tasks.size() + " tasks " + tasks.stream().map(Task::name).toList()
                    + ": give one label array per task, in task order (label mask 0 for rows without a task's label).", null, -1);
        }
        INDArray[] masks = batch.getLabelsMaskArrays();
        long rows = batch.getFeatures() != null && batch.getFeatures().length > 0 && batch.getFeatures(0) != null
                ? batch.getFeatures(0).size(0) : -1;
        for (int t = 0; t < tasks.size(); t++) {
            checkTask(tasks.get(t), labels[t], masks == null || t >= masks.length ? null : masks[t], rows, batchIndex, pass);
        }
    }

    /**
     * An iterator that returns {@code source}'s batches after checking them (numbered from 0 within each pass, a pass
     * ending at {@link MultiDataSetIterator#reset()}). It does not prefetch on another thread, so that a refusal is
     * thrown to the caller: wrap an asynchronous source in an {@code AsyncMultiDataSetIterator} first if it needs one.
     */
    public MultiDataSetIterator checking(MultiDataSetIterator source, String pass) {
        return new CheckingIterator(source, pass);
    }

    private void checkTask(Task task, INDArray labels, INDArray mask, long rows, long batchIndex, String pass) {
        int width = task.width();
        if (labels == null) {
            throw refuse(task, -1, batchIndex, pass, "has no label array (null); give every task one, with label mask 0 for "
                    + "rows without its label.");
        }
        if (rows < 0) {
            rows = labels.size(0);
        }
        if (labels.rank() != 2 || labels.size(0) != rows || labels.size(1) != width) {
            throw refuse(task, -1, batchIndex, pass, "labels have shape " + java.util.Arrays.toString(labels.shape())
                    + ", expected [" + rows + ", " + width + "] (one row per example of the features, " + columnsMeaning(task) + ").");
        }
        if (mask != null && (mask.rank() != 2 || mask.size(0) != rows || mask.size(1) != 1 && mask.size(1) != width)) {
            throw refuse(task, -1, batchIndex, pass, "label mask has shape " + java.util.Arrays.toString(mask.shape())
                    + ", expected [" + rows + ", 1] (one 0/1 per row) or [" + rows + ", " + width + "] (one per column).");
        }
        if (rows == 0) {
            return;
        }
        boolean single = labels.dataType() != DataType.DOUBLE;
        double[] y = hostValues(labels);
        double[] m = mask == null ? null : hostValues(mask);
        boolean perColumnMask = mask != null && mask.size(1) != 1;
        for (int r = 0; r < rows; r++) {
            int offset = r * width;
            for (int c = 0; c < width; c++) {
                double value = y[offset + c];
                if (!Double.isFinite(value)) {
                    boolean masked = m != null && m[perColumnMask ? offset + c : r] == 0;
                    throw refuse(task, r, batchIndex, pass, column(task, c) + "label " + value + " is not finite"
                            + (masked ? ", in a row masked as missing; masked labels must be finite too (DL4J multiplies the "
                            + "loss by the mask, and NaN x 0 is NaN): fill missing labels with 0."
                            : "; fix the value, or, if the label is missing, set it to 0 with label mask 0 for this task."));
                }
            }
            switch (task.type()) {
                case REGRESSION -> {
                }
                case BINARY, MULTILABEL -> {
                    for (int c = 0; c < width; c++) {
                        double value = y[offset + c];
                        boolean labelled = m == null || m[perColumnMask ? offset + c : r] != 0;
                        boolean valid = task.softLabels() ? value >= 0 && value <= 1 : value == 0 || value == 1;
                        if (labelled && !valid) {
                            throw refuse(task, r, batchIndex, pass, binaryMessage(task, c, format(value, single)));
                        }
                    }
                }
                case MULTICLASS -> {
                    if (labelledRow(m, perColumnMask, r, width)) {
                        checkMulticlassRow(task, y, offset, single, r, batchIndex, pass);
                    }
                }
            }
        }
    }

    private void checkMulticlassRow(Task task, double[] y, int offset, boolean single, int r, long batchIndex, String pass) {
        int width = task.width();
        int ones = 0;
        int outside = -1;
        double sum = 0;
        for (int c = 0; c < width; c++) {
            double value = y[offset + c];
            sum += value;
            if (value == 1) {
                ones++;
            } else if (task.softLabels() ? value < 0 || value > 1 : value != 0) {
                outside = outside < 0 ? c : outside;
            }
        }
        boolean refused = task.softLabels() ? outside >= 0 || Math.abs(sum - 1) > SOFT_SUM_TOLERANCE : outside >= 0 || ones != 1;
        if (!refused) {
            return; // the common case, without formatting the row for a message
        }
        String row = "labels " + formatRow(y, offset, width, single);
        if (task.softLabels()) {
            if (outside >= 0) {
                throw refuse(task, r, batchIndex, pass, row + " hold " + format(y[offset + outside], single) + " in column " + outside
                        + ", outside [0, 1] (soft labels are class probabilities); give each row a probability distribution "
                        + "over the " + width + " classes.");
            }
            if (Math.abs(sum - 1) > SOFT_SUM_TOLERANCE) {
                throw refuse(task, r, batchIndex, pass, row + " sum to " + format(sum, single) + ", expected a probability "
                        + "distribution summing to 1 (within " + SOFT_SUM_TOLERANCE + "); divide each row by its sum"
                        + (sum == 0 ? ", or mark a row without a label with label mask 0 for this task." : "."));
            }
            return;
        }
        if (outside < 0 && ones == 1) {
            return;
        }
        String found = outside >= 0 ? "found " + format(y[offset + outside], single) + " in column " + outside
                : ones == 0 ? "found no 1" : "found " + ones + " ones";
        String fix = outside < 0 && ones == 0
                ? "give the row its class, or mark it as missing with label mask 0 for this task."
                : "pass class indices through one-hot encoding, or, for probabilities as targets (label smoothing, "
                + "distillation), declare soft labels with Task.multiclass(...).withSoftLabels().";
        throw refuse(task, r, batchIndex, pass, row + " are not one-hot (expected exactly one 1 and the rest 0, " + found + "); " + fix);
    }

    private static String binaryMessage(Task task, int c, String value) {
        String factory = task.type() == TaskType.BINARY ? "Task.binary(...)" : "Task.multilabel(...)";
        if (task.softLabels()) {
            return column(task, c) + "label " + value + " is outside [0, 1] (soft labels are probabilities); clip or rescale "
                    + "the targets to [0, 1].";
        }
        String expected = task.type() == TaskType.BINARY ? "expected 0 or 1, 1 for the positive class"
                : "expected a multi-hot row, 1 for each label that applies and 0 for the others";
        return column(task, c) + "label " + value + " is not 0 or 1 (" + expected + "); encode the classes as 0 and 1"
                + (value.startsWith("-") ? " (not -1 and 1)" : "") + ", or, for probabilities as targets, declare soft labels "
                + "with " + factory + ".withSoftLabels().";
    }

    /** Whether a multiclass row has its label: no mask, mask 1 for the row, or any column of a per-column mask set. */
    private static boolean labelledRow(double[] mask, boolean perColumn, int r, int width) {
        if (mask == null) {
            return true;
        }
        if (!perColumn) {
            return mask[r] != 0;
        }
        for (int c = 0; c < width; c++) {
            if (mask[r * width + c] != 0) {
                return true;
            }
        }
        return false;
    }

    /** The values in row-major order, read to the host in one copy. */
    private static double[] hostValues(INDArray array) {
        INDArray dense = array.ordering() == 'c' && !array.isView() && array.data().length() == array.length() ? array
                : array.dup('c');
        return dense.data().asDouble();
    }

    private static String columnsMeaning(Task task) {
        return switch (task.type()) {
            case REGRESSION -> "one column per target";
            case BINARY -> "one column holding 0 or 1";
            case MULTICLASS -> "one column per class: one-hot encode class indices";
            case MULTILABEL -> "one column per label";
        };
    }

    private static String column(Task task, int c) {
        return task.width() == 1 ? "" : "column " + c + ": ";
    }

    private static InvalidLabelsException refuse(Task task, long row, long batchIndex, String pass, String what) {
        String where = row < 0 ? (batchIndex < 0 ? "" : " in batch " + batchIndex + " of " + pass + " (counted from 0)")
                : batchIndex < 0 ? ", row " + row + " of the batch"
                : ", row " + row + " of batch " + batchIndex + " of " + pass + " (both counted from 0)";
        return new InvalidLabelsException("task '" + task.name() + "' (" + describe(task) + ")" + where + ": " + what,
                task.name(), row);
    }

    private static String place(long batchIndex, String pass) {
        return batchIndex < 0 ? "the batch " : "batch " + batchIndex + " of " + pass + " (counted from 0) ";
    }

    /** The task as messages name it, e.g. "multiclass, 3 classes". */
    static String describe(Task task) {
        int w = task.width();
        String type = switch (task.type()) {
            case REGRESSION -> w == 1 ? "regression" : "regression, " + w + " targets";
            case BINARY -> "binary";
            case MULTICLASS -> "multiclass, " + w + " classes";
            case MULTILABEL -> "multilabel, " + w + " labels";
        };
        return task.softLabels() ? type + ", soft labels" : type;
    }

    /** A value as the label array holds it: whole numbers without a decimal point, float32 values at float precision. */
    private static String format(double value, boolean single) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return single ? Float.toString((float) value) : Double.toString(value);
    }

    private static String formatRow(double[] values, int offset, int width, boolean single) {
        StringBuilder text = new StringBuilder("[");
        for (int c = 0; c < Math.min(width, SHOWN_VALUES); c++) {
            text.append(c == 0 ? "" : ", ").append(format(values[offset + c], single));
        }
        return text.append(width > SHOWN_VALUES ? ", ... (" + width + " values)]" : "]").toString();
    }

    /** Checks each batch as it is drawn. */
    private final class CheckingIterator implements MultiDataSetIterator {
        private final MultiDataSetIterator source;
        private final String pass;
        private long index;

        CheckingIterator(MultiDataSetIterator source, String pass) {
            this.source = Objects.requireNonNull(source, "source");
            this.pass = pass;
        }

        @Override
        public MultiDataSet next(int num) {
            return checked(source.next(num));
        }

        @Override
        public MultiDataSet next() {
            return checked(source.next());
        }

        private MultiDataSet checked(MultiDataSet batch) {
            check(batch, index++, pass);
            return batch;
        }

        @Override
        public boolean hasNext() {
            return source.hasNext();
        }

        @Override
        public void reset() {
            source.reset();
            index = 0;
        }

        @Override
        public boolean resetSupported() {
            return source.resetSupported();
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            source.setPreProcessor(preProcessor);
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return source.getPreProcessor();
        }
    }
}
