package io.github.mtldl4j.train;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * The graph's Adam update (Kingma &amp; Ba, ICLR 2015) as one Java loop over its flat parameter, gradient and updater-state
 * buffers, for graphs of at most {@link #MAX_PARAMETERS} parameters: what DL4J's updater does for them (divide the summed
 * gradient by the batch size, libnd4j's {@code adam_updater} per updater block, subtract the update from the parameters)
 * costs three ND4J operations and the updater's per-step bookkeeping (maps of per-layer gradients, views), several
 * times the arithmetic at this size. The same formula as libnd4j's kernel, in the graph's data type:
 * {@code g = grad / batch; m = b1 m + g (1 - b1); v = b2 v + g g (1 - b2); u = m lr sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v) + eps)},
 * {@code t} the iteration plus one; the update is left in the gradient view (as DL4J leaves it) and subtracted from the
 * parameters; the state stays in the updater's own arrays.
 *
 * <p>Used only when every updater block is plain {@link Adam} (learning-rate schedules are read each step) with no
 * regularization, no gradient normalization, no pretraining block and division by the batch size for every parameter;
 * otherwise {@link #apply} returns false and the graph's updater runs. Reads the graph's updater again whenever it is
 * replaced (e.g. by {@code setLearningRate}). CPU backend only. Not thread-safe.
 */
final class HostAdam {
    /** Parameters up to which the loop runs here (about 10-20 us of Java at the top; ND4J's three ops cost that alone). */
    static final long MAX_PARAMETERS = 8192;

    private final ComputationGraph graph;
    private ComputationGraphUpdater updater;
    private INDArray stateView;
    /** The blocks of {@link #updater}, or null when it must run itself. */
    private Block[] blocks;

    /** One updater block: its range of the flat parameters and its Adam state. */
    private record Block(UpdaterBlock block, AdamUpdater adam, int from, int to, Host m, int mFrom, Host v, int vFrom) {
    }

    /** A FLOAT or DOUBLE buffer in place (an NIO view of ND4J's host memory). */
    private record Host(FloatBuffer floats, DoubleBuffer doubles) {
        static Host of(INDArray array) {
            java.nio.ByteBuffer bytes = array.data().asNio().order(ByteOrder.nativeOrder());
            return array.dataType() == DataType.FLOAT ? new Host(bytes.asFloatBuffer(), null) : new Host(null, bytes.asDoubleBuffer());
        }
    }

    private Host params;
    private int paramsFrom;
    private Host gradients;
    private int gradientsFrom;

    HostAdam(ComputationGraph graph) {
        this.graph = graph;
    }

    /**
     * The update of one step from the summed gradient in the graph's gradient view, applied to its parameters, or
     * false (nothing changed) when the graph's updater must do it.
     */
    boolean apply(int batchSize) {
        if (!takes()) {
            return false;
        }
        int iteration = graph.getIterationCount();
        int epoch = graph.getEpochCount();
        for (Block block : blocks) {
            if (params.floats != null) {
                floatStep(block, iteration, epoch, batchSize);
            } else {
                doubleStep(block, iteration, epoch, batchSize);
            }
        }
        return true;
    }

    /**
     * Whether {@link #apply} takes the update (reading the graph's updater again if it, its state or one of its blocks'
     * Adam instances was replaced since the last call).
     */
    boolean takes() {
        ComputationGraphUpdater current = graph.getUpdater(true);
        boolean same = current == updater && current.getStateViewArray() == stateView;
        if (same && blocks != null) {
            List<UpdaterBlock> list = current.getUpdaterBlocks();
            same = list.size() == blocks.length;
            for (int b = 0; same && b < blocks.length; b++) {
                same = list.get(b) == blocks[b].block && list.get(b).getGradientUpdater() == blocks[b].adam;
            }
        }
        if (!same) {
            updater = current;
            stateView = current.getStateViewArray();
            blocks = blocks(current);
        }
        return blocks != null;
    }

    private Block[] blocks(ComputationGraphUpdater current) {
        INDArray flatParams = graph.params();
        INDArray flatGradients = graph.getFlattenedGradients();
        if (!Nd4j.getEnvironment().isCPU() || flatParams == null || flatGradients == null || flatParams.length() > MAX_PARAMETERS
                || flatParams.dataType() != DataType.FLOAT && flatParams.dataType() != DataType.DOUBLE
                || flatGradients.dataType() != flatParams.dataType() || flatParams.elementWiseStride() != 1
                || flatGradients.elementWiseStride() != 1 || !graph.conf().isMiniBatch()) {
            return null;
        }
        List<UpdaterBlock> list = current.getUpdaterBlocks();
        Block[] result = new Block[list.size()];
        for (int b = 0; b < result.length; b++) {
            UpdaterBlock block = list.get(b);
            if (block.skipDueToPretrainConfig(false) || block.getGradientUpdater().getClass() != AdamUpdater.class) {
                return null;
            }
            AdamUpdater adam = (AdamUpdater) block.getGradientUpdater();
            if (adam.getConfig().getClass() != Adam.class) {
                return null;
            }
            for (UpdaterBlock.ParamState state : block.getLayersAndVariablesInBlock()) {
                Trainable layer = state.getLayer();
                TrainingConfig config = layer.getConfig();
                List<Regularization> regularization = config.getRegularizationByParam(state.getParamName());
                GradientNormalization normalization = config.getGradientNormalization();
                if (regularization != null && !regularization.isEmpty()
                        || normalization != null && normalization != GradientNormalization.None
                        || !layer.updaterDivideByMinibatch(state.getParamName())) {
                    return null;
                }
            }
            INDArray m = adam.getM();
            INDArray v = adam.getV();
            int length = block.getParamOffsetEnd() - block.getParamOffsetStart();
            if (m == null || v == null || m.length() != length || v.length() != length || m.elementWiseStride() != 1
                    || v.elementWiseStride() != 1 || m.dataType() != flatParams.dataType()) {
                return null;
            }
            result[b] = new Block(block, adam, block.getParamOffsetStart(), block.getParamOffsetEnd(),
                    Host.of(m), Math.toIntExact(m.offset()), Host.of(v), Math.toIntExact(v.offset()));
        }
        params = Host.of(flatParams);
        paramsFrom = Math.toIntExact(flatParams.offset());
        gradients = Host.of(flatGradients);
        gradientsFrom = Math.toIntExact(flatGradients.offset());
        return result;
    }

    /** libnd4j's bias-corrected step size {@code lr sqrt(1 - b2^t) / (1 - b1^t)}, or eps where that is 0 or not finite. */
    private static double stepSize(double lr, double beta1, double beta2, double epsilon, int iteration) {
        double step = lr * Math.sqrt(1.0 - Math.pow(beta2, iteration + 1)) / (1.0 - Math.pow(beta1, iteration + 1));
        return Double.isNaN(step) || Double.isInfinite(step) || step == 0.0 ? epsilon : step;
    }

    private void floatStep(Block block, int iteration, int epoch, int batchSize) {
        Adam config = block.adam.getConfig();
        float beta1 = (float) config.getBeta1();
        float beta2 = (float) config.getBeta2();
        float epsilon = (float) config.getEpsilon();
        // libnd4j's order of roundings for FLOAT: powers and square root in float, the division in double.
        float lr = (float) config.getLearningRate(iteration, epoch);
        float beta1t = (float) Math.pow(beta1, iteration + 1);
        float beta2t = (float) Math.pow(beta2, iteration + 1);
        float step = (float) (lr * (float) Math.sqrt((float) (1.0 - beta2t)) / (1.0 - beta1t));
        if (Float.isNaN(step) || Float.isInfinite(step) || step == 0f) {
            step = epsilon;
        }
        float oneMinusBeta1 = 1 - beta1;
        float oneMinusBeta2 = 1 - beta2;
        float batch = batchSize;
        FloatBuffer p = params.floats;
        FloatBuffer g = gradients.floats;
        FloatBuffer ms = block.m.floats;
        FloatBuffer vs = block.v.floats;
        for (int k = 0, count = block.to - block.from; k < count; k++) {
            int pi = paramsFrom + block.from + k;
            int gi = gradientsFrom + block.from + k;
            float grad = g.get(gi) / batch;
            float m = beta1 * ms.get(block.mFrom + k) + grad * oneMinusBeta1;
            float v = beta2 * vs.get(block.vFrom + k) + grad * grad * oneMinusBeta2;
            float update = m * step / ((float) Math.sqrt(v) + epsilon);
            ms.put(block.mFrom + k, m);
            vs.put(block.vFrom + k, v);
            g.put(gi, update);
            p.put(pi, p.get(pi) - update);
        }
    }

    private void doubleStep(Block block, int iteration, int epoch, int batchSize) {
        Adam config = block.adam.getConfig();
        double beta1 = config.getBeta1();
        double beta2 = config.getBeta2();
        double epsilon = config.getEpsilon();
        double step = stepSize(config.getLearningRate(iteration, epoch), beta1, beta2, epsilon, iteration);
        double oneMinusBeta1 = 1 - beta1;
        double oneMinusBeta2 = 1 - beta2;
        DoubleBuffer p = params.doubles;
        DoubleBuffer g = gradients.doubles;
        DoubleBuffer ms = block.m.doubles;
        DoubleBuffer vs = block.v.doubles;
        for (int k = 0, count = block.to - block.from; k < count; k++) {
            int pi = paramsFrom + block.from + k;
            int gi = gradientsFrom + block.from + k;
            double grad = g.get(gi) / batchSize;
            double m = beta1 * ms.get(block.mFrom + k) + grad * oneMinusBeta1;
            double v = beta2 * vs.get(block.vFrom + k) + grad * grad * oneMinusBeta2;
            double update = m * step / (Math.sqrt(v) + epsilon);
            ms.put(block.mFrom + k, m);
            vs.put(block.vFrom + k, v);
            g.put(gi, update);
            p.put(pi, p.get(pi) - update);
        }
    }
}
