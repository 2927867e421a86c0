package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The direct step on mixtures of experts (MMoE, OMoE, CGC, PLE: softmax gates, gated sums, the experts of a level as
 * one sibling group) against DL4J's own passes on an identical graph, in double precision: gradients and scores,
 * parameters and updater state after Adam steps, per-task passes, label masks; and a finite-difference check of the
 * direct gradient. One pass in another order compares with {@code REORDERED}, Adam steps with {@code ADAM_STEPS}.
 */
class DirectTrainingStepMoeTest {
    private static final int ROWS = 10;
    private static final int INPUTS = 6;

    /** Every mixture the library builds; CGC with task experts of different counts, PLE with gates on the level input. */
    private static final Map<String, MixtureOfExperts> MODES = Map.of(
            "mmoe", MixtureOfExperts.mmoe(3, 5),
            "omoe", MixtureOfExperts.omoe(3, 5),
            "cgc", MixtureOfExperts.cgc(2, 1, 5).withExpertsFor("segment", 2),
            "ple", MixtureOfExperts.ple(2, 2, 1, 5).withGateInput(MixtureOfExperts.GateInput.LEVEL_INPUT),
            "mmoe deep experts", MixtureOfExperts.mmoe(2, 6, 4));

    private static MultiTaskGraphBuilder builder(MixtureOfExperts mode) {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU).updater(new Adam(0.01)).seed(7)
                .dataType(DataType.DOUBLE).sharing(mode)
                .task(Task.regression("price", 2).withHead(4).withWeight(0.7))
                .task(Task.binary("churn").withHead(3).withWeight(1.3))
                .task(Task.multiclass("segment", 3));
    }

    /** Standard normal features and labels; with {@code masks}, some churn and segment labels are missing. */
    private static MultiDataSet batch(long seed, boolean masks) {
        return DirectStepChecks.batch(seed, ROWS, INPUTS, masks);
    }

    @Test
    void everyMixtureIsTakenByTheDirectStepAndItsExpertsAreGrouped() {
        for (Map.Entry<String, MixtureOfExperts> mode : MODES.entrySet()) {
            ComputationGraph graph = builder(mode.getValue()).build().graph();
            assertNotNull(DirectTrainingStep.forLibraryGraph(graph), mode.getKey());
        }
        // MMoE: the three experts read the input (one group); the heads read different mixes.
        assertEquals(1, DirectTrainingStep.of(builder(MODES.get("mmoe")).build().graph()).siblingGroups());
        // OMoE: the experts, and the two towers that read the one mix.
        assertEquals(2, DirectTrainingStep.of(builder(MODES.get("omoe")).build().graph()).siblingGroups());
    }

    @Test
    void gradientAndScoresEqualDl4jOnTheSameParameters() {
        for (Map.Entry<String, MixtureOfExperts> mode : MODES.entrySet()) {
            ComputationGraph graph = builder(mode.getValue()).build().graph();
            DirectTrainingStep direct = DirectTrainingStep.of(graph);
            MultiDataSet batch = batch(11, true);
            double[] scores = direct.computeGradient(batch);
            Map<String, INDArray> ours = DirectStepChecks.layerGradients(graph);

            ComputationGraph reference = builder(mode.getValue()).build().graph();
            perturbOneSide(reference.params());
            reference.setInputs(batch.getFeatures());
            reference.setLabels(batch.getLabels());
            reference.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
            reference.computeGradientAndScore();
            assertClose(DirectStepChecks.layerGradients(reference), ours, REORDERED, mode.getKey() + " gradient");
            for (int t = 0; t < 3; t++) {
                assertClose(reference.getOutputLayer(t).score(), scores[t], REORDERED, mode.getKey() + " score " + t);
            }
        }
    }

    @Test
    void stepsEqualDl4jFitInParametersAndUpdaterState() {
        for (String name : new String[] {"mmoe", "cgc", "ple"}) {
            ComputationGraph graph = builder(MODES.get(name)).build().graph();
            ComputationGraph reference = builder(MODES.get(name)).build().graph();
            assertIdentical(reference.params(), graph.params(), "same seed, same initialization");
            perturbOneSide(reference.params());
            DirectTrainingStep direct = DirectTrainingStep.of(graph);
            for (int step = 0; step < 5; step++) {
                MultiDataSet batch = batch(step, step % 2 == 0);
                direct.fit(batch);
                reference.fit(batch);
                // Adam: each step carries the previous steps' differences, amplified by up to lr/eps.
                assertClose(reference.score(), graph.score(), ADAM_STEPS, name + " score after step " + step);
            }
            assertClose(reference.paramTable(), graph.paramTable(), ADAM_STEPS, name + " parameters");
            assertClose(reference.getUpdater().getStateViewArray(), graph.getUpdater().getStateViewArray(), ADAM_STEPS,
                    name + " updater state");
        }
    }

    /** Per-task passes against the graph's own (MultiTaskComputationGraph.backwardPerTask): gradients after each pass. */
    @Test
    void perTaskPassesEqualTheGraphsOwn() {
        for (String name : new String[] {"mmoe", "omoe", "cgc", "ple"}) {
            MultiDataSet batch = batch(8, true);
            @SuppressWarnings("unchecked")
            Map<String, INDArray>[][] gradients = new Map[2][3];
            double[][] scores = new double[2][];
            for (int run = 0; run < 2; run++) {
                MultiTaskModel model = builder(MODES.get(name)).build();
                if (run == 1) {
                    perturbOneSide(model.graph().params());
                }
                MultiTaskComputationGraph graph = (MultiTaskComputationGraph) model.graph();
                Map<String, INDArray>[] kept = gradients[run];
                IntPredicate include = t -> t != 1;
                IntConsumer before = t -> {
                    for (int other = 0; other < 3; other++) {
                        model.weights().set(model.taskNames().get(other), other == t ? 0.5 + t : 0.0);
                    }
                };
                IntConsumer after = t -> {
                    // The graph's callbacks run inside its training workspace.
                    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        kept[t] = DirectStepChecks.layerGradients(graph);
                    }
                };
                scores[run] = run == 0 ? DirectTrainingStep.of(graph).backwardPerTask(batch, include, before, after)
                        : graph.backwardPerTask(batch, include, before, after);
            }
            assertClose(scores[1], scores[0], REORDERED, name + " scores");
            assertNull(gradients[0][1]);
            for (int t : new int[] {0, 2}) {
                assertClose(gradients[1][t], gradients[0][t], REORDERED, name + " task " + t);
            }
        }
    }

    /**
     * Central differences of the summed scores for every third parameter of the gates and experts (the layers the gated
     * sums pass gradients to; the heads are the dense step's, checked in DirectTrainingStepTest; a third keeps the test
     * to seconds and still covers every weight column and bias): the direct gradient is the batch sum, i.e. ROWS x the
     * mean's gradient.
     */
    @Test
    void gradientPassesAFiniteDifferenceCheck() {
        for (String name : new String[] {"mmoe", "ple"}) {
            ComputationGraph graph = builder(MODES.get(name)).activation(Activation.TANH).updater(new Sgd(0.1)).build()
                    .graph();
            DirectTrainingStep direct = DirectTrainingStep.of(graph);
            MultiDataSet batch = batch(5, true);
            direct.computeGradient(batch);
            // Copied before any perturbed pass overwrites the gradient view.
            Map<String, INDArray> analytic = DirectStepChecks.layerGradients(graph);
            double worst = 0;
            int checked = 0;
            for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
                String layerName = layer.conf().getLayer().getLayerName();
                if (!layerName.contains("gate") && !layerName.contains("expert")) {
                    continue;
                }
                INDArray params = layer.params();
                long first = layerName.length() % 3;
                worst = Math.max(worst, FiniteDifferences.worstRelativeError(direct, batch, ROWS, params, analytic.get(layerName),
                        LongStream.iterate(first, i -> i < params.length(), i -> i + 3)));
                checked += (int) ((params.length() - first + 2) / 3);
            }
            assertTrue(checked > 50, name + ": " + checked + " parameters checked");
            assertTrue(worst < 1e-5, name + ": worst relative error " + worst);
        }
    }

    /** The trainer's default (direct steps) against the same run through {@code fit}: DWA, missing labels, 2 epochs. */
    @Test
    void trainerWithDirectStepsEqualsTrainerThroughFit() {
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = builder(MODES.get("mmoe")).build();
            if (run == 1) {
                perturbOneSide(model.graph().params());
            }
            MultiTaskTrainer.builder(model).epochs(2).weighting(new DynamicWeightAverage()).directSteps(run == 0).build()
                    .fit(new InMemoryMultiDataSetIterator(batch(21, true), 4));
            params[run] = model.graph().params();
        }
        // Adam, 2 epochs of 3 batches.
        assertClose(params[1], params[0], ADAM_STEPS, "parameters");
    }
}
