package io.github.mtldl4j.graph;

import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

/**
 * A LeNet-sized convolutional trunk for images given as flat rows (height x width x channels, row-major):
 * conv 5x5 (10 filters), max-pool 2x2, conv 5x5 (20), max-pool 2x2, dense 50, with the builder's activation (ReLU by
 * default) - the trunk of
 * Sener and Koltun's MultiMNIST experiments (NeurIPS 2018). Shared by all tasks ({@link #hard}) or one per task
 * ({@link #independent}, the single-task baseline). Vertex names {@code conv_0 pool_0 conv_1 pool_1 conv_dense},
 * prefixed {@code <task>_} when independent.
 *
 * @param height image height
 * @param width image width
 * @param channels image channels
 * @param trunks one trunk for all tasks, or one per task
 * @param filters1 filters of the first convolution (LeNet-sized: 10)
 * @param filters2 filters of the second convolution (20)
 * @param dense width of the dense layer that ends the trunk (50)
 */
public record ConvolutionalTrunk(int height, int width, int channels, Trunks trunks, int filters1, int filters2, int dense)
        implements SharingMode {

    /** How many trunks the graph has. */
    public enum Trunks {
        /** One trunk shared by all tasks (hard sharing). */
        ONE_SHARED,
        /** One trunk per task (the single-task baseline). */
        ONE_PER_TASK
    }
    private static final int KERNEL = 5;

    /** Validates the image shape (two 5x5 convolutions and two 2x2 poolings must fit) and the sizes. */
    public ConvolutionalTrunk {
        if (height < 16 || width < 16 || channels < 1) {
            throw new IllegalArgumentException("Convolutional trunk needs images of at least 16 x 16 and >= 1 channel, received "
                    + height + " x " + width + " x " + channels + ".");
        }
        if (trunks == null) {
            throw new IllegalArgumentException("Convolutional trunk: trunks is null; use ConvolutionalTrunk.hard(...) or "
                    + "ConvolutionalTrunk.independent(...).");
        }
        if (filters1 < 1 || filters2 < 1 || dense < 1) {
            throw new IllegalArgumentException("Convolutional trunk sizes must be >= 1, received filters " + filters1 + ", " + filters2
                    + " and dense " + dense + ".");
        }
    }

    /** One LeNet-sized trunk shared by all tasks. */
    public static ConvolutionalTrunk hard(int height, int width, int channels) {
        return new ConvolutionalTrunk(height, width, channels, Trunks.ONE_SHARED, 10, 20, 50);
    }

    /** One LeNet-sized trunk per task. */
    public static ConvolutionalTrunk independent(int height, int width, int channels) {
        return new ConvolutionalTrunk(height, width, channels, Trunks.ONE_PER_TASK, 10, 20, 50);
    }

    /** Whether all tasks share one trunk. */
    public boolean shared() {
        return trunks == Trunks.ONE_SHARED;
    }

    @Override
    public String name() {
        return shared() ? "conv-hard" : "conv-independent";
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        if (wiring.input().width() != height * width * channels) {
            throw new IllegalArgumentException("Convolutional trunk for " + height + " x " + width + " x " + channels + " images needs "
                    + height * width * channels + " inputs, the builder has " + wiring.input().width() + ".");
        }
        Map<String, Representation> byTask = new LinkedHashMap<>();
        if (shared()) {
            Representation trunk = trunk(wiring, "", null);
            if (wiring.tapRepresentation()) {
                trunk = wiring.addVertex(VertexNames.SHARED_REPRESENTATION, null, trunk.width(), new RepresentationTapVertex(),
                        trunk.vertex());
            }
            for (Task task : wiring.tasks()) {
                byTask.put(task.name(), trunk);
            }
        } else {
            for (Task task : wiring.tasks()) {
                byTask.put(task.name(), trunk(wiring, task.name() + "_", task.name()));
            }
        }
        return byTask;
    }

    private Representation trunk(GraphWiring wiring, String prefix, String owner) {
        int h1 = (height - KERNEL + 1) / 2;
        int w1 = (width - KERNEL + 1) / 2;
        int h2 = (h1 - KERNEL + 1) / 2;
        int w2 = (w1 - KERNEL + 1) / 2;
        Representation conv0 = wiring.addPrepared(prefix + "conv_0", owner, 0, new ConvolutionLayer.Builder(KERNEL, KERNEL)
                .nIn(channels).nOut(filters1).activation(wiring.trunk().activation()).build(),
                new FeedForwardToCnnPreProcessor(height, width, channels), wiring.input().vertex());
        Representation pool0 = wiring.addPrepared(prefix + "pool_0", owner, 0, new SubsamplingLayer.Builder(
                SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), conv0.vertex());
        Representation conv1 = wiring.addPrepared(prefix + "conv_1", owner, 0, new ConvolutionLayer.Builder(KERNEL, KERNEL)
                .nIn(filters1).nOut(filters2).activation(wiring.trunk().activation()).build(), pool0.vertex());
        Representation pool1 = wiring.addPrepared(prefix + "pool_1", owner, 0, new SubsamplingLayer.Builder(
                SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), conv1.vertex());
        Representation last = wiring.addPrepared(prefix + "conv_dense", owner, dense, new DenseLayer.Builder()
                .nIn((long) h2 * w2 * filters2).nOut(dense).activation(wiring.trunk().activation()).build(),
                new CnnToFeedForwardPreProcessor(h2, w2, filters2), pool1.vertex());
        wiring.markTrunk(last);
        return last;
    }
}
