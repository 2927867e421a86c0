package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.FRANK_WOLFE;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
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
 * The direct step against DL4J's own {@code fit} on an identical graph (same seed, double precision): gradients,
 * scores, parameters and updater state after several steps; plus a central finite-difference check of its gradient.
 * The direct step computes the same sums in another order (its own GEMMs, grouped sibling layers), so one pass compares
 * with {@code REORDERED}, several Adam steps with {@code ADAM_STEPS}, MGDA-UB's with {@code FRANK_WOLFE}
 * (NumericAssertions).
 */
class DirectTrainingStepTest {
    private static final int ROWS = 12;

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(7).sharedLayers(10, 9).activation(Activation.RELU)
                .updater(new Adam(0.01)).seed(3).dataType(DataType.DOUBLE)
                .task(Task.regression("price", 2).withHead(6).withWeight(0.7))
                .task(Task.binary("churn").withHead(5).withWeight(1.3))
                .task(Task.multiclass("segment", 3).withHead(4));
    }

    /** A batch with label masks: some rows of churn and segment are missing. */
    private static MultiDataSet batch(long seed, boolean masks) {
        return batch(seed, masks, true);
    }

    /**
     * With {@code fractional}, one price row has mask 0.25: DL4J's output layers multiply the pre-output by the mask
     * as well as the loss, and the direct step must do the same.
     */
    private static MultiDataSet batch(long seed, boolean masks, boolean fractional) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, ROWS, 7);
        INDArray price = Nd4j.randn(DataType.DOUBLE, ROWS, 2);
        INDArray churn = Nd4j.rand(DataType.DOUBLE, ROWS, 1).gt(0.5).castTo(DataType.DOUBLE);
        INDArray segment = Nd4j.zeros(DataType.DOUBLE, ROWS, 3);
        for (int r = 0; r < ROWS; r++) {
            segment.putScalar(r, (r * 7 + seed) % 3, 1.0);
        }
        INDArray[] labelMasks = null;
        if (masks) {
            INDArray churnMask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
            churnMask.putScalar(2, 0, 0.0);
            churnMask.putScalar(5, 0, 0.0);
            INDArray segmentMask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
            segmentMask.putScalar(0, 0, 0.0);
            // Price: one row missing, and a fractional weight on another (DL4J weights the squared error by the mask).
            INDArray priceMask = Nd4j.ones(DataType.DOUBLE, ROWS, 1);
            priceMask.putScalar(1, 0, 0.0);
            priceMask.putScalar(4, 0, fractional ? 0.25 : 0.0);
            labelMasks = new INDArray[] {priceMask, churnMask, segmentMask};
        }
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {price, churn, segment}, null, labelMasks);
    }

    @Test
    void gradientAndScoresEqualDl4jOnTheSameParameters() {
        for (MultiTaskGraphBuilder b : new MultiTaskGraphBuilder[] {builder(), builder().fusedHeads(),
                builder().representationTap(), builder().activation(Activation.TANH).bias(false).l2(1e-3),
                builder().independentTowers()}) {
            ComputationGraph graph = b.build().graph();
            DirectTrainingStep direct = DirectTrainingStep.of(graph, RepresentationTapVertex.class);
            MultiDataSet batch = batch(11, true);
            double[] scores = direct.computeGradient(batch);
            INDArray ours = graph.getFlattenedGradients().dup();

            ComputationGraph reference = b.build().graph();
            perturbOneSide(reference.params());
            reference.setInputs(batch.getFeatures());
            reference.setLabels(batch.getLabels());
            reference.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
            reference.computeGradientAndScore();
            INDArray expected = reference.getFlattenedGradients();
            assertClose(expected, ours, REORDERED, "gradient");
            double regularization = reference.calcRegularizationScore(true);
            for (int t = 0; t < 3; t++) {
                double expectedScore = reference.getOutputLayer(t).score() - (t == 0 ? regularization : 0.0);
                assertClose(expectedScore, scores[t], REORDERED, "score of output " + t);
            }
        }
    }

    @Test
    void stepsEqualDl4jFitInParametersUpdaterStateAndIterations() {
        for (MultiTaskGraphBuilder b : new MultiTaskGraphBuilder[] {builder(), builder().fusedHeads(),
                builder().activation(Activation.SIGMOID).l2(1e-2)}) {
            ComputationGraph graph = b.build().graph();
            ComputationGraph reference = b.build().graph();
            assertIdentical(reference.params(), graph.params(), "same seed, same initialization");
            perturbOneSide(reference.params());
            DirectTrainingStep direct = DirectTrainingStep.of(graph);
            AtomicInteger heard = new AtomicInteger();
            AtomicInteger gradients = new AtomicInteger();
            graph.setListeners(new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model model) {
                    // Listeners read the gradient as they do under fit.
                    if (model.gradient() != null && model.gradient().gradientForVariable().size() == model.paramTable().size()) {
                        gradients.incrementAndGet();
                    }
                }

                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    heard.incrementAndGet();
                }
            });
            for (int step = 0; step < 6; step++) {
                // Loss weights change between steps (as dynamic weightings do): both graphs must see the change.
                for (ComputationGraph g : new ComputationGraph[] {graph, reference}) {
                    ((WeightedLoss) ((BaseOutputLayer) g.getOutputLayer(0).conf().getLayer()).getLossFn()).setWeight(0.5 + step);
                }
                // Two batch sizes: the buffers are reallocated and must still be right.
                MultiDataSet batch = batch(step, step % 2 == 0);
                if (step == 4) {
                    batch = smaller(batch);
                }
                direct.fit(batch);
                reference.fit(batch);
                // Adam: each step carries the previous steps' differences, amplified by up to lr/eps.
                assertClose(reference.score(), graph.score(), ADAM_STEPS, "score after step " + step);
            }
            assertClose(reference.params(), graph.params(), ADAM_STEPS, "parameters");
            assertClose(reference.getUpdater().getStateViewArray(), graph.getUpdater().getStateViewArray(), ADAM_STEPS,
                    "updater state");
            assertEquals(reference.getIterationCount(), graph.getIterationCount());
            assertEquals(6, heard.get());
            assertEquals(6, gradients.get());
        }
    }

    /**
     * Weights chosen from the step's own forward pass (GLS, FAMO): the same step as DL4J's fit with those weights set
     * beforehand, and the scores handed over are those at the weights of the forward pass.
     */
    @Test
    void reweightedStepEqualsFitWithTheChosenWeights() {
        for (MultiTaskGraphBuilder b : new MultiTaskGraphBuilder[] {builder(), builder().fusedHeads()}) {
            MultiTaskModel model = b.build();
            MultiTaskModel reference = b.build();
            perturbOneSide(reference.graph().params());
            DirectTrainingStep direct = DirectTrainingStep.of(model.graph());
            double[] chosen = {2.0, 0.5, 1.5};
            MultiDataSet batch = batch(4, true);
            MultiTaskModel atOne = b.build();
            for (String task : model.taskNames()) {
                model.weights().set(task, 1.0);
                atOne.weights().set(task, 1.0);
            }
            double[] expectedScores = DirectTrainingStep.of(atOne.graph()).computeGradient(batch);
            double[][] handed = new double[1][];
            double[] returned = direct.fit(batch, scores -> {
                handed[0] = scores;
                for (int t = 0; t < chosen.length; t++) {
                    model.weights().set(model.taskNames().get(t), chosen[t]);
                }
            });
            assertArrayEquals(expectedScores, handed[0], 0.0, "scores at weight 1, handed to reweight");
            assertArrayEquals(expectedScores, returned, 0.0, "scores at weight 1, returned");
            for (int t = 0; t < chosen.length; t++) {
                reference.weights().set(reference.taskNames().get(t), chosen[t]);
            }
            reference.graph().fit(batch);
            // One Adam step on a reordered gradient (delta rescaled from weight 1 against the loss weighted directly).
            assertClose(reference.graph().params(), model.graph().params(), ADAM_STEPS, "parameters after the step");
            assertClose(reference.graph().score(), model.graph().score(), REORDERED, "score at the chosen weights");
        }
    }

    private static MultiDataSet smaller(MultiDataSet batch) {
        INDArray[] labels = batch.getLabels();
        INDArray[] small = new INDArray[labels.length];
        for (int i = 0; i < labels.length; i++) {
            small[i] = labels[i].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)).dup();
        }
        return new MultiDataSet(new INDArray[] {batch.getFeatures(0).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)).dup()}, small);
    }

    /** Central differences of the summed scores: the direct gradient is the batch sum, i.e. ROWS x the mean's gradient. */
    @Test
    void gradientPassesAFiniteDifferenceCheck() {
        ComputationGraph graph = builder().fusedHeads().activation(Activation.TANH).updater(new Sgd(0.1)).build().graph();
        DirectTrainingStep direct = DirectTrainingStep.of(graph);
        MultiDataSet batch = batch(5, true, false);
        direct.computeGradient(batch);
        INDArray analytic = graph.getFlattenedGradients().dup();
        INDArray params = graph.params();
        double worst = FiniteDifferences.worstRelativeError(direct, batch, ROWS, params, analytic,
                LongStream.range(0, params.length()));
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    /** The trainer's default (direct steps) against the same run through {@code fit}: DWA, missing labels, 3 epochs. */
    @Test
    void trainerWithDirectStepsEqualsTrainerThroughFit() {
        double[][] losses = new double[2][];
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = builder().fusedHeads().build();
            if (run == 1) {
                perturbOneSide(model.graph().params());
            }
            MultiDataSet data = batch(21, true, false);
            TrainingHistory history = MultiTaskTrainer.builder(model).epochs(3).weighting(new DynamicWeightAverage())
                    .directSteps(run == 0).build().fit(new InMemoryMultiDataSetIterator(data, 4));
            losses[run] = history.epochs().stream().flatMap(e -> model.taskNames().stream().map(t -> e.task(t).trainLoss()))
                    .mapToDouble(Double::doubleValue).toArray();
            params[run] = model.graph().params();
        }
        // Adam, 3 epochs of 3 batches.
        assertClose(losses[1], losses[0], ADAM_STEPS, "losses");
        assertClose(params[1], params[0], ADAM_STEPS, "parameters");
    }

    /** Per-task passes against the graph's own (MultiTaskComputationGraph.backwardPerTask): gradients after each pass. */
    @Test
    void perTaskPassesEqualTheGraphsOwn() {
        // Tanh: its derivative overwrites its input in DL4J, and the passes share one forward pass.
        for (MultiTaskGraphBuilder b : new MultiTaskGraphBuilder[] {builder(), builder().fusedHeads(),
                builder().activation(Activation.TANH)}) {
            MultiDataSet batch = batch(8, true);
            INDArray[][] gradients = new INDArray[2][3];
            double[][] scores = new double[2][];
            for (int run = 0; run < 2; run++) {
                MultiTaskModel model = b.build();
                if (run == 1) {
                    perturbOneSide(model.graph().params());
                }
                MultiTaskComputationGraph graph = (MultiTaskComputationGraph) model.graph();
                INDArray[] kept = gradients[run];
                IntPredicate include = t -> t != 1;
                IntConsumer before = t -> {
                    for (int other = 0; other < 3; other++) {
                        model.weights().set(model.taskNames().get(other), other == t ? 0.5 + t : 0.0);
                    }
                };
                IntConsumer after = t -> {
                    // The graph's callbacks run inside its training workspace.
                    try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        kept[t] = graph.getFlattenedGradients().dup();
                    }
                };
                scores[run] = run == 0 ? DirectTrainingStep.of(graph).backwardPerTask(batch, include, before, after)
                        : graph.backwardPerTask(batch, include, before, after);
            }
            assertClose(scores[1], scores[0], REORDERED, "scores");
            assertEquals(null, gradients[0][1]);
            for (int t : new int[] {0, 2}) {
                assertClose(gradients[1][t], gradients[0][t], REORDERED, "task " + t);
            }
        }
    }

    /** MGDA-UB's route against the graph's own (backwardThroughRepresentation), with a hand-set combination. */
    @Test
    void representationRouteEqualsTheGraphsOwn() {
        MultiDataSet batch = batch(9, true);
        INDArray[] gradients = new INDArray[2];
        double[][] scores = new double[2][];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = builder().representationTap().build();
            if (run == 1) {
                perturbOneSide(model.graph().params());
            }
            MultiTaskComputationGraph graph = (MultiTaskComputationGraph) model.graph();
            IntConsumer before = t -> {
                for (int other = 0; other < 3; other++) {
                    model.weights().set(model.taskNames().get(other), other == t ? 1.5 - 0.5 * t : 0.0);
                }
            };
            // 0.3 of task 0's representation gradient plus 0.7 of task 2's; task 1 left out.
            Function<INDArray[], INDArray> combine = perTask -> perTask[0].mul(0.3).addi(perTask[2].mul(0.7));
            IntPredicate include = t -> t != 1;
            scores[run] = run == 0
                    ? DirectTrainingStep.of(graph, RepresentationTapVertex.class).backwardThroughRepresentation(batch,
                            VertexNames.SHARED_REPRESENTATION, include, before, combine)
                    : graph.backwardThroughRepresentation(batch, VertexNames.SHARED_REPRESENTATION, include, before, combine);
            gradients[run] = graph.getFlattenedGradients().dup();
        }
        assertClose(scores[1], scores[0], REORDERED, "scores");
        assertClose(gradients[1], gradients[0], REORDERED, "gradient");
        assertTrue(DirectTrainingStep.of(builder().representationTap().build().graph(), RepresentationTapVertex.class)
                .splitsAt(VertexNames.SHARED_REPRESENTATION));
        assertTrue(!DirectTrainingStep.of(builder().fusedHeads().representationTap().build().graph(),
                RepresentationTapVertex.class).splitsAt(VertexNames.SHARED_REPRESENTATION), "fused heads share a layer");
    }

    /** PCGrad and MGDA-UB through the trainer: direct passes against the graph's own, 2 epochs, missing labels. */
    @Test
    void trainerWithAggregatorsEqualsTheGraphsOwnPasses() {
        for (GradientAggregator aggregator : new GradientAggregator[] {new PcGrad(), MgdaUb.onRepresentation()}) {
            INDArray[] params = new INDArray[2];
            for (int run = 0; run < 2; run++) {
                MultiTaskModel model = builder().representationTap().build();
                if (run == 1) {
                    perturbOneSide(model.graph().params());
                }
                MultiTaskTrainer.builder(model).epochs(2).aggregator(aggregator).seed(5).directSteps(run == 0).build()
                        .fit(new InMemoryMultiDataSetIterator(batch(31, true, false), 4));
                params[run] = model.graph().params();
            }
            // Adam, 6 steps; MGDA-UB's Frank-Wolfe can stop at another iterate (3.2e-10 apart on an AMD EPYC).
            assertClose(params[1], params[0], aggregator instanceof MgdaUb ? FRANK_WOLFE : ADAM_STEPS, aggregator.name());
        }
    }

    /** The tests above run the grouped path: the heads' first layers (and the towers' first layers) are one group. */
    @Test
    void siblingLayersAreComputedAsOneGroup() {
        assertEquals(1, DirectTrainingStep.of(builder().build().graph()).siblingGroups());
        assertEquals(1, DirectTrainingStep.of(builder().independentTowers().build().graph()).siblingGroups());
        assertEquals(0, DirectTrainingStep.of(builder().fusedHeads().build().graph()).siblingGroups(), "one fused layer");
        assertEquals(0, DirectTrainingStep.of(builder().activation(Activation.TANH).build().graph()).siblingGroups(),
                "ReLU layers only");
    }

    @Test
    void unsupportedGraphsAreNamedAndRefused() {
        ComputationGraph dropout = builder().dropout(0.2).build().graph();
        assertEquals(Optional.empty(), DirectTrainingStep.unsupportedReason(dropout), "dropout on hidden layers is taken");
        ComputationGraph noisy = builder().build().graph();
        ((org.deeplearning4j.nn.conf.layers.BaseLayer) noisy.getLayer("trunk_1").conf().getLayer())
                .setIDropout(new org.deeplearning4j.nn.conf.dropout.GaussianDropout(0.2));
        Optional<String> reason = DirectTrainingStep.unsupportedReason(noisy);
        assertTrue(reason.isPresent() && reason.get().contains("GaussianDropout"), reason.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DirectTrainingStep.of(noisy));
        assertTrue(e.getMessage().contains("ComputationGraph.fit"), e.getMessage());

        ComputationGraph cascade = builder().cascade("segment", "churn").build().graph();
        assertEquals(Optional.empty(), DirectTrainingStep.unsupportedReason(cascade), "cascades are taken");

        // A vertex the step has no arithmetic for.
        ComputationGraph sum = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("in")
                .addLayer("a", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(2).build(), "in")
                .addLayer("b", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(2).build(), "in")
                .addVertex("sum", new org.deeplearning4j.nn.conf.graph.ElementWiseVertex(
                        org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add), "a", "b")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(2).nOut(1)
                        .activation(Activation.IDENTITY).lossFunction(org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                        .build(), "sum")
                .setOutputs("out").build());
        sum.init();
        Optional<String> sumReason = DirectTrainingStep.unsupportedReason(sum);
        assertTrue(sumReason.isPresent() && sumReason.get().contains("'sum'") && sumReason.get().contains("ElementWiseVertex"),
                sumReason.toString());

        ComputationGraph tap = builder().representationTap().build().graph();
        assertTrue(DirectTrainingStep.unsupportedReason(tap).isPresent(), "the tap is only an identity when named");
        assertEquals(Optional.empty(), DirectTrainingStep.unsupportedReason(tap, RepresentationTapVertex.class));
    }

    @Test
    void labelsOfTheWrongShapeAreRefusedNamingTheOutput() {
        ComputationGraph graph = builder().build().graph();
        MultiDataSet batch = batch(1, false);
        batch.setLabels(1, Nd4j.zeros(DataType.DOUBLE, ROWS, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DirectTrainingStep.of(graph).fit(batch));
        assertTrue(e.getMessage().contains("'churn'") && e.getMessage().contains("[12, 1]"), e.getMessage());
    }

    @Test
    void featureMasksAreRefused() {
        ComputationGraph graph = builder().build().graph();
        MultiDataSet batch = batch(1, false);
        batch.setFeaturesMaskArrays(new INDArray[] {Nd4j.ones(DataType.DOUBLE, ROWS, 1)});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DirectTrainingStep.of(graph).fit(batch));
        assertTrue(e.getMessage().contains("feature masks"), e.getMessage());
        assertArrayEquals(new long[] {ROWS, 7}, batch.getFeatures(0).shape());
    }
}
