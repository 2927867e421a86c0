package io.github.mtldl4j.model;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * {@link MultiTaskComputationGraph#backwardPerTask} (one forward pass, per task a backward pass over the vertices its
 * output depends on) gives each task's gradient as plain DL4J does with every other task's labels masked out: the same
 * arithmetic in another order ({@code REORDERED}, NumericAssertions).
 */
class PerTaskGradientTest {
    private static final List<Task> TASKS = List.of(
            Task.regression("price", 2).withHead(4).withWeight(0.7),
            Task.binary("churn").withHead(3),
            Task.multiclass("segment", 3).withHead(5, 3).withWeight(1.5),
            Task.multilabel("tags", 3));

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(5).sharedLayers(6, 4).activation(Activation.TANH).l2(1e-3)
                .updater(new NoOp()).dataType(DataType.DOUBLE).seed(11).tasks(TASKS.toArray(Task[]::new));
    }

    private static void assertPerTaskGradientsMatchMaskedPlainPasses(MultiTaskModel model) {
        MultiDataSet data = TestData.batch(TASKS, 5, 12, 4);
        INDArray segmentMask = Nd4j.ones(DataType.DOUBLE, 12, 1);
        segmentMask.putScalar(3, 0, 0);
        segmentMask.putScalar(8, 0, 0);
        INDArray[] masks = {null, null, segmentMask, null};
        data.setLabelsMaskArray(masks);
        ComputationGraph plain = new ComputationGraph(model.graph().getConfiguration().clone());
        plain.init(model.graph().params().dup(), false);
        perturbOneSide(plain.params());

        INDArray[] perTask = new INDArray[TASKS.size()];
        MultiTaskComputationGraph graph = (MultiTaskComputationGraph) model.graph();
        double[] weights = TASKS.stream().mapToDouble(Task::weight).toArray();
        graph.backwardPerTask(data, t -> true,
                t -> {
                    for (int other = 0; other < TASKS.size(); other++) {
                        model.weights().set(TASKS.get(other).name(), other == t ? weights[t] : 0.0);
                    }
                },
                t -> {
                    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        perTask[t] = graph.getFlattenedGradients().dup();
                    }
                });
        model.weights().setAll(java.util.Map.of("price", weights[0], "churn", weights[1], "segment", weights[2], "tags", weights[3]));

        for (int t = 0; t < TASKS.size(); t++) {
            INDArray[] only = new INDArray[TASKS.size()];
            for (int other = 0; other < TASKS.size(); other++) {
                only[other] = other == t ? (masks[t] == null ? Nd4j.ones(DataType.DOUBLE, 12, 1) : masks[t])
                        : Nd4j.zeros(DataType.DOUBLE, 12, 1);
            }
            plain.setInputs(data.getFeatures());
            plain.setLabels(data.getLabels());
            plain.setLayerMaskArrays(null, only);
            plain.computeGradientAndScore();
            INDArray expected = plain.getFlattenedGradients();
            assertClose(expected, perTask[t], REORDERED, TASKS.get(t).name());
        }
    }

    @Test
    void hardSharingWithFusedHeads() {
        assertPerTaskGradientsMatchMaskedPlainPasses(builder().fusedHeads().build());
    }

    @Test
    void multiGateMixtureOfExperts() {
        assertPerTaskGradientsMatchMaskedPlainPasses(builder().sharing(MixtureOfExperts.mmoe(3, 6, 4)).build());
    }

    @Test
    void crossStitchWithACascade() {
        assertPerTaskGradientsMatchMaskedPlainPasses(builder().sharing(new CrossStitch(0.9)).cascade("tags", "churn").build());
    }
}
