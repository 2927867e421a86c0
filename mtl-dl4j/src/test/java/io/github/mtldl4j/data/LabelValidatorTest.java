package io.github.mtldl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.task.Task;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Each label rule refused with task and row named, masked rows exempt, soft labels only with the opt-out. */
class LabelValidatorTest {
    private static final Task SEGMENT = Task.multiclass("segment", 3);
    private static final Task CHURN = Task.binary("churn");
    private static final Task TAGS = Task.multilabel("tags", 3);
    private static final Task PRICE = Task.regression("price", 2);

    /** A FLOAT matrix from rows written out by hand. */
    private static INDArray rows(double[]... values) {
        return Nd4j.create(values).castTo(DataType.FLOAT);
    }

    private static MultiDataSet batch(INDArray labels, INDArray mask) {
        INDArray features = Nd4j.zeros(DataType.FLOAT, labels.rows(), 2);
        return new MultiDataSet(new INDArray[] {features}, new INDArray[] {labels}, null, mask == null ? null : new INDArray[] {mask});
    }

    private static void accepted(Task task, INDArray labels, INDArray mask) {
        new LabelValidator(List.of(task)).check(batch(labels, mask));
    }

    private static InvalidLabelsException refused(Task task, INDArray labels, INDArray mask, String... parts) {
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class,
                () -> new LabelValidator(List.of(task)).check(batch(labels, mask)));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
        assertEquals(task.name(), e.task());
        return e;
    }

    @Test
    void theQuickstartsAllOnesSegmentLabelsAreRefusedWithTheWholeStory() {
        // Nd4j.zeros(64, 3).putiColumnVector(ones(64, 1)): every column 1.
        INDArray allOnes = Nd4j.zeros(DataType.FLOAT, 4, 3).putiColumnVector(Nd4j.ones(DataType.FLOAT, 4, 1));
        InvalidLabelsException e = refused(SEGMENT, allOnes, null);
        assertEquals("task 'segment' (multiclass, 3 classes), row 0 of the batch: labels [1, 1, 1] are not one-hot (expected "
                + "exactly one 1 and the rest 0, found 3 ones); pass class indices through one-hot encoding, or, for probabilities "
                + "as targets (label smoothing, distillation), declare soft labels with Task.multiclass(...).withSoftLabels().",
                e.getMessage());
        assertEquals(0, e.row());
        assertInstanceOf(InvalidDataException.class, e, "the command line maps it to exit code 2");
    }

    @Test
    void multiclassRowsMustBeOneHot() {
        accepted(SEGMENT, rows(new double[] {0, 1, 0}, new double[] {1, 0, 0}, new double[] {0, 0, 1}), null);
        assertEquals(2, refused(SEGMENT, rows(new double[] {0, 1, 0}, new double[] {1, 0, 0}, new double[] {0, 1, 1}), null,
                "row 2 of the batch", "[0, 1, 1]", "found 2 ones").row());
        refused(SEGMENT, rows(new double[] {0, 0, 0}), null, "row 0", "found no 1", "label mask 0");
        refused(SEGMENT, rows(new double[] {0, 2, 0}), null, "found 2 in column 1");
        refused(SEGMENT, rows(new double[] {0.05, 0.9, 0.05}), null, "[0.05, 0.9, 0.05]", "found 0.05 in column 0", "withSoftLabels()");
    }

    @Test
    void softMulticlassRowsAreDistributions() {
        Task soft = SEGMENT.withSoftLabels();
        accepted(soft, rows(new double[] {0.05, 0.9, 0.05}, new double[] {0, 1, 0}, new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}), null);
        accepted(soft, rows(new double[] {0.2, 0.3, 0.5005}), null);
        refused(soft, rows(new double[] {0.2, 0.3, 0.5}, new double[] {0.2, 0.2, 0.2}), null, "(multiclass, 3 classes, soft labels)",
                "row 1", "sum to 0.6", "summing to 1 (within 0.001)");
        refused(soft, rows(new double[] {1.5, -0.5, 0}), null, "row 0", "hold 1.5 in column 0, outside [0, 1]");
    }

    @Test
    void binaryLabelsAreZeroOrOneAndSoftOnesProbabilities() {
        accepted(CHURN, rows(new double[] {0}, new double[] {1}), null);
        refused(CHURN, rows(new double[] {1}, new double[] {2}), null, "task 'churn' (binary), row 1 of the batch", "label 2 is not 0 or 1");
        refused(CHURN, rows(new double[] {-1}), null, "label -1 is not 0 or 1", "(not -1 and 1)");
        refused(CHURN, rows(new double[] {0.3}), null, "label 0.3 is not 0 or 1", "Task.binary(...).withSoftLabels()");
        accepted(CHURN.withSoftLabels(), rows(new double[] {0.3}, new double[] {0}, new double[] {1}), null);
        refused(CHURN.withSoftLabels(), rows(new double[] {0.3}, new double[] {1.2}), null, "row 1", "label 1.2 is outside [0, 1]");
    }

    @Test
    void multilabelRowsMayBeMultiHot() {
        accepted(TAGS, rows(new double[] {1, 0, 1}, new double[] {1, 1, 1}, new double[] {0, 0, 0}), null);
        refused(TAGS, rows(new double[] {1, 0, 1}, new double[] {1, 0.5, 0}), null, "(multilabel, 3 labels), row 1", "column 1: label 0.5");
        accepted(TAGS.withSoftLabels(), rows(new double[] {1, 0.5, 0}), null);
    }

    @Test
    void regressionTargetsOnlyNeedToBeFinite() {
        accepted(PRICE, rows(new double[] {-1e30, 1e30}, new double[] {0.25, 7}), null);
        refused(PRICE, rows(new double[] {1, 2}, new double[] {Double.NaN, 0}), null, "(regression, 2 targets), row 1",
                "column 0: label NaN is not finite", "label mask 0");
        refused(PRICE, rows(new double[] {1, Double.POSITIVE_INFINITY}), null, "column 1: label Infinity is not finite");
        refused(PRICE, rows(new double[] {Double.NEGATIVE_INFINITY, 1}), null, "label -Infinity is not finite");
        assertThrows(IllegalArgumentException.class, () -> PRICE.withSoftLabels(), "soft labels are for classification");
    }

    @Test
    void maskedRowsAreExemptButMustBeFinite() {
        INDArray rowMask = rows(new double[] {1}, new double[] {0});
        accepted(SEGMENT, rows(new double[] {0, 1, 0}, new double[] {1, 1, 1}), rowMask);
        accepted(CHURN, rows(new double[] {1}, new double[] {7}), rowMask);
        refused(SEGMENT, rows(new double[] {0, 1, 0}, new double[] {Double.NaN, 0, 0}), rowMask, "row 1", "label NaN is not finite",
                "in a row masked as missing", "fill missing labels with 0");
        refused(SEGMENT, rows(new double[] {1, 1, 0}, new double[] {0, 0, 0}), rowMask, "row 0", "found 2 ones");
        // A per-column mask exempts single entries (multilabel); a multiclass row is labelled if any of its columns is.
        INDArray columnMask = rows(new double[] {1, 0, 1}, new double[] {0, 0, 0});
        accepted(TAGS, rows(new double[] {1, 5, 0}, new double[] {3, 3, 3}), columnMask);
        refused(TAGS, rows(new double[] {1, 0, 5}, new double[] {0, 0, 0}), columnMask, "row 0", "column 2: label 5");
        refused(SEGMENT, rows(new double[] {1, 1, 0}, new double[] {1, 1, 1}), columnMask, "row 0", "found 2 ones");
    }

    @Test
    void shapesAreCheckedFirst() {
        refused(SEGMENT, rows(new double[] {2}, new double[] {0}), null, "labels have shape [2, 1], expected [2, 3]",
                "one-hot encode class indices");
        refused(SEGMENT, rows(new double[] {0, 1, 0}), rows(new double[] {1, 1}), "label mask has shape [1, 2]");
        INDArray features = Nd4j.zeros(DataType.FLOAT, 3, 2);
        InvalidLabelsException tooFew = assertThrows(InvalidLabelsException.class, () -> new LabelValidator(List.of(SEGMENT, CHURN))
                .check(new MultiDataSet(new INDArray[] {features}, new INDArray[] {Nd4j.zeros(DataType.FLOAT, 3, 3)})));
        assertTrue(tooFew.getMessage().contains("has 1 label array, the model has 2 tasks [segment, churn]"), tooFew.getMessage());
        InvalidLabelsException rowCount = assertThrows(InvalidLabelsException.class, () -> new LabelValidator(List.of(CHURN))
                .check(new MultiDataSet(new INDArray[] {features}, new INDArray[] {Nd4j.zeros(DataType.FLOAT, 2, 1)})));
        assertTrue(rowCount.getMessage().contains("labels have shape [2, 1], expected [3, 1]"), rowCount.getMessage());
    }

    @Test
    void viewsColumnMajorAndDoubleArraysAreReadInRowOrder() {
        INDArray columnMajor = Nd4j.create(new double[][] {{0, 1, 0}, {1, 0, 0}, {0, 1, 1}}, 'f');
        refused(SEGMENT, columnMajor, null, "row 2", "[0, 1, 1]");
        INDArray wide = Nd4j.create(new double[][] {{9, 0, 1, 0}, {9, 1, 0, 0}, {9, 1, 0, 1}}).castTo(DataType.FLOAT);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4));
        refused(SEGMENT, view, null, "row 2", "[1, 0, 1]");
        INDArray rowView = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4));
        accepted(SEGMENT, rowView, null);
        // DOUBLE labels print at double precision.
        refused(CHURN.withSoftLabels(), Nd4j.create(new double[][] {{1.1}}), null, "label 1.1 is outside");
    }

    @Test
    void batchesOfAPassAreNamed() {
        MultiDataSet bad = batch(rows(new double[] {0, 1, 0}, new double[] {0, 0, 0}), null);
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class,
                () -> new LabelValidator(List.of(SEGMENT)).check(bad, 3, "the first pass"));
        assertTrue(e.getMessage().startsWith("task 'segment' (multiclass, 3 classes), row 1 of batch 3 of the first pass (both "
                + "counted from 0): labels [0, 0, 0]"), e.getMessage());
    }
}
