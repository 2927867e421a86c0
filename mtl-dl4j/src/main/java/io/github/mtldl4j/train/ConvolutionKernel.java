package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of a {@link DirectTrainingStep}'s convolutions and poolings: libnd4j's own ops ({@code conv2d},
 * {@code conv2d_bp}, {@code maxpool2d}, {@code maxpool2d_bp}, {@code avgpool2d}, {@code avgpool2d_bp}), each written
 * into the node's buffers (rank-4 views of its rows x (channels x height x width) buffers) or straight into the
 * graph's gradient views. Stateless.
 */
final class ConvolutionKernel {

    private ConvolutionKernel() {
    }

    /** The forward pass of a convolution (then its activation, ReLU in place) or a pooling. */
    static void forward(Node node) {
        node.in = input4(node);
        if (node.kind == Kind.POOLING) {
            Nd4j.exec(DynamicCustomOp.builder(node.pooling == PoolingType.MAX ? "maxpool2d" : "avgpool2d").addInputs(node.in)
                    .addOutputs(node.out4).addIntegerArguments(node.spatialArgs).build());
            return;
        }
        INDArray target = node.preOut4 != null ? node.preOut4 : node.out4;
        INDArray[] inputs = node.bias == null ? new INDArray[] {node.in, node.weights}
                : new INDArray[] {node.in, node.weights, node.biasVector};
        Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(inputs).addOutputs(target).addIntegerArguments(node.spatialArgs)
                .build());
        if (node.relu) {
            Nd4j.getExecutioner().exec(new RectifiedLinear(node.out, node.out, 0.0));
        } else if (!node.identity) {
            node.out.assign(node.preOut);
            INDArray activated = node.activation.getActivation(node.out, true);
            if (activated != node.out) {
                node.out.assign(activated);
            }
        }
    }

    /**
     * The backward pass from the node's epsilon: a convolution's weight and bias gradients (sums over the batch, as
     * DL4J leaves them) and its input's epsilon, or a pooling's input epsilon; written into the input's epsilon when
     * nothing else has written it yet, else added.
     */
    static void backward(Node node) {
        if (!node.epsilonWritten) {
            node.epsilon.assign(0);
        }
        Node source = node.input;
        boolean takes = DirectStepKernels.takesGradient(source);
        boolean direct = takes && !source.epsilonWritten;
        INDArray inputGradient = direct ? (source.epsilon4 != null ? source.epsilon4 : source.epsilon.reshape('c', node.in.shape()))
                : node.inputGradient4;
        if (node.kind == Kind.POOLING) {
            Nd4j.exec(DynamicCustomOp.builder(node.pooling == PoolingType.MAX ? "maxpool2d_bp" : "avgpool2d_bp")
                    .addInputs(node.in, node.epsilon4).addOutputs(inputGradient).addIntegerArguments(node.spatialArgs).build());
        } else {
            INDArray delta = DirectStepKernels.delta(node);
            INDArray delta4 = delta == node.epsilon ? node.epsilon4 : delta.reshape('c', node.epsilon4.shape());
            INDArray[] inputs = node.bias == null ? new INDArray[] {node.in, node.weights, delta4}
                    : new INDArray[] {node.in, node.weights, node.biasVector, delta4};
            INDArray[] outputs = node.bias == null ? new INDArray[] {inputGradient, node.weightGradient}
                    : new INDArray[] {inputGradient, node.weightGradient, node.biasGradientVector};
            Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(inputs).addOutputs(outputs)
                    .addIntegerArguments(node.spatialArgs).build());
        }
        if (direct) {
            source.epsilonWritten = true;
        } else if (takes) {
            DirectStepKernels.accumulate(source, inputGradient.reshape('c', inputGradient.size(0), source.width));
        }
    }

    /** The node's input as [rows, channels, height, width]: a view of the input's buffer (or of the features). */
    private static INDArray input4(Node node) {
        Node input = node.input;
        if (input.out4 != null) {
            return input.out4;
        }
        int[] shape = node.inShape;
        return input.out.reshape('c', input.out.rows(), shape[0], shape[1], shape[2]);
    }
}
