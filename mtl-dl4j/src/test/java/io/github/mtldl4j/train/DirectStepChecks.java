package io.github.mtldl4j.train;

import static io.github.mtldl4j.testing.NumericAssertions.ADAM_STEPS;
import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static io.github.mtldl4j.testing.NumericAssertions.assertIdentical;
import static io.github.mtldl4j.testing.NumericAssertions.perturbOneSide;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The checks every direct path gets against DL4J on an identical graph (double precision): one pass's gradients and
 * scores, parameters and updater state after Adam steps by {@code fit}, per-task passes, and a finite-difference
 * check. {@code REORDERED} for one pass, {@code ADAM_STEPS} after optimizer steps.
 */
final class DirectStepChecks {
    private DirectStepChecks() {
    }

    /** Standard normal features; labels for a regression task of width 2, a binary task and a 3-class task. */
    static MultiDataSet batch(long seed, int rows, int inputs, boolean masks) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, rows, inputs);
        INDArray price = Nd4j.randn(DataType.DOUBLE, rows, 2);
        INDArray churn = Nd4j.rand(DataType.DOUBLE, rows, 1).gt(0.5).castTo(DataType.DOUBLE);
        INDArray segment = Nd4j.zeros(DataType.DOUBLE, rows, 3);
        for (int r = 0; r < rows; r++) {
            segment.putScalar(r, (r * 5 + seed) % 3, 1.0);
        }
        INDArray[] labelMasks = null;
        if (masks) {
            INDArray churnMask = Nd4j.ones(DataType.DOUBLE, rows, 1);
            churnMask.putScalar(3, 0, 0.0);
            churnMask.putScalar(6, 0, 0.0);
            INDArray segmentMask = Nd4j.ones(DataType.DOUBLE, rows, 1);
            segmentMask.putScalar(1, 0, 0.0);
            labelMasks = new INDArray[] {Nd4j.ones(DataType.DOUBLE, rows, 1), churnMask, segmentMask};
        }
        return new MultiDataSet(new INDArray[] {x}, new INDArray[] {price, churn, segment}, null, labelMasks);
    }

    /** One pass: the direct gradient and scores against DL4J's {@code computeGradientAndScore}. */
    static void gradientAndScoresEqualDl4j(Supplier<MultiTaskModel> models, MultiDataSet batch, String what) {
        ComputationGraph graph = models.get().graph();
        DirectTrainingStep direct = DirectTrainingStep.of(graph, io.github.mtldl4j.graph.RepresentationTapVertex.class);
        double[] scores = direct.computeGradient(batch);
        Map<String, INDArray> ours = layerGradients(graph);

        ComputationGraph reference = models.get().graph();
        perturbOneSide(reference.params());
        reference.setInputs(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        reference.setLayerMaskArrays(null, batch.getLabelsMaskArrays());
        reference.computeGradientAndScore();
        assertClose(layerGradients(reference), ours, REORDERED, what + " gradient");
        for (int t = 0; t < scores.length; t++) {
            assertClose(reference.getOutputLayer(t).score(), scores[t], REORDERED, what + " score " + t);
        }
    }

    /**
     * Adam steps by the direct step and by {@code fit} from the same initialization: scores, parameters and updater
     * state. {@code beforeStep} runs before each step on both sides (e.g. seeding the random generator for dropout).
     */
    static void stepsEqualFit(Supplier<MultiTaskModel> models, IntFunction<MultiDataSet> batches, int steps,
                              IntConsumer beforeStep, String what) {
        ComputationGraph graph = models.get().graph();
        ComputationGraph reference = models.get().graph();
        assertIdentical(reference.params(), graph.params(), "same seed, same initialization");
        perturbOneSide(reference.params());
        DirectTrainingStep direct = DirectTrainingStep.of(graph, io.github.mtldl4j.graph.RepresentationTapVertex.class);
        for (int step = 0; step < steps; step++) {
            MultiDataSet batch = batches.apply(step);
            beforeStep.accept(step);
            direct.fit(batch);
            beforeStep.accept(step);
            reference.fit(batch);
            assertClose(reference.score(), graph.score(), ADAM_STEPS, what + " score after step " + step);
        }
        assertClose(reference.paramTable(), graph.paramTable(), ADAM_STEPS, what + " parameters");
        assertClose(reference.getUpdater().getStateViewArray(), graph.getUpdater().getStateViewArray(), ADAM_STEPS,
                what + " updater state");
    }

    /** Per-task passes against the graph's own ({@code MultiTaskComputationGraph.backwardPerTask}), task 1 left out. */
    static void perTaskPassesEqualTheGraphsOwn(Supplier<MultiTaskModel> models, MultiDataSet batch, String what) {
        @SuppressWarnings("unchecked")
        Map<String, INDArray>[][] gradients = new Map[2][3];
        double[][] scores = new double[2][];
        for (int run = 0; run < 2; run++) {
            MultiTaskModel model = models.get();
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
                try (MemoryWorkspace outside = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    kept[t] = layerGradients(graph);
                }
            };
            scores[run] = run == 0
                    ? DirectTrainingStep.of(graph, io.github.mtldl4j.graph.RepresentationTapVertex.class)
                            .backwardPerTask(batch, include, before, after)
                    : graph.backwardPerTask(batch, include, before, after);
        }
        assertClose(scores[1], scores[0], REORDERED, what + " scores");
        assertNull(gradients[0][1]);
        for (int t : new int[] {0, 2}) {
            assertClose(gradients[1][t], gradients[0][t], REORDERED, what + " task " + t);
        }
    }

    /**
     * Central differences of the summed scores for every {@code stride}-th parameter of the layers {@code checked}
     * selects; {@code beforePass} runs before every pass (e.g. fixing the dropout masks).
     *
     * @return the number of parameters checked
     */
    static int gradientPassesFiniteDifferences(MultiTaskModel model, MultiDataSet batch, int rows, Predicate<String> checked,
                                               int stride, Runnable beforePass, String what) {
        ComputationGraph graph = model.graph();
        DirectTrainingStep direct = DirectTrainingStep.of(graph, io.github.mtldl4j.graph.RepresentationTapVertex.class);
        beforePass.run();
        direct.computeGradient(batch);
        Map<String, INDArray> analytic = layerGradients(graph);
        double worst = 0;
        int count = 0;
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (layer.numParams() == 0 || !checked.test(name)) {
                continue;
            }
            INDArray params = layer.params();
            long first = name.length() % stride;
            worst = Math.max(worst, FiniteDifferences.worstRelativeError(direct, batch, rows, params, analytic.get(name),
                    LongStream.iterate(first, i -> i < params.length(), i -> i + stride), beforePass));
            count += (int) ((params.length() - first + stride - 1) / stride);
        }
        assertTrue(worst < 1e-5, what + ": worst relative error " + worst);
        return count;
    }

    /** Each layer's block of the graph's gradient view, copied. */
    static Map<String, INDArray> layerGradients(ComputationGraph graph) {
        Map<String, INDArray> blocks = new TreeMap<>();
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer.numParams() > 0) {
                blocks.put(layer.conf().getLayer().getLayerName(), layer.getGradientsViewArray().dup());
            }
        }
        return blocks;
    }
}
