package io.github.mtldl4j.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;

/** Runs only on the CUDA backend ({@code mvn -Pcuda verify} on a machine with a GPU); skipped elsewhere, with the reason. */
@Tag("gpu")
class GpuTrainingTest {

    @Test
    void multiTaskGraphTrainsOnCuda() {
        Assumptions.assumeTrue(BackendInfo.isCuda(), () -> "skipped: needs the CUDA backend, running on " + BackendInfo.describe());
        List<Task> tasks = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", 3));
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(8).sharedLayers(32).updater(new Adam(0.01))
                .tasks(tasks.toArray(Task[]::new)).build();
        MultiDataSet data = TestData.batch(tasks, 8, 64, 1);
        double before = model.losses(data).total();
        for (int i = 0; i < 50; i++) {
            model.fit(data);
        }
        double after = model.losses(data).total();
        assertTrue(after < before, "loss on CUDA fell from " + before + " to " + after);
    }
}
