package io.github.mtldl4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatches that DL4J's Spark workers merge keep every row's missing labels on that row: ND4J's merge of
 * {@code [rows, 1]} masks of a 3-class label puts the 0s on the wrong rows, the widened masks merge row by row.
 */
class SparkBackendMasksTest {
    @Test
    void widenedMasksOfAMulticlassTaskMergeRowByRow() {
        MultiDataSet first = batch(new float[][] {{1, 0, 0}, {0, 1, 0}}, new float[] {1, 0});
        MultiDataSet second = batch(new float[][] {{0, 0, 1}}, new float[] {0});
        INDArray merged = MultiDataSet.merge(List.of((MultiDataSet) SparkBackend.mergeableMasks(first),
                (MultiDataSet) SparkBackend.mergeableMasks(second))).getLabelsMaskArray(0);
        // Rows 1 and 2 are missing their label: every class of those rows masked, row 0 kept.
        assertArrayEquals(new float[][] {{1, 1, 1}, {0, 0, 0}, {0, 0, 0}}, merged.toFloatMatrix());
    }

    @Test
    void masksOfSingleColumnLabelsAreLeftAsTheyAre() {
        MultiDataSet binary = new MultiDataSet(new INDArray[] {Nd4j.zeros(2, 1)}, new INDArray[] {Nd4j.create(new float[][] {{1}, {0}})},
                null, new INDArray[] {Nd4j.create(new float[][] {{1}, {0}})});
        assertSame(binary, SparkBackend.mergeableMasks(binary));
    }

    private static MultiDataSet batch(float[][] labels, float[] mask) {
        float[][] column = new float[mask.length][];
        for (int r = 0; r < mask.length; r++) {
            column[r] = new float[] {mask[r]};
        }
        return new MultiDataSet(new INDArray[] {Nd4j.zeros(labels.length, 2)}, new INDArray[] {Nd4j.create(labels)}, null,
                new INDArray[] {Nd4j.create(column)});
    }
}
