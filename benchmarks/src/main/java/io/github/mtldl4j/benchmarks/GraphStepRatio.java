package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.DirectTrainingStep;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The direct step against DL4J's {@code fit} on the graphs the direct step took last (cascades, cross-stitch, dropout),
 * interleaved as in {@link InterleavedStepRatio} (one step each in turn, order drawn per pair; median of the per-pair
 * ratios). Models, FLOAT, Adam(1e-3), batch 256, 100 inputs, MSE per task, summed:
 * <ul>
 * <li><b>cascade:</b> trunk 100 -> 256 -> 256 ReLU; 8 regression tasks with a 64 ReLU head; tasks 5-8 each read the
 * prediction of tasks 1-4 (cascades);</li>
 * <li><b>cross-stitch:</b> 4 towers 100 -> 64 -> 64 ReLU stitched after both layers (the paper's 0.9 init); heads
 * 32 ReLU -> 1;</li>
 * <li><b>dropout:</b> the cascade model's trunk and heads without cascades, dropout 0.2 on every layer reading the
 * trunk.</li>
 * <li><b>lenet:</b> the MultiFashion example's {@code ConvolutionalTrunk.hard(36, 36, 1)} (conv 5x5x10, max-pool 2x2,
 * conv 5x5x20, max-pool 2x2, dense 50, ReLU) with two 10-class softmax heads (cross-entropy), 256 images of 36 x 36 as
 * flat rows (run alone: {@code GraphStepRatio PAIRS lenet}).</li>
 * </ul>
 * Both graphs of a pair start from the same parameters. Usage:
 * {@code java -cp benchmarks/target/benchmarks.jar io.github.mtldl4j.benchmarks.GraphStepRatio [PAIRS]} (default 300,
 * after a warm-up of a quarter as many).
 */
public final class GraphStepRatio {
    private static final int INPUTS = 100;
    private static final int ROWS = 256;
    private static final int LENET_SIDE = 36;

    private GraphStepRatio() {
    }

    public static void main(String[] args) {
        System.out.println(BackendInfo.describe());
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        if (args.length > 1 && args[1].equals("lenet")) {
            compare("lenet", GraphStepRatio::lenet, pairs);
            return;
        }
        compare("cascade", () -> cascade(true).build().graph(), 8, pairs);
        compare("cross-stitch", () -> MultiTaskGraphBuilder.forInputs(INPUTS).sharing(new CrossStitch())
                .sharedLayers(64, 64).updater(new Adam(1e-3)).dataType(DataType.FLOAT).seed(42)
                .tasks(tasks(4, 32)).build().graph(), 4, pairs);
        compare("dropout", () -> cascade(false).dropout(0.2).build().graph(), 8, pairs);
    }

    private static ComputationGraph lenet() {
        return MultiTaskGraphBuilder.forInputs(LENET_SIDE * LENET_SIDE).sharing(ConvolutionalTrunk.hard(LENET_SIDE, LENET_SIDE, 1))
                .updater(new Adam(1e-3)).dataType(DataType.FLOAT).seed(42)
                .tasks(Task.multiclass("left", 10), Task.multiclass("right", 10)).build().graph();
    }

    /** 256 images of uniform pixels in [0, 1); one-hot labels of two 10-class tasks. */
    private static void compare(String what, Supplier<ComputationGraph> graphs, int pairs) {
        Nd4j.getRandom().setSeed(42);
        INDArray[] labels = new INDArray[2];
        for (int t = 0; t < 2; t++) {
            labels[t] = Nd4j.zeros(DataType.FLOAT, ROWS, 10);
            for (int r = 0; r < ROWS; r++) {
                labels[t].putScalar(r, (r * (3 + t)) % 10, 1.0);
            }
        }
        MultiDataSet batch = new MultiDataSet(new INDArray[] {Nd4j.rand(DataType.FLOAT, ROWS, LENET_SIDE * LENET_SIDE)}, labels);
        ComputationGraph direct = graphs.get();
        DirectTrainingStep step = DirectTrainingStep.of(direct, io.github.mtldl4j.graph.RepresentationTapVertex.class);
        ComputationGraph fit = graphs.get();
        Consumer<MultiDataSet> a = step::fit;
        Consumer<MultiDataSet> b = fit::fit;
        InterleavedStepRatio.compare(what + ": direct/fit", a, b, batch, pairs);
    }

    private static MultiTaskGraphBuilder cascade(boolean cascades) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(256, 256).updater(new Adam(1e-3))
                .dataType(DataType.FLOAT).seed(42).tasks(tasks(8, 64));
        if (cascades) {
            for (int t = 0; t < 4; t++) {
                builder.cascade("task" + (t + 4), "task" + t);
            }
        }
        return builder;
    }

    private static Task[] tasks(int count, int head) {
        return java.util.stream.IntStream.range(0, count).mapToObj(t -> Task.regression("task" + t).withHead(head))
                .toArray(Task[]::new);
    }

    private static MultiDataSet batch(int tasks) {
        Nd4j.getRandom().setSeed(42);
        INDArray[] labels = new INDArray[tasks];
        for (int t = 0; t < tasks; t++) {
            labels[t] = Nd4j.randn(DataType.FLOAT, ROWS, 1);
        }
        return new MultiDataSet(new INDArray[] {Nd4j.randn(DataType.FLOAT, ROWS, INPUTS)}, labels);
    }

    private static void compare(String what, Supplier<ComputationGraph> graphs, int tasks, int pairs) {
        ComputationGraph direct = graphs.get();
        if (DirectTrainingStep.unsupportedReason(direct, io.github.mtldl4j.graph.RepresentationTapVertex.class).isPresent()) {
            throw new IllegalStateException(what + ": " + DirectTrainingStep.unsupportedReason(direct));
        }
        DirectTrainingStep step = DirectTrainingStep.of(direct, io.github.mtldl4j.graph.RepresentationTapVertex.class);
        ComputationGraph fit = graphs.get();
        Consumer<MultiDataSet> a = step::fit;
        Consumer<MultiDataSet> b = fit::fit;
        MultiDataSet batch = batch(tasks);
        InterleavedStepRatio.compare(what + ": direct/fit", a, b, batch, pairs);
    }
}
