package io.github.mtldl4j.train;

import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import io.github.mtldl4j.train.DirectStepPlan.SiblingGroup;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAdd;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The arithmetic of a {@link DirectTrainingStep} on the nodes of its {@link DirectStepPlan}: a node's forward pass, a
 * sibling group's, a dense layer's delta and gradients, and the squared-error loss; each written into the node's
 * buffers or straight into the graph's gradient view. Gated sums are in {@link GatedSumKernel}. Stateless.
 */
final class DirectStepKernels {

    private DirectStepKernels() {
    }

    /** The loss weight of an output layer (1 for an unweighted loss). */

    static double lossWeight(Node output) {
        return output.loss instanceof WeightedLoss weighted ? weighted.getWeight() : 1.0;
    }

    /**
     * The forward pass of one node, into its buffers (a sibling group's first member computes the group); {@code pass}
     * counts forward passes (gated sums keep host copies per pass); {@code training} applies dropout.
     */
    static void forward(Node node, int pass, boolean training) {
        switch (node.kind) {
            case GATED_SUM -> GatedSumKernel.forward(node, pass);
            case CROSS_STITCH -> CrossStitchKernel.forward(node);
            case CONVOLUTION, POOLING -> ConvolutionKernel.forward(node);
            case LOSS -> node.preOut = node.input.out;
            case MERGE -> {
                INDArray[] parts = new INDArray[node.inputs.length];
                for (int i = 0; i < parts.length; i++) {
                    parts[i] = node.inputs[i].out;
                }
                Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(parts).addOutputs(node.out).addIntegerArguments(1).build());
            }
            case SUBSET -> {
                if (node.input.kind == Kind.INPUT) {
                    node.out = node.input.out.get(NDArrayIndex.all(), NDArrayIndex.interval(node.from, node.from + node.width));
                }
            }
            case DENSE, OUTPUT -> {
                if (node.group != null) {
                    if (node == node.group.members[0]) {
                        forwardGroup(node.group);
                    }
                    return;
                }
                INDArray target = node.preOut != null ? node.preOut : node.out;
                node.in = training && node.retain > 0 ? dropOut(node) : node.input.out;
                gemm(node.in, node.weights, target, false, false, 1.0, 0.0, takesGradient(node.input) || node.in == node.dropped);
                if (node.bias != null) {
                    Nd4j.exec(new BiasAdd(target, node.biasVector, target, false));
                }
                if (node.kind == Kind.OUTPUT) {
                    return;
                }
                activate(node);
            }
            default -> throw new IllegalStateException("input vertex after the first");
        }
    }

    /**
     * The node's activation on its pre-activations: ReLU in place on {@code out}, nothing for the identity (then
     * {@code out} holds them already), else DL4J's activation applied to a copy in {@code out}.
     */
    static void activate(Node node) {
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
     * Inverted dropout on a layer's input as DL4J's {@code Dropout.applyDropout} draws it: a mask of ones in the order of
     * DL4J's input array, {@code DropOutInverted(p)} on it from ND4J's random generator (each value kept as 1/p with
     * probability p, else 0), then the input times the mask into the node's own buffer. The same ops in the same order
     * (hidden layers in topological order, then output layers in reverse order, as {@code fit} reaches them in its
     * backward pass) draw the same masks from the same generator state. One mask per layer and pass: the loss, the
     * weight gradient and the gradient to the input ({@link #backwardLayer}) all use it, and per-task passes reuse it.
     *
     * <p>Deliberate difference from {@code fit} (DL4J 1.0.0-M2.1): there the last reader of a vertex in graph order
     * drops out the vertex's activations in place ({@code ComputationGraph.init} allows the last consumer to modify its
     * input; {@code AbstractLayer.applyDropOutIfNecessary}), and output layers run only in the backward pass, in reverse
     * order, so an output layer reading the same vertex runs after it, reads {@code a * S} and drops that out with its
     * own mask {@code P}: its loss and weight gradient see {@code a * S * P}, its gradient to the vertex is multiplied by
     * {@code P} only ({@code BaseOutputLayer.backpropGradient}, {@code Dropout.backprop}), which is not the gradient of
     * that loss. Here the input is never overwritten: that output layer sees {@code a * P}. Both agree where an output
     * layer with dropout is the last reader of its vertex and no other output layer reads it (towers; one task without
     * a head, listed last).
     */
    private static INDArray dropOut(Node node) {
        node.mask.assign(1.0);
        Nd4j.getExecutioner().exec(new DropOutInverted(node.mask, node.mask, node.retain));
        Nd4j.getExecutioner().exec(new MulOp(node.input.out, node.mask, node.dropped));
        return node.dropped;
    }

    private static void forwardGroup(SiblingGroup group) {
        INDArray[] weights = new INDArray[group.members.length];
        for (int m = 0; m < weights.length; m++) {
            weights[m] = group.members[m].weights;
        }
        Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(weights).addOutputs(group.weights).addIntegerArguments(1).build());
        gemm(group.input.out, group.weights, group.out, false, false, 1.0, 0.0, takesGradient(group.input));
        if (group.bias != null) {
            INDArray[] biases = new INDArray[group.members.length];
            for (int m = 0; m < biases.length; m++) {
                biases[m] = group.members[m].biasVector;
            }
            Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(biases).addOutputs(group.bias).addIntegerArguments(0).build());
            Nd4j.exec(new BiasAdd(group.out, group.bias, group.out, false));
        }
        Nd4j.getExecutioner().exec(new RectifiedLinear(group.out, group.out, 0.0));
    }

    /**
     * A full backward pass through a sibling group, once every member's epsilon is in: one ReLU derivative over the
     * group, each member's weight and bias gradient from its block, and one GEMM for the input's epsilon.
     */
    static void backwardGroup(SiblingGroup group, INDArray ones) {
        if (group.epsilonFromMixes) {
            // The gated sums that read the members accumulated into the group's epsilon.
            GatedSumKernel.flush(group.members[0]);
            if (!group.epsilonWritten) {
                group.epsilon.assign(0);
            }
        } else {
            INDArray[] epsilons = new INDArray[group.members.length];
            for (int m = 0; m < epsilons.length; m++) {
                Node member = group.members[m];
                if (!member.epsilonWritten) {
                    member.epsilon.assign(0);
                }
                epsilons[m] = member.epsilon;
            }
            Nd4j.exec(DynamicCustomOp.builder("concat").addInputs(epsilons).addOutputs(group.epsilon).addIntegerArguments(1)
                    .build());
        }
        Nd4j.getExecutioner().exec(new Step(group.out, group.scratch, 0.0));
        Nd4j.getExecutioner().exec(new MulOp(group.epsilon, group.scratch, group.epsilon));
        int from = 0;
        for (Node member : group.members) {
            INDArray delta = group.epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + member.width));
            Nd4j.gemm(group.input.out, delta, member.weightGradient, true, false, 1.0, 0.0);
            if (member.biasGradient != null) {
                Nd4j.gemm(ones, delta, member.biasGradientRow, false, false, 1.0, 0.0);
            }
            from += member.width;
        }
        Node source = group.input;
        if (source.kind == Kind.INPUT || source.kind == Kind.SUBSET && source.input.kind == Kind.INPUT) {
            return;
        }
        GemmContexts.gemm(group.epsilon, group.weights, source.epsilon, false, true, 1.0, source.epsilonWritten ? 1.0 : 0.0);
        source.epsilonWritten = true;
    }

    /** dL/dz of a hidden dense layer from its epsilon dL/d(out). */
    static INDArray delta(Node node) {
        if (node.identity) {
            return node.epsilon;
        }
        if (node.relu) {
            // ReLU's derivative as a 0/1 step times the epsilon: two plain element-wise ops, measured faster than
            // ND4J's fused relu-derivative op (docs/performance.md); the same values (x * 1 and x * 0).
            Nd4j.getExecutioner().exec(new Step(node.out, node.scratch, 0.0));
            Nd4j.getExecutioner().exec(new MulOp(node.epsilon, node.scratch, node.epsilon));
            return node.epsilon;
        }
        // DL4J's activations may overwrite their input; per-task passes reuse the pre-activations, so pass a copy.
        node.scratch.assign(node.preOut);
        return node.activation.backprop(node.scratch, node.epsilon).getFirst();
    }

    /** A layer's weight and bias gradients from its delta, and its input's epsilon (accumulated). */
    static void backwardLayer(Node node, INDArray delta, INDArray ones) {
        Node source = node.input;
        INDArray in = node.in != null ? node.in : source.out;
        gemm(in, delta, node.weightGradient, true, false, 1.0, 0.0, takesGradient(source) || in == node.dropped);
        if (node.biasGradient != null) {
            // The column sums as a product with a row of ones: one GEMM, measured faster than the sum reduction.
            GemmContexts.gemm(ones, delta, node.biasGradientRow, false, false, 1.0, 0.0);
        }
        if (source.kind == Kind.INPUT || source.kind == Kind.SUBSET && source.input.kind == Kind.INPUT) {
            return;
        }
        if (in == node.dropped) {
            // Through the dropout: the gradient at its input is the gradient at its output times the mask.
            GemmContexts.gemm(delta, node.weights, node.droppedEpsilon, false, true, 1.0, 0.0);
            Nd4j.getExecutioner().exec(new MulOp(node.droppedEpsilon, node.mask, node.droppedEpsilon));
            accumulate(source, node.droppedEpsilon);
            return;
        }
        // Into the source's epsilon buffer (a subset passes it on in its own turn).
        GemmContexts.gemm(delta, node.weights, source.epsilon, false, true, 1.0, source.epsilonWritten ? 1.0 : 0.0);
        source.epsilonWritten = true;
    }

    /**
     * A product through {@link GemmContexts} (its op context kept for the next step) when {@code ownArrays}: every operand
     * is a buffer of the plan or a parameter view; else through {@code Nd4j.gemm}, so that no context holds on to the
     * caller's feature arrays.
     */
    private static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta,
                             boolean ownArrays) {
        if (ownArrays) {
            GemmContexts.gemm(a, b, c, transA, transB, alpha, beta);
        } else {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
        }
    }

    /** Adds {@code gradient} to {@code target}'s epsilon (or writes it there first). */
    static void accumulate(Node target, INDArray gradient) {
        if (target.epsilonWritten) {
            target.epsilon.addi(gradient);
        } else {
            target.epsilon.assign(gradient);
            target.epsilonWritten = true;
        }
    }

    /** Whether a node passes gradients back: not the network input, nor a subset of it. */
    static boolean takesGradient(Node node) {
        return node.kind != Kind.INPUT && !(node.kind == Kind.SUBSET && node.input.kind == Kind.INPUT);
    }

    /** A merge's backward pass: each input's block of its epsilon, added to that input's epsilon. */
    static void backwardMerge(Node merge) {
        int from = 0;
        for (Node input : merge.inputs) {
            if (takesGradient(input)) {
                accumulate(input, merge.epsilon.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + input.width)));
            }
            from += input.width;
        }
    }

    /**
     * Mean squared error with an identity output, as {@code LossMSE} (times the loss weight) computes it: the score
     * {@code w * sum(mask * (z - y)^2) / nOut} and, left in the node's gradient buffer, the gradient
     * {@code w * 2 (z - y) * mask / nOut}; in three or four ops instead of the loss function's dozen.
     */
    static double squaredError(Node node, INDArray labels, INDArray mask) {
        INDArray residual = node.scratch;
        Nd4j.getExecutioner().exec(new SubOp(node.preOut, labels, residual));
        INDArray gradient = residual;
        if (mask != null) {
            gradient = node.epsilon;
            if (mask.columns() == 1 && node.width > 1) {
                Nd4j.exec(new BroadcastMulOp(residual, mask, gradient, 0));
            } else {
                Nd4j.getExecutioner().exec(new MulOp(residual, mask, gradient));
            }
        }
        double sum = Nd4j.getBlasWrapper().dot(node.scratchVector, gradient == residual ? node.scratchVector : node.epsilonVector);
        // Read every step: trainers change loss weights between steps.
        double weight = lossWeight(node);
        gradient.muli(2.0 * weight / node.width);
        node.delta = gradient;
        return weight * sum / node.width;
    }
}
