package io.github.mtldl4j.graph;

import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The entire space multi-task model (Ma, Zhao, Huang, Wang, Zhu, Yang and Gai, "Entire Space Multi-Task Model: An
 * Effective Approach for Estimating Post-Click Conversion Rate", SIGIR 2018) as a {@link SharingMode}: the tasks, in
 * the order they are added, are the stages of a funnel (e.g. impression -> click -> conversion), all binary. The
 * trunk ({@code trunk_<i>}) is shared; each task's head is its tower, ending in a sigmoid unit {@code <task>_pred}:
 * the probability of reaching the stage given the previous one (pCTR, pCVR). The trained outputs are the products
 * over the funnel: stage 0's output is {@code <task0>_pred} (pCTR), stage k's output reads
 * {@code <task>_funnel = <previous stage's output> x <task>_pred} (pCTCVR = pCTR x pCVR), a DL4J
 * {@code ElementWiseVertex(Product)}. Every output is trained on all rows with binary cross-entropy (the tasks'
 * losses and weights), so the label of stage k is "reached stage k" (click AND conversion), defined on every
 * impression: this removes the sample selection bias of a conversion model trained on clicked rows only.
 * {@link #stageProbability} gives the conditional probability of a stage (pCVR).
 *
 * <p>Cascades are refused (the funnel already links the tasks); the direct training step does not run the product
 * vertex, so training passes through DL4J's {@code fit}.
 */
public final class Esmm implements SharingMode {

    /** The stored name of this mode. */
    public static final String NAME = "esmm";

    /** Name, kind and needs, for {@code MethodRegistry}: a funnel of tasks, so the tuner does not try it on any table. */
    public static final MethodInfo<SharingMode> INFO = MethodInfo.<SharingMode>sharingMode(NAME, Esmm.class, o -> new Esmm())
            .needing(Need.FUNNEL);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        return funnelOnSharedTrunk("ESMM", wiring);
    }

    /**
     * The wiring of a funnel architecture ({@code method}: ESMM, AITM): checks that the tasks are at least two binary
     * tasks with one sigmoid output each, and gives every task the shared trunk.
     */
    static Map<String, Representation> funnelOnSharedTrunk(String method, GraphWiring wiring) {
        List<Task> tasks = wiring.tasks();
        if (tasks.size() < 2) {
            throw new IllegalArgumentException(method + " needs a funnel of at least two binary tasks in funnel order (e.g. click, "
                    + "then conversion), received " + tasks.stream().map(Task::name).toList() + ".");
        }
        for (Task task : tasks) {
            if (task.type() != TaskType.BINARY || task.width() != 1 || task.activation() != Activation.SIGMOID) {
                throw new IllegalArgumentException(method + ": task '" + task.name() + "' is " + task.type() + " with " + task.width()
                        + " output(s) and activation " + task.activation() + "; every funnel stage must be a binary task "
                        + "with one sigmoid output (Task.binary(\"" + task.name() + "\")).");
            }
        }
        Representation shared = wiring.addTrunk(VertexNames.SHARED_TRUNK_PREFIX, null);
        Map<String, Representation> byTask = new LinkedHashMap<>();
        for (Task task : tasks) {
            byTask.put(task.name(), shared);
        }
        return byTask;
    }

    /**
     * Adds task {@code stage}'s sigmoid unit {@code <task>_pred} reading its tower {@code in}, the funnel product for
     * stages after the first, and the loss layer named as the task.
     */
    void addOutput(GraphWiring wiring, List<Task> tasks, int stage, Representation in, boolean bias) {
        Task task = tasks.get(stage);
        Representation prediction = wiring.addLayer(VertexNames.prediction(task.name()), task.name(), in, 1,
                new DenseLayer.Builder().nIn(in.width()).nOut(1).activation(Activation.SIGMOID).hasBias(bias));
        String lossInput = prediction.vertex();
        if (stage > 0) {
            String previousProbability = stage == 1 ? VertexNames.prediction(tasks.get(0).name())
                    : VertexNames.funnelProduct(tasks.get(stage - 1).name());
            lossInput = wiring.addVertex(VertexNames.funnelProduct(task.name()), task.name(), 1,
                    new ElementWiseVertex(ElementWiseVertex.Op.Product), previousProbability, prediction.vertex()).vertex();
        }
        wiring.addPrepared(VertexNames.output(task.name()), task.name(), 1, new LossLayer.Builder()
                .lossFunction(new WeightedLoss(task.loss(), task.weight())).activation(Activation.IDENTITY).build(), lossInput);
    }

    /**
     * The conditional probability of reaching stage {@code task} given the previous stage (pCVR for the conversion
     * stage; pCTR for the first), one column per row of {@code features}. {@link MultiTaskModel#predict} gives the
     * funnel products (pCTR, pCTCVR).
     *
     * @throws IllegalArgumentException if the model is not an ESMM model or has no such task
     */
    public static INDArray stageProbability(MultiTaskModel model, String task, INDArray features) {
        if (!NAME.equals(model.layout().sharing())) {
            throw new IllegalArgumentException("Stage probabilities need a model built with ESMM, this one's sharing mode is '"
                    + model.layout().sharing() + "'.");
        }
        if (!model.taskNames().contains(task)) {
            throw new IllegalArgumentException("Unknown task '" + task + "'; the funnel's tasks are " + model.taskNames() + ".");
        }
        return model.graph().feedForward(features, false).get(VertexNames.prediction(task)).dup();
    }
}
