package io.github.mtldl4j;

import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random features and valid labels for any mix of task types, in DOUBLE. */
public final class TestData {
    private TestData() {
    }

    /** The four task types with heads of different depth and non-unit weights. */
    public static List<Task> mixedTasks() {
        return List.of(
                Task.regression("price", 2).withHead(4).withWeight(0.7),
                Task.binary("churn").withWeight(2.0),
                Task.multiclass("segment", 3).withHead(5, 3),
                Task.multilabel("tags", 3).withWeight(1.3));
    }

    /** Features uniform in [-1, 1) and labels valid for each task type. */
    public static MultiDataSet batch(List<Task> tasks, int inputs, int rows, long seed) {
        Random random = new Random(seed);
        INDArray features = Nd4j.create(DataType.DOUBLE, rows, inputs);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < inputs; c++) {
                features.putScalar(r, c, random.nextDouble() * 2 - 1);
            }
        }
        INDArray[] labels = new INDArray[tasks.size()];
        for (int t = 0; t < tasks.size(); t++) {
            Task task = tasks.get(t);
            INDArray y = Nd4j.create(DataType.DOUBLE, rows, task.width());
            for (int r = 0; r < rows; r++) {
                switch (task.type()) {
                    case REGRESSION -> {
                        for (int c = 0; c < task.width(); c++) {
                            y.putScalar(r, c, random.nextGaussian());
                        }
                    }
                    case BINARY, MULTILABEL -> {
                        for (int c = 0; c < task.width(); c++) {
                            y.putScalar(r, c, random.nextBoolean() ? 1 : 0);
                        }
                    }
                    case MULTICLASS -> y.putScalar(r, random.nextInt(task.width()), 1);
                }
            }
            labels[t] = y;
        }
        return new MultiDataSet(new INDArray[] {features}, labels);
    }
}
