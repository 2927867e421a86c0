package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GemmContextsTest {

    /** Other tests' steps on this thread keep contexts too: start and leave with none. */
    @BeforeEach
    @AfterEach
    void clear() {
        GemmContexts.clear();
    }

    @Test
    void aKeptContextReadsTheArraysCurrentValues() {
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.rand(DataType.DOUBLE, 5, 3);
        INDArray b = Nd4j.rand(DataType.DOUBLE, 4, 3);
        INDArray c = Nd4j.create(DataType.DOUBLE, 5, 4);
        INDArray expected = Nd4j.create(DataType.DOUBLE, 5, 4);
        for (int step = 0; step < 3; step++) {
            a.addi(step); // new values in the same buffer, as the direct step's buffers get every step
            GemmContexts.gemm(a, b, c, false, true, 1.0, 0.0);
            Nd4j.gemm(a, b, expected, false, true, 1.0, 0.0);
            assertEquals(expected, c, "step " + step); // the same kernel on the same operands: equal bitwise
        }
        // Accumulating (beta 1) is another product of the same arrays: c + a b^T.
        INDArray before = c.dup();
        GemmContexts.gemm(a, b, c, false, true, 1.0, 1.0);
        assertEquals(before.add(expected), c);
        assertEquals(2, GemmContexts.size());
    }

    @Test
    void contextsOfArraysThatDoNotComeBackAreClosedBeyondTheCapacity() {
        INDArray b = Nd4j.ones(DataType.FLOAT, 2, 2);
        INDArray c = Nd4j.create(DataType.FLOAT, 2, 2);
        for (int i = 0; i < GemmContexts.CAPACITY + 10; i++) {
            GemmContexts.gemm(Nd4j.ones(DataType.FLOAT, 2, 2).muli(i), b, c, false, false, 1.0, 0.0);
            assertEquals(2.0 * i, c.getDouble(1, 1), 0.0);
        }
        assertEquals(GemmContexts.CAPACITY, GemmContexts.size());
    }
}
