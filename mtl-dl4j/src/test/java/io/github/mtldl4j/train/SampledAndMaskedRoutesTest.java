package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradDrop;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MultiSampleAggregator;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The trainer's two routes added for GradDrop (the element-wise mask at the shared representation) and for SDMGrad /
 * MoDo (several independent samples per step): with their trivial settings both reduce to plain {@code fit}.
 */
class SampledAndMaskedRoutesTest {
    private static final List<Task> TASKS = List.of(
            Task.regression("price", 2).withHead(3), Task.binary("churn"), Task.multiclass("segment", 3));
    private static final int INPUTS = 4;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 5).activation(Activation.TANH).l2(1e-3)
                .updater(new Adam(0.01)).dataType(DataType.DOUBLE).seed(3).representationTap().tasks(TASKS.toArray(Task[]::new));
    }

    /** 30 rows in five batches of 6: each splits into three parts of 2 rows. */
    private static InMemoryMultiDataSetIterator fiveBatches() {
        return new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 30, 8), 6);
    }

    private static ComputationGraph plainFit() {
        ComputationGraph plain = builder().build().graph();
        perturbOneSide(plain.params());
        for (MultiDataSet batch : fiveBatches().toList()) {
            plain.fit(batch);
        }
        return plain;
    }

    /** The mean over the samples of each sample's row sum (written here, independent of the library's methods). */
    private static final MultiSampleAggregator MEAN_OF_SAMPLE_SUMS = new MultiSampleAggregator() {
        @Override
        public String name() {
            return "mean-of-sample-sums";
        }

        @Override
        public int samples() {
            return 3;
        }

        @Override
        public INDArray combine(List<INDArray> samples, Random random) {
            INDArray total = samples.get(0).sum(0);
            total.addi(samples.get(1).sum(0)).addi(samples.get(2).sum(0));
            return total.divi(3);
        }
    };

    /** Three equal parts' mean-loss gradients average to the batch's: the split, scales and heads match one plain step. */
    @Test
    void sampledRouteWithTheMeanOfSampleSumsMatchesPlainFit() {
        MultiTaskModel trained = builder().build();
        ComputationGraph plain = plainFit();
        MultiTaskTrainer.builder(trained).epochs(1).aggregator(MEAN_OF_SAMPLE_SUMS).build().fit(fiveBatches());
        // Per-task gradients of three parts, averaged, against one pass over the batch; five Adam steps.
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters");
    }

    /** Leak 1 lets every gradient through: the masked sum at the representation, sent through the trunk, is plain fit's. */
    @Test
    void gradDropWithFullLeakOnTheRepresentationRouteMatchesPlainFit() {
        MultiTaskModel trained = builder().build();
        ComputationGraph plain = plainFit();
        MultiTaskTrainer.builder(trained).epochs(1).aggregator(new GradDrop(1.0)).build().fit(fiveBatches());
        // Head passes to the representation, their sum, one trunk pass, against one pass; five Adam steps.
        assertClose(plain.params(), trained.graph().params(), ADAM_STEPS, "parameters");
    }

    /** Every new name trains to finite losses, and a seeded rerun is identical (GradDrop's draws, the random split). */
    @Test
    void newMethodsTrainReproducibly() {
        for (String name : List.of(GradDrop.NAME, "sdmgrad", "modo")) {
            INDArray[] params = new INDArray[2];
            for (int run = 0; run < 2; run++) {
                MultiTaskModel model = builder().build();
                GradientAggregator aggregator = MethodRegistry.aggregator(name);
                TrainingHistory history = MultiTaskTrainer.builder(model).epochs(1).seed(5).aggregator(aggregator).build().fit(fiveBatches());
                history.epochs().forEach(e -> e.tasks().values().forEach(s -> assertTrue(Double.isFinite(s.trainLoss()), name)));
                params[run] = model.graph().params().dup();
            }
            assertIdentical(params[0], params[1], name + " seeded rerun");
        }
    }
}
