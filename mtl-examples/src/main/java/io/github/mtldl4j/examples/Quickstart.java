package io.github.mtldl4j.examples;

import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** The README's quickstart, kept compiling and running by a test. */
public final class Quickstart {
    private Quickstart() {
    }

    /** Builds, trains, reweights, saves, loads and predicts; prints what it sees. */
    public static void main(String[] args) throws Exception {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(8)
                .sharedLayers(32, 16)                                   // the shared trunk
                .updater(new Adam(1e-2)).seed(7)
                .task(Task.regression("price"))                         // MSE, identity output
                .task(Task.binary("churn").withWeight(0.5))             // binary cross-entropy, sigmoid
                .task(Task.multiclass("segment", 3).withHead(8))        // softmax, own hidden layer
                .build();

        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 8);
        INDArray price = x.sum(true, 1).reshape(64, 1);
        INDArray churn = x.getColumns(0).gt(0.5).castTo(DataType.FLOAT);
        int[] classes = x.getColumns(0, 1, 2).argMax(1).toIntVector();      // a class index per row
        INDArray segment = Nd4j.pullRows(Nd4j.eye(3).castTo(DataType.FLOAT), 1, classes); // one-hot rows
        MultiDataSet batch = new MultiDataSet(new INDArray[] {x}, new INDArray[] {price, churn, segment});

        for (int step = 0; step < 20; step++) {
            model.fit(batch);
        }
        System.out.println("per-task losses: " + model.lastLosses().unweighted());
        model.weights().set("price", 2.0);                               // takes effect on the next step
        System.out.println("weights: " + model.weights());

        Path file = Files.createTempDirectory("mtl").resolve("model.zip");
        model.save(file);                                               // atomic; keeps the task metadata
        Map<String, INDArray> predictions = MultiTaskModel.load(file).predict(x.getRows(0, 1));
        System.out.println("churn probability of rows 0 and 1: " + predictions.get("churn"));
    }
}
