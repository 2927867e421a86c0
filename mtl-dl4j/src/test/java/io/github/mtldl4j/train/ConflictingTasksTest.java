package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.FRANK_WOLFE;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertNonNegative;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.gradient.SumAggregator;
import io.github.mtldl4j.gradient.UpGrad;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Two tasks that pull the shared trunk in opposite directions (identical heads, b's target is a's negated, b weighted
 * more):
 * the plain sum of their gradients hurts task a, while PCGrad's, MGDA's and UPGrad's shared updates have a
 * non-negative inner product with both task gradients.
 */
class ConflictingTasksTest {
    private static final int ROWS = 16;
    private static final double LEARNING_RATE = 0.01;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** Both heads start identical, so the opposite targets give opposite gradients on the trunk. */
    private static MultiTaskModel model() {
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).activation(Activation.IDENTITY)
                .updater(new Sgd(LEARNING_RATE)).dataType(DataType.DOUBLE).seed(11).representationTap()
                .tasks(Task.regression("a"), Task.regression("b").withWeight(3.0)).build();
        model.graph().getParam("b_W").assign(model.graph().getParam("a_W"));
        model.graph().getParam("b_b").assign(model.graph().getParam("a_b"));
        return model;
    }

    private static MultiDataSet data() {
        Random random = new Random(4);
        INDArray x = Nd4j.create(DataType.DOUBLE, ROWS, 3);
        INDArray y = Nd4j.create(DataType.DOUBLE, ROWS, 1);
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < 3; c++) {
                x.putScalar(r, c, random.nextGaussian());
            }
            y.putScalar(r, 0, 2 * x.getDouble(r, 0) - x.getDouble(r, 1) + 5);
        }
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {y, y.neg()});
    }

    /** Task t's gradient on the trunk, by DL4J's own means: the other task's labels masked out. */
    private static INDArray trunkGradient(ComputationGraph graph, MultiDataSet data, int task) {
        INDArray[] masks = {Nd4j.zeros(DataType.DOUBLE, ROWS, 1), Nd4j.zeros(DataType.DOUBLE, ROWS, 1)};
        masks[task].assign(1);
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.setLayerMaskArrays(null, masks);
        graph.computeGradientAndScore();
        return trunk(graph.gradient().getGradientFor("trunk_0_W"), graph.gradient().getGradientFor("trunk_0_b"));
    }

    /** The trunk's update direction (minus the parameter change) of one trainer step with the aggregator. */
    private static INDArray trunkStep(GradientAggregator aggregator) {
        MultiTaskModel model = model();
        INDArray before = trunk(model.graph().getParam("trunk_0_W"), model.graph().getParam("trunk_0_b"));
        MultiTaskTrainer.builder(model).epochs(1).metrics(false).aggregator(aggregator).build()
                .fit(new InMemoryMultiDataSetIterator(data(), ROWS));
        return before.sub(trunk(model.graph().getParam("trunk_0_W"), model.graph().getParam("trunk_0_b")));
    }

    /** The shared parameters (weights and bias of the trunk) as one vector. */
    private static INDArray trunk(INDArray weights, INDArray bias) {
        return Nd4j.concat(0, weights.dup().reshape(-1), bias.dup().reshape(-1));
    }

    /** d . g_a, d . g_b, and their scales |d| |g_a|, |d| |g_b|. */
    private static double[] innerProducts(INDArray direction) {
        MultiTaskModel model = model();
        INDArray ga = trunkGradient(model.graph(), data(), 0);
        INDArray gb = trunkGradient(model.graph(), data(), 1).mul(3.0);
        return new double[] {direction.mul(ga).sumNumber().doubleValue(), direction.mul(gb).sumNumber().doubleValue(),
                direction.norm2Number().doubleValue() * ga.norm2Number().doubleValue(),
                direction.norm2Number().doubleValue() * gb.norm2Number().doubleValue()};
    }

    @Test
    void theToyReallyConflicts() {
        double[] sum = innerProducts(trunkStep(new SumAggregator()));
        assertTrue(sum[0] < 0 || sum[1] < 0, "the sum's step must work against one task: " + sum[0] + ", " + sum[1]);
    }

    @Test
    void pcGradStepHelpsBothTasks() {
        // PCGrad's projections make both inner products >= 0 up to rounding.
        double[] d = innerProducts(trunkStep(new PcGrad()));
        assertNonNegative(d[0], d[2], REORDERED, "pcgrad d.g_a");
        assertNonNegative(d[1], d[3], REORDERED, "pcgrad d.g_b");
    }

    @Test
    void mgdaOnParametersAndUpGradStepsHelpBothTasks() {
        for (GradientAggregator aggregator : new GradientAggregator[] {MgdaUb.onSharedParameters(), new UpGrad()}) {
            double[] d = innerProducts(trunkStep(aggregator));
            // MGDA-UB's min-norm point is as accurate as Frank-Wolfe's stop; UPGrad re-imposes its bound exactly.
            double tolerance = aggregator instanceof MgdaUb ? FRANK_WOLFE : REORDERED;
            assertNonNegative(d[0], d[2], tolerance, aggregator.name() + " d.g_a");
            assertNonNegative(d[1], d[3], tolerance, aggregator.name() + " d.g_b");
        }
    }
}
