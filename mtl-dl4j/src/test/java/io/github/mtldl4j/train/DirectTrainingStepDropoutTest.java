package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The direct step with dropout ({@code MultiTaskGraphBuilder.dropout}: DL4J's {@code Dropout} on every layer that reads
 * a trunk layer). It draws its masks as DL4J does (the same op on a mask of the same shape and order, layers in the same
 * order) from ND4J's generator, so with the generator seeded alike before each step both sides drop the same units and
 * are compared under the same tolerance policy as without dropout ({@link DirectStepChecks}): a wrong mask, order or
 * scaling shows as a difference of order 1. Gradient-checked with the masks held fixed (the generator reseeded before
 * every pass). Dropout on output layers (tasks without heads): equal to fit where fit keeps one mask per layer, and
 * elsewhere checked on its own (finite differences, mask statistics, per-task passes, reproducibility) with fit's
 * difference pinned down by hand ({@link #fitDropsOutAnEarlierOutputsInputTwice}).
 */
class DirectTrainingStepDropoutTest {
    private static final int ROWS = 10;
    private static final int INPUTS = 6;

    private static MultiTaskGraphBuilder builder() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU).updater(new Adam(0.01)).seed(7)
                .dataType(DataType.DOUBLE).sharedLayers(6, 5).dropout(0.4)
                .task(Task.regression("price", 2).withHead(4).withWeight(0.7))
                .task(Task.binary("churn").withHead(3).withWeight(1.3))
                .task(Task.multiclass("segment", 3).withHead(3));
    }

    /** Hard sharing; fused heads; a mixture of experts; cross-stitch; a cascade (every task with a head). */
    private static final Map<String, Supplier<MultiTaskModel>> MODELS = new LinkedHashMap<>();

    static {
        MODELS.put("hard sharing", () -> builder().build());
        MODELS.put("fused heads", () -> builder().fusedHeads().build());
        MODELS.put("mmoe", () -> builder().sharing(MixtureOfExperts.mmoe(3, 5)).build());
        MODELS.put("cross-stitch", () -> builder().sharing(new CrossStitch()).build());
        MODELS.put("cascade", () -> builder().cascade("segment", "price").build());
    }

    @Test
    void dropoutGraphsAreTakenByTheDirectStep() {
        MODELS.forEach((name, models) -> assertNotNull(DirectTrainingStep.forLibraryGraph(models.get().graph()), name));
    }

    /**
     * Dropout on output layers (tasks without a head read the trunk), in the two kinds of graph where DL4J's fit keeps
     * one mask per layer, so it is a reference: each output layer the only reader of its input (towers), and the only
     * output layer among its input's readers the last of them in graph order ({@link #fitDropsOutAnEarlierOutputsInputTwice}).
     */
    private static final Map<String, Supplier<MultiTaskModel>> OUTPUT_DROPOUT = new LinkedHashMap<>();

    static {
        OUTPUT_DROPOUT.put("towers without heads", () -> MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU)
                .updater(new Adam(0.01)).seed(7).dataType(DataType.DOUBLE).sharedLayers(6, 5).dropout(0.4).independentTowers()
                .tasks(Task.regression("price", 2), Task.binary("churn"), Task.multiclass("segment", 3)).build());
        OUTPUT_DROPOUT.put("last reader an output layer", () -> MultiTaskGraphBuilder.forInputs(INPUTS)
                .activation(Activation.RELU).updater(new Adam(0.01)).seed(7).dataType(DataType.DOUBLE).sharedLayers(6, 5)
                .dropout(0.4).task(Task.regression("price", 2).withHead(4)).task(Task.binary("churn").withHead(3))
                .task(Task.multiclass("segment", 3)).build());
    }

    /** Tasks without heads: every output layer reads the trunk with dropout (what {@code mtl train --dropout} builds). */
    private static MultiTaskGraphBuilder noHeads() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).activation(Activation.RELU).updater(new Adam(0.01)).seed(7)
                .dataType(DataType.DOUBLE).sharedLayers(6, 5).dropout(0.4)
                .tasks(Task.regression("price", 2), Task.binary("churn").withHead(3), Task.multiclass("segment", 3));
    }

    @Test
    void dropoutOnOutputLayersIsTakenByTheDirectStep() {
        assertNotNull(DirectTrainingStep.forLibraryGraph(noHeads().build().graph()), "no heads");
        assertNotNull(DirectTrainingStep.forLibraryGraph(noHeads().representationTap().build().graph()), "representation tap");
        OUTPUT_DROPOUT.forEach((name, models) -> assertNotNull(DirectTrainingStep.forLibraryGraph(models.get().graph()), name));
        // Other kinds stay with fit: a scheduled retain probability.
        ComputationGraph scheduled = noHeads().build().graph();
        ((org.deeplearning4j.nn.conf.layers.BaseLayer) scheduled.getLayer("price").conf().getLayer())
                .setIDropout(new Dropout(new org.nd4j.linalg.schedule.StepSchedule(
                        org.nd4j.linalg.schedule.ScheduleType.ITERATION, 0.6, 0.5, 10)));
        Optional<String> reason = DirectTrainingStep.unsupportedReason(scheduled, RepresentationTapVertex.class);
        assertTrue(reason.isPresent() && reason.get().contains("'price'") && reason.get().contains("schedule"), reason.toString());
    }

    @Test
    void outputLayerDropoutEqualsDl4jFitWhereFitKeepsOneMaskPerLayer() {
        OUTPUT_DROPOUT.forEach((name, models) -> DirectStepChecks.stepsEqualFit(models,
                step -> DirectStepChecks.batch(step, ROWS, INPUTS, step % 2 == 0), 4,
                step -> Nd4j.getRandom().setSeed(2000 + step), name));
    }

    /**
     * Why the direct step differs from fit when several output layers read one vertex (DL4J 1.0.0-M2.1): fit computes
     * output layers in its backward pass, in reverse graph order, and lets the last reader of a vertex in graph order
     * ({@code segment} here) apply its dropout to the vertex's activations in place ({@code allowInputModification}); an
     * output layer computed after it ({@code price}) then reads {@code a * S} and drops that out with its own mask
     * {@code P}. Its score and weight gradient are those of the input {@code a * S * P}, but the gradient it passes to
     * the trunk is multiplied by {@code P} only, so it is not the gradient of that score. The direct step draws the same
     * masks and uses {@code a * P} for price's loss and both gradients. Expected values computed here from the masks.
     */
    @Test
    void fitDropsOutAnEarlierOutputsInputTwice() {
        MultiDataSet batch = DirectStepChecks.batch(3, ROWS, INPUTS, false);
        MultiTaskModel model = noHeads().build();
        DirectTrainingStep direct = DirectTrainingStep.of(model.graph(), RepresentationTapVertex.class);
        Nd4j.getRandom().setSeed(42);
        double[] scores = direct.computeGradient(batch);
        Map<String, DirectStepPlan.Node> nodes = direct.plan().byName;
        INDArray activations = nodes.get("trunk_1").out.dup();
        INDArray priceMask = nodes.get("price").mask.dup();
        INDArray segmentMask = nodes.get("segment").mask.dup();
        INDArray ourTrunkDelta = nodes.get("trunk_1").epsilon.dup();
        INDArray ourPriceDelta = nodes.get("price").delta.dup();

        ComputationGraph reference = noHeads().build().graph();
        INDArray weights = reference.getLayer("price").getParam("W");
        INDArray bias = reference.getLayer("price").getParam("b");
        INDArray labels = batch.getLabels(0);
        reference.setInputs(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        Nd4j.getRandom().setSeed(42);
        reference.computeGradientAndScore();
        Map<String, INDArray> theirs = DirectStepChecks.layerGradients(reference);

        // Mean squared error over 2 columns, summed over rows, divided by the batch size.
        INDArray once = activations.mul(priceMask);
        INDArray twice = once.mul(segmentMask);
        assertClose(squaredError(once, weights, bias, labels), scores[0], REORDERED, "direct: price's loss at a * P");
        assertClose(squaredError(twice, weights, bias, labels), reference.getOutputLayer(0).score(), REORDERED,
                "fit: price's loss at a * S * P");
        assertTrue(Math.abs(scores[0] - reference.getOutputLayer(0).score()) > 1e-3, "the two differ");
        // fit's price weight gradient: (a * S * P)^T delta, with delta = 2 (z - y) / 2.
        INDArray fitDelta = twice.mmul(weights).addRowVector(bias).sub(labels);
        assertClose(Nd4j.toFlattened('f', twice.transpose().mmul(fitDelta)).reshape(1, 10),
                theirs.get("price").get(NDArrayIndex.interval(0, 10)).reshape(1, 10), REORDERED, "fit: price's weight gradient");
        // fit's trunk_1 bias gradient: ours with price's contribution (delta W^T) * P replaced by fit's delta, still * P.
        INDArray relu = activations.gt(0).castTo(DataType.DOUBLE);
        INDArray fitTrunkDelta = ourTrunkDelta.add(fitDelta.sub(ourPriceDelta).mmul(weights.transpose()).mul(priceMask).mul(relu));
        assertClose(fitTrunkDelta.sum(0).reshape(1, 5), theirs.get("trunk_1").get(NDArrayIndex.interval(30, 35)).reshape(1, 5),
                REORDERED, "fit: trunk gradient through price masked by P only");
    }

    private static double squaredError(INDArray in, INDArray weights, INDArray bias, INDArray labels) {
        INDArray residual = in.mmul(weights).addRowVector(bias).sub(labels);
        return residual.mul(residual).sumNumber().doubleValue() / labels.columns() / labels.rows();
    }

    /** Every parameter, the output layers' masks held fixed (the generator reseeded before every pass). */
    @Test
    void outputLayerDropoutPassesAFiniteDifferenceCheckWithFixedMasks() {
        MultiTaskModel model = noHeads().activation(Activation.TANH).updater(new Sgd(0.1)).build();
        int checked = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> true, 1, () -> Nd4j.getRandom().setSeed(99), "output dropout");
        assertTrue(checked > 100, checked + " parameters checked");
    }

    /**
     * Each output layer's mask over many draws: every value 0 or 1/p, a fraction p kept, the layers' masks independent
     * of each other (both kept in a fraction p^2), and the layer's input the trunk's output times its mask.
     */
    @Test
    void outputMasksKeepAFractionPScaledByOneOverP() {
        double retain = 0.7;
        MultiTaskModel model = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(40).dropout(1 - retain).seed(3)
                .dataType(DataType.DOUBLE).tasks(Task.regression("price", 2), Task.binary("churn"), Task.multiclass("segment", 3))
                .build();
        DirectTrainingStep direct = DirectTrainingStep.of(model.graph(), RepresentationTapVertex.class);
        MultiDataSet batch = DirectStepChecks.batch(1, 250, INPUTS, false);
        long kept = 0;
        long keptByBoth = 0;
        long total = 0;
        for (int draw = 0; draw < 5; draw++) {
            direct.computeGradient(batch);
            Map<String, DirectStepPlan.Node> nodes = direct.plan().byName;
            INDArray price = nodes.get("price").mask;
            INDArray segment = nodes.get("segment").mask;
            for (INDArray mask : new INDArray[] {price, nodes.get("churn").mask, segment}) {
                INDArray dropped = mask.eq(0.0).castTo(DataType.DOUBLE);
                INDArray scaled = org.nd4j.linalg.ops.transforms.Transforms.abs(mask.sub(1.0 / retain)).lt(1e-12).castTo(DataType.DOUBLE);
                assertEquals(mask.length(), dropped.sumNumber().longValue() + scaled.sumNumber().longValue(),
                        "every value is 0 or 1/p");
                kept += scaled.sumNumber().longValue();
                total += mask.length();
            }
            keptByBoth += price.gt(0).castTo(DataType.DOUBLE).mul(segment.gt(0).castTo(DataType.DOUBLE)).sumNumber().longValue();
            assertIdentical(nodes.get("trunk_0").out.mul(price), nodes.get("price").dropped, "price reads the trunk times its mask");
        }
        // 150,000 draws: the standard error of the kept fraction is 0.0012; 0.006 is five of them.
        assertEquals(retain, (double) kept / total, 0.006, "kept fraction");
        assertEquals(retain * retain, (double) keptByBoth / (total / 3), 0.01, "price and segment kept together");
    }

    /**
     * Per-task passes (the gradient aggregators' route) see the masks of their step's one forward pass: task by task
     * at the tasks' own weights, the gradients add up to the full gradient of a pass from the same generator state.
     */
    @Test
    void perTaskPassesShareTheStepsMasks() {
        MultiTaskModel model = noHeads().build();
        ComputationGraph graph = model.graph();
        DirectTrainingStep direct = DirectTrainingStep.of(graph, RepresentationTapVertex.class);
        MultiDataSet batch = DirectStepChecks.batch(6, ROWS, INPUTS, true);
        model.weights().set("price", 0.7);
        model.weights().set("churn", 1.3);
        Map<String, Double> weights = model.weights().asMap();
        INDArray summed = Nd4j.zeros(DataType.DOUBLE, graph.getFlattenedGradients().shape());
        Nd4j.getRandom().setSeed(77);
        double[] perTaskScores = direct.backwardPerTask(batch, t -> true, t -> {
            for (int other = 0; other < 3; other++) {
                String name = model.taskNames().get(other);
                model.weights().set(name, other == t ? weights.get(name) : 0.0);
            }
        }, t -> summed.addi(graph.getFlattenedGradients()));
        weights.forEach(model.weights()::set);
        Nd4j.getRandom().setSeed(77);
        double[] scores = direct.computeGradient(batch);
        assertClose(scores, perTaskScores, REORDERED, "scores");
        assertClose(graph.getFlattenedGradients(), summed, REORDERED, "per-task gradients add up to the full gradient");
    }

    /** Two runs of the trainer from models built with the same seed (which seeds ND4J's generator) are identical. */
    @Test
    void seededTrainingWithOutputDropoutIsReproducible() {
        INDArray[] params = new INDArray[2];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = noHeads().build();
            MultiTaskTrainer.builder(model).epochs(2).seed(5).build()
                    .fit(new InMemoryMultiDataSetIterator(DirectStepChecks.batch(21, ROWS, INPUTS, true), 4));
            params[run] = model.graph().params().dup();
        }
        assertIdentical(params[0], params[1], "same seeds, same masks, same arithmetic");
    }

    @Test
    void stepsWithTheSameGeneratorStateEqualDl4jFit() {
        MODELS.forEach((name, models) -> DirectStepChecks.stepsEqualFit(models,
                step -> DirectStepChecks.batch(step, ROWS, INPUTS, step % 2 == 0), 4,
                step -> Nd4j.getRandom().setSeed(1000 + step), name));
    }

    @Test
    void gradientPassesAFiniteDifferenceCheckWithFixedMasks() {
        MultiTaskModel model = builder().activation(Activation.TANH).updater(new Sgd(0.1)).build();
        int checked = DirectStepChecks.gradientPassesFiniteDifferences(model, DirectStepChecks.batch(5, ROWS, INPUTS, true),
                ROWS, name -> true, 3, () -> Nd4j.getRandom().setSeed(99), "dropout");
        assertTrue(checked > 40, checked + " parameters checked");
    }
}
