package io.github.mtldl4j.examples.data;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The random data of the seed article's TensorFlow example: features and two 2-d regression targets,
 * every value uniform in [0, 1) (NumPy's {@code np.random.rand}), drawn from one seeded generator.
 * There is nothing to learn beyond the targets' mean; the example shows the wiring and the loss going down.
 */
public final class SeedArticleData {
    /** Rows in the article. */
    public static final int ROWS = 1000;
    /** Features per row in the article. */
    public static final int FEATURES = 10;
    /** Width of each task's target. */
    public static final int TARGET_WIDTH = 2;

    private SeedArticleData() {
    }

    /** The article's shape: 1,000 rows, 10 features, two targets of width 2. */
    public static MultiDataSet generate(long seed, DataType dataType) {
        return generate(ROWS, FEATURES, seed, dataType);
    }

    /** {@code rows} rows of {@code features} features and two targets of width 2. */
    public static MultiDataSet generate(int rows, int features, long seed, DataType dataType) {
        Random random = new Random(seed);
        INDArray x = uniform(random, rows, features, dataType);
        INDArray y1 = uniform(random, rows, TARGET_WIDTH, dataType);
        INDArray y2 = uniform(random, rows, TARGET_WIDTH, dataType);
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {y1, y2});
    }

    private static INDArray uniform(Random random, int rows, int columns, DataType dataType) {
        double[] values = new double[rows * columns];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble();
        }
        return Nd4j.create(values, new long[] {rows, columns}, 'c').castTo(dataType);
    }
}
