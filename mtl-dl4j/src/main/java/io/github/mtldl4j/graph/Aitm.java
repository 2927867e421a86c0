package io.github.mtldl4j.graph;

import io.github.mtldl4j.loss.FunnelCalibratorLoss;
import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.nd4j.linalg.activations.Activation;

/**
 * The adaptive information transfer multi-task framework, AITM (Xi, Chen, Yan, Zhang, Gu and Zheng, "Modeling the
 * Sequential Dependence among Audience Multi-step Conversions with Multi-task Learning in Targeted Display
 * Advertising", KDD 2021), as a {@link SharingMode}. The tasks, in the order they are added, are the steps of a
 * conversion funnel (impression -> click -> conversion), all binary, each label meaning "reached this step" on every
 * impression (as in ESMM). A shared trunk ({@code trunk_<i>}) feeds every task's tower (its head layers), whose output
 * is {@code q_t}. Stage 0's information is {@code z_0 = q_0}; stage t > 0 passes {@code z_{t-1}} through a transfer
 * layer {@code <task>_transfer} (dense, the builder's activation, as wide as the tower: {@code p_{t-1}}) and mixes
 * it with {@code q_t} in an {@link AdaptiveInformationTransferLayer} {@code <task>_ait} (self-attention over the two:
 * {@code z_t}). A sigmoid unit {@code <task>_pred} reads {@code z_t}: the probability of reaching stage t.
 *
 * <p>Stage t > 0's loss adds the behavioural expectation calibrator {@code alpha * max(y_t - y_{t-1}, 0)}
 * ({@link FunnelCalibratorLoss} in a {@link FunnelOutputLayer} reading {@code [y_t, y_{t-1}]}), inside the task's
 * {@link WeightedLoss}, so a task weight scales the stage's calibrator term too. {@code new Aitm()} uses the paper's
 * alpha = 0.6 (the authors' code, {@code --weight 0.6}); {@link #withCalibratorWeight} names another.
 *
 * <p>Each stage has its own attention projections (the authors' multi-step code shares one set across stages).
 * Cascades are refused; the direct training step does not run the AIT module, so training passes through DL4J's
 * {@code fit}. ONNX export writes the AIT module and the funnel output as standard operators (docs/export.md).
 */
public final class Aitm implements SharingMode {

    /** The stored name of this mode. */
    public static final String NAME = "aitm";

    /** The paper's calibrator weight alpha. */
    public static final double PAPER_CALIBRATOR_WEIGHT = 0.6;

    /** Name, kind and needs, for {@code MethodRegistry}: a funnel of tasks, so the tuner does not try it on any table. */
    public static final MethodInfo<SharingMode> INFO = MethodInfo.<SharingMode>sharingMode(NAME, Aitm.class,
            o -> withCalibratorWeight(o.calibratorWeight())).needing(Need.FUNNEL);

    private final double calibratorWeight;

    /** AITM with the paper's calibrator weight (0.6). */
    public Aitm() {
        this(PAPER_CALIBRATOR_WEIGHT);
    }

    private Aitm(double calibratorWeight) {
        if (!Double.isFinite(calibratorWeight) || calibratorWeight < 0) {
            throw new IllegalArgumentException("AITM's calibrator weight must be finite and >= 0 (0 turns the calibrator off), "
                    + "received " + calibratorWeight + "; the paper uses " + PAPER_CALIBRATOR_WEIGHT + ".");
        }
        this.calibratorWeight = calibratorWeight;
    }

    /** AITM whose calibrator term has weight {@code alpha} ({@code >= 0}; 0 turns it off). */
    public static Aitm withCalibratorWeight(double alpha) {
        return new Aitm(alpha);
    }

    /** alpha, the calibrator's weight. */
    public double calibratorWeight() {
        return calibratorWeight;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        return Esmm.funnelOnSharedTrunk("AITM", wiring);
    }

    /**
     * Adds stage {@code stage}'s transfer layer and AIT module (stages after the first), its sigmoid unit
     * {@code <task>_pred} and its output layer named as the task.
     *
     * @param tower the stage's tower output q_t
     * @param previous the previous stage's information z_{t-1} ({@code null} for stage 0)
     * @return this stage's information z_t, which the next stage's transfer layer reads
     */
    Representation addOutput(GraphWiring wiring, List<Task> tasks, int stage, Representation tower, Representation previous,
                             Activation activation, boolean bias) {
        Task task = tasks.get(stage);
        Representation information = tower;
        if (stage > 0) {
            int k = tower.width();
            Representation transferred = wiring.addDense(VertexNames.transfer(task.name()), task.name(), previous, k, activation);
            Representation pair = wiring.addVertex(VertexNames.attentionInput(task.name()), task.name(), 2 * k, new MergeVertex(),
                    tower.vertex(), transferred.vertex());
            information = wiring.addPrepared(VertexNames.attention(task.name()), task.name(), k,
                    new AdaptiveInformationTransferLayer(k, wiring.trunk().l2()), pair.vertex());
        }
        Representation prediction = wiring.addLayer(VertexNames.prediction(task.name()), task.name(), information, 1,
                new DenseLayer.Builder().nIn(information.width()).nOut(1).activation(Activation.SIGMOID).hasBias(bias));
        if (stage == 0) {
            wiring.addPrepared(VertexNames.output(task.name()), task.name(), 1, new LossLayer.Builder()
                    .lossFunction(new WeightedLoss(task.loss(), task.weight())).activation(Activation.IDENTITY).build(),
                    prediction.vertex());
        } else {
            Representation both = wiring.addVertex(VertexNames.calibratorInput(task.name()), task.name(), 2, new MergeVertex(),
                    prediction.vertex(), VertexNames.prediction(tasks.get(stage - 1).name()));
            wiring.addPrepared(VertexNames.output(task.name()), task.name(), 1, new FunnelOutputLayer(
                    new WeightedLoss(new FunnelCalibratorLoss(task.loss(), calibratorWeight), task.weight())), both.vertex());
        }
        return information;
    }
}
