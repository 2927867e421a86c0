package io.github.mtldl4j.examples.data;

import io.github.mtldl4j.data.InvalidDataException;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MultiFashion (Sener and Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018, after
 * Sabour et al.'s MultiMNIST): two Fashion-MNIST items overlaid in one 36 x 36 image, one shifted to the top-left
 * corner and one to the bottom-right; task "left" classifies the first, task "right" the second (10 classes each).
 * Overlapping pixels take the brighter value. Pixels are scaled to [0, 1] and flattened row-major (height 36,
 * width 36, one channel).
 */
public final class MultiFashion {
    /** Side of the composed image. */
    public static final int SIDE = 36;
    /** Number of classes of each task. */
    public static final int CLASSES = 10;

    private final IdxFile images;
    private final IdxFile labels;
    private final int itemSide;

    /**
     * @param images IDX images [n, 28, 28]
     * @param labels IDX labels [n], values 0..9
     */
    public MultiFashion(IdxFile images, IdxFile labels) {
        if (images.dimensions().length != 3 || labels.dimensions().length != 1 || images.dimensions()[0] != labels.dimensions()[0]
                || images.dimensions()[1] != images.dimensions()[2] || images.dimensions()[1] > SIDE) {
            throw new InvalidDataException("MultiFashion needs square images [n, s, s] with s <= " + SIDE + " and labels [n]; received images "
                    + java.util.Arrays.toString(images.dimensions()) + " and labels " + java.util.Arrays.toString(labels.dimensions()) + ".");
        }
        this.images = images;
        this.labels = labels;
        this.itemSide = images.dimensions()[1];
    }

    /** Number of source items. */
    public int items() {
        return images.dimensions()[0];
    }

    /** {@code rows} composed images from seeded random pairs of distinct items; labels: left, right (one-hot). */
    public MultiDataSet compose(int rows, long seed) {
        Random random = new Random(seed);
        int n = items();
        float[] pixels = new float[rows * SIDE * SIDE];
        INDArray left = Nd4j.zeros(DataType.FLOAT, rows, CLASSES);
        INDArray right = Nd4j.zeros(DataType.FLOAT, rows, CLASSES);
        int shift = SIDE - itemSide;
        for (int r = 0; r < rows; r++) {
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            b = b >= a ? b + 1 : b;
            paint(pixels, r, a, 0);
            paint(pixels, r, b, shift);
            left.putScalar(r, label(a), 1.0);
            right.putScalar(r, label(b), 1.0);
        }
        INDArray x = Nd4j.create(pixels, new long[] {rows, (long) SIDE * SIDE}, 'c');
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {left, right});
    }

    private int label(int item) {
        int value = labels.unsigned(item);
        if (value >= CLASSES) {
            throw new InvalidDataException("label " + value + " of item " + item + " is not a Fashion-MNIST class (0..9).");
        }
        return value;
    }

    private void paint(float[] pixels, int row, int item, int offset) {
        int base = row * SIDE * SIDE;
        int source = item * itemSide * itemSide;
        for (int y = 0; y < itemSide; y++) {
            for (int x = 0; x < itemSide; x++) {
                int target = base + (y + offset) * SIDE + (x + offset);
                pixels[target] = Math.max(pixels[target], images.unsigned(source + y * itemSide + x) / 255f);
            }
        }
    }
}
