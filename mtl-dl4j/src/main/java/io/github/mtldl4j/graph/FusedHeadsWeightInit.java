package io.github.mtldl4j.graph;

import java.util.Arrays;
import java.util.Objects;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Initializes the weights of fused heads ({@link MultiTaskGraphBuilder#fusedHeads()}) block by block, as the separate
 * head layers would be: the columns of each task's block get the inner scheme with that block's width as fan-out
 * (Xavier's scale depends on it). DL4J stores a dense layer's {@code [nIn, nOut]} weights column-major, so each
 * block is a contiguous part of the parameter view.
 */
public final class FusedHeadsWeightInit implements IWeightInit {
    private static final long serialVersionUID = 1L;

    @JsonProperty("inner")
    private IWeightInit inner;
    @JsonProperty("widths")
    private int[] widths;

    /** For JSON. */
    public FusedHeadsWeightInit() {
    }

    /** Blocks of the given widths (summing to the layer's nOut), each initialized by {@code inner}. */
    public FusedHeadsWeightInit(IWeightInit inner, int[] widths) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.widths = widths.clone();
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        if (shape.length != 2 || order != 'f' || shape[1] != Arrays.stream(widths).sum()) {
            throw new IllegalStateException("Fused heads: expected column-major [nIn, " + Arrays.stream(widths).sum()
                    + "] weights, received order " + order + " shape " + Arrays.toString(shape));
        }
        long rows = shape[0];
        long offset = 0;
        for (int width : widths) {
            INDArrayIndex columns = NDArrayIndex.interval(offset, offset + rows * width);
            INDArray block = paramView.rank() == 1 ? paramView.get(columns) : paramView.get(NDArrayIndex.all(), columns);
            inner.init(fanIn, width, new long[] {rows, width}, order, block);
            offset += rows * width;
        }
        return paramView.reshape(order, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedHeadsWeightInit other && inner.equals(other.inner) && Arrays.equals(widths, other.widths);
    }

    @Override
    public int hashCode() {
        return 31 * inner.hashCode() + Arrays.hashCode(widths);
    }
}
