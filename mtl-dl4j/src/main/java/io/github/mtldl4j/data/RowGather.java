package io.github.mtldl4j.data;

import java.nio.ByteBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Picked rows of a rank-2 array, copied row by row as bytes through NIO views of the two buffers. ND4J's
 * {@code Nd4j.pullRows} gives the same array but builds tensor-along-dimension shape information and pointer arrays on
 * every call: in {@code ThroughputBenchmark}'s pipeline that bookkeeping took a third of the time of the training steps
 * it fed (docs/performance.md, "The data path"). Arrays whose rows are not contiguous, buffers off the host or larger
 * than 2 GB go to {@code pullRows}.
 */
final class RowGather {
    private static final boolean HOST_BUFFERS = Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");

    private RowGather() {
    }

    /** The rows {@code picked} of {@code source} (rank 2) in a new c-order array. */
    static INDArray rows(INDArray source, int[] picked) {
        if (!copiesRows(source)) {
            return Nd4j.pullRows(source, 1, picked);
        }
        INDArray target = Nd4j.createUninitialized(source.dataType(), picked.length, source.columns());
        copy(source, picked, target);
        return target;
    }

    /**
     * The rows {@code picked} of {@code source} (rank 2) written into {@code target} ({@code picked.length} rows, the
     * source's columns and data type: ND4J's gather would copy the bytes of another type as they are).
     */
    static INDArray rows(INDArray source, INDArray target, int[] picked) {
        if (target.dataType() != source.dataType() || target.rank() != 2 || target.rows() != picked.length
                || target.columns() != source.columns()) {
            throw new IllegalArgumentException("a gather of " + picked.length + " rows of a " + source.dataType() + " array of "
                    + source.columns() + " columns cannot write into a " + target.dataType() + " array of shape "
                    + java.util.Arrays.toString(target.shape()));
        }
        if (!copiesRows(source) || !copiesRows(target)) {
            return Nd4j.pullRows(source, target, 1, picked);
        }
        copy(source, picked, target);
        return target;
    }

    /** Rank 2 with each row's elements next to each other, in a host buffer NIO can address. */
    private static boolean copiesRows(INDArray array) {
        if (array.rank() != 2 || array.isEmpty() || array.data().length() * array.dataType().width() > Integer.MAX_VALUE) {
            return false;
        }
        return HOST_BUFFERS && (array.columns() == 1 || array.stride(1) == 1);
    }

    private static void copy(INDArray source, int[] picked, INDArray target) {
        int width = source.dataType().width();
        int rowBytes = (int) source.columns() * width;
        long sourceRows = source.rows();
        long sourceStride = source.stride(0) * (long) width;
        long sourceOffset = source.offset() * (long) width;
        long targetStride = target.stride(0) * (long) width;
        long targetOffset = target.offset() * (long) width;
        ByteBuffer from = source.data().asNio();
        ByteBuffer to = target.data().asNio();
        for (int i = 0; i < picked.length; i++) {
            int row = picked[i];
            if (row < 0 || row >= sourceRows) {
                throw new IndexOutOfBoundsException("row " + row + " of an array of " + sourceRows + " rows");
            }
            to.put((int) (targetOffset + i * targetStride), from, (int) (sourceOffset + row * sourceStride), rowBytes);
        }
    }
}
