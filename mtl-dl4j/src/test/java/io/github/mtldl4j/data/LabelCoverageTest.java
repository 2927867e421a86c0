package io.github.mtldl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Labelled rows per task, counted by hand. */
class LabelCoverageTest {
    @Test
    void countsRowsWithAPositiveMaskEntry() {
        INDArray features = Nd4j.zeros(DataType.FLOAT, 5, 2);
        INDArray[] labels = {Nd4j.zeros(DataType.FLOAT, 5, 1), Nd4j.zeros(DataType.FLOAT, 5, 1), Nd4j.zeros(DataType.FLOAT, 5, 2)};
        INDArray column = Nd4j.create(new float[] {1, 0, 1, 1, 0}, new long[] {5, 1});
        // Per-output-column mask: rows 1 and 4 have one labelled column, row 3 none.
        INDArray wide = Nd4j.create(new float[][] {{1, 1}, {0, 1}, {1, 1}, {0, 0}, {1, 0}});
        MultiDataSet batch = new MultiDataSet(new INDArray[] {features}, labels, null, new INDArray[] {null, column, wide});
        LabelCoverage coverage = LabelCoverage.of(batch);
        assertEquals(5, coverage.rows());
        assertEquals(5, coverage.labelled(0));
        assertEquals(3, coverage.labelled(1));
        assertEquals(4, coverage.labelled(2));
        assertEquals(5.0 / 3, coverage.factor(1), 1e-15);
    }
}
