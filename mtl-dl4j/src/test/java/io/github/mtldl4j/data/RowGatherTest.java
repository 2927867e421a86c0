package io.github.mtldl4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link RowGather} against element-by-element reads of the source (bit for bit, every data type and layout). */
class RowGatherTest {
    private static final int[] PICKED = {4, 0, 6, 6, 1, 3};

    private static INDArray randomArray(DataType type, long rows, long columns, char order, long seed) {
        Random random = new Random(seed);
        INDArray array = Nd4j.create(DataType.DOUBLE, new long[] {rows, columns}, order);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < columns; c++) {
                array.putScalar(r, c, random.nextInt(2000) / 7.0 - 100);
            }
        }
        return array.castTo(type).dup(order);
    }

    /** Each picked row's elements, read one by one from the source: what a gather must give. */
    private static void assertRows(INDArray source, int[] picked, INDArray gathered) {
        assertEquals(source.dataType(), gathered.dataType());
        assertEquals(picked.length, gathered.rows());
        assertEquals(source.columns(), gathered.columns());
        for (int i = 0; i < picked.length; i++) {
            for (int c = 0; c < source.columns(); c++) {
                assertEquals(Double.doubleToRawLongBits(source.getDouble(picked[i], c)),
                        Double.doubleToRawLongBits(gathered.getDouble(i, c)), "row " + i + ", column " + c);
            }
        }
    }

    @Test
    void everyDataTypeIsCopiedBitForBit() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF, DataType.INT, DataType.LONG,
                DataType.BYTE, DataType.BOOL}) {
            INDArray source = type == DataType.BOOL ? randomArray(DataType.DOUBLE, 8, 5, 'c', 3).gt(0) : randomArray(type, 8, 5, 'c', 3);
            assertRows(source, PICKED, RowGather.rows(source, PICKED));
            INDArray target = Nd4j.create(source.dataType(), new long[] {PICKED.length, 5}, 'c');
            assertSame(target, RowGather.rows(source, target, PICKED));
            assertRows(source, PICKED, target);
        }
    }

    @Test
    void viewsWithOffsetsAndStridesAreCopiedFromTheirOwnElements() {
        INDArray parent = randomArray(DataType.FLOAT, 12, 9, 'c', 5);
        INDArray rowsAndColumns = parent.get(NDArrayIndex.interval(2, 10), NDArrayIndex.interval(3, 7));
        assertRows(rowsAndColumns, PICKED, RowGather.rows(rowsAndColumns, PICKED));
        INDArray everyOtherRow = parent.get(NDArrayIndex.interval(0, 2, 12), NDArrayIndex.all());
        int[] ofSix = {5, 0, 2, 2, 1};
        assertRows(everyOtherRow, ofSix, RowGather.rows(everyOtherRow, ofSix));
        INDArray column = parent.get(NDArrayIndex.all(), NDArrayIndex.point(4)).reshape(12, 1);
        assertRows(column, PICKED, RowGather.rows(column, PICKED));
        INDArray target = Nd4j.create(DataType.FLOAT, PICKED.length, 12).get(NDArrayIndex.all(), NDArrayIndex.interval(3, 7));
        RowGather.rows(rowsAndColumns, target, PICKED);
        assertRows(rowsAndColumns, PICKED, target);
    }

    @Test
    void columnMajorArraysAndTransposedViewsGoToNd4j() {
        INDArray fortran = randomArray(DataType.DOUBLE, 8, 5, 'f', 7);
        assertRows(fortran, PICKED, RowGather.rows(fortran, PICKED));
        INDArray transposed = randomArray(DataType.FLOAT, 5, 8, 'c', 9).transpose();
        assertRows(transposed, PICKED, RowGather.rows(transposed, PICKED));
        INDArray target = Nd4j.create(DataType.DOUBLE, new long[] {PICKED.length, 5}, 'f');
        RowGather.rows(fortran, target, PICKED);
        assertRows(fortran, PICKED, target);
    }

    @Test
    void aTargetOfAnotherTypeOrShapeIsRefused() {
        INDArray source = randomArray(DataType.FLOAT, 8, 5, 'c', 11);
        assertThrows(IllegalArgumentException.class, () -> RowGather.rows(source, Nd4j.create(DataType.DOUBLE, PICKED.length, 5), PICKED));
        assertThrows(IllegalArgumentException.class, () -> RowGather.rows(source, Nd4j.create(DataType.FLOAT, PICKED.length + 1, 5), PICKED));
        assertThrows(IllegalArgumentException.class, () -> RowGather.rows(source, Nd4j.create(DataType.FLOAT, PICKED.length, 4), PICKED));
    }

    @Test
    void aRowOutsideTheArrayIsRefused() {
        INDArray source = randomArray(DataType.FLOAT, 8, 5, 'c', 13);
        assertThrows(IndexOutOfBoundsException.class, () -> RowGather.rows(source, new int[] {1, 8}));
        assertThrows(IndexOutOfBoundsException.class, () -> RowGather.rows(source, new int[] {-1}));
    }
}
