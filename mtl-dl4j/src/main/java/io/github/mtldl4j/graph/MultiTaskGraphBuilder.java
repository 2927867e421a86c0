package io.github.mtldl4j.graph;

import io.github.mtldl4j.loss.WeightedLoss;
import io.github.mtldl4j.model.GraphLayout;
import io.github.mtldl4j.model.MultiTaskComputationGraph;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Builds a multi-task model: a DL4J {@link ComputationGraph} with an input, a sharing part chosen by
 * {@link SharingMode} (hard sharing by default), optional cascades between tasks, then per task its hidden head layers
 * and an output whose loss is wrapped in a {@link WeightedLoss} carrying the task's weight. As with Keras' functional
 * API, the product is the model itself: {@link #build()} returns a {@link MultiTaskModel} (the initialized graph, its
 * tasks and its layout), ready to {@code fit}, train with {@code MultiTaskTrainer}, predict by task name and save;
 * {@link MultiTaskModel#graph()} is the plain {@code ComputationGraph}. {@link #configuration()} gives the graph's
 * configuration alone, for DL4J tooling that wants one.
 *
 * <pre>{@code
 * MultiTaskModel model = MultiTaskGraphBuilder.forInputs(10)
 *     .sharedLayers(64, 32)
 *     .task(Task.regression("price"))
 *     .task(Task.binary("churn").withWeight(0.5).withHead(16))
 *     .task(Task.multiclass("segment", 4))
 *     .build();
 * }</pre>
 *
 * <p>Vertex names follow {@link VertexNames}; a task's output vertex is the task's name. Cascades
 * ({@link #cascade(String, String)}) follow the "parameter passing" idea of feeding one task's prediction
 * into another task's head; the source task then predicts through a dense layer {@code <task>_pred}
 * followed by a loss layer, so that gradient from the reading task flows back into it (a DL4J output layer
 * ignores gradient arriving from layers after it).
 *
 * <p>Defaults: hard sharing, no trunk layers, ReLU, Adam(1e-3), Xavier init, FLOAT, seed 42, biases on,
 * no dropout, no l2.
 */
public final class MultiTaskGraphBuilder {
    private final int inputWidth;
    private final List<Task> tasks = new ArrayList<>();
    private final Map<String, List<String>> cascades = new LinkedHashMap<>();
    private List<Integer> sharedWidths = List.of();
    private Activation activation = Activation.RELU;
    private double dropoutRate;
    private double l2;
    private boolean bias = true;
    private IUpdater updater = new Adam(1e-3);
    private long seed = 42;
    private DataType dataType = DataType.FLOAT;
    private WeightInit weightInit = WeightInit.XAVIER;
    private SharingMode sharing = new HardSharing();
    private boolean tapRepresentation;
    private boolean fuseHeads;

    private MultiTaskGraphBuilder(int inputWidth) {
        if (inputWidth < 1) {
            throw new IllegalArgumentException("Input width must be >= 1 (the number of feature columns), received " + inputWidth + ".");
        }
        this.inputWidth = inputWidth;
    }

    /** A builder for graphs that read {@code inputWidth} features per example. */
    public static MultiTaskGraphBuilder forInputs(int inputWidth) {
        return new MultiTaskGraphBuilder(inputWidth);
    }

    /** An independent builder with the same settings, tasks and cascades (e.g. to build the independent-towers twin). */
    public MultiTaskGraphBuilder copy() {
        MultiTaskGraphBuilder copy = new MultiTaskGraphBuilder(inputWidth);
        copy.tasks.addAll(tasks);
        cascades.forEach((target, sources) -> copy.cascades.put(target, new ArrayList<>(sources)));
        copy.sharedWidths = sharedWidths;
        copy.activation = activation;
        copy.dropoutRate = dropoutRate;
        copy.l2 = l2;
        copy.bias = bias;
        copy.updater = updater.clone();
        copy.seed = seed;
        copy.dataType = dataType;
        copy.weightInit = weightInit;
        copy.sharing = sharing;
        copy.tapRepresentation = tapRepresentation;
        copy.fuseHeads = fuseHeads;
        return copy;
    }

    /** Adds a task; tasks keep the order in which they are added (it is the order of the graph's outputs). */
    public MultiTaskGraphBuilder task(Task task) {
        tasks.add(Objects.requireNonNull(task, "task"));
        return this;
    }

    /** Adds several tasks in order. */
    public MultiTaskGraphBuilder tasks(Task... moreTasks) {
        for (Task task : moreTasks) {
            task(task);
        }
        return this;
    }

    /** Widths of the trunk's dense layers, input side first (each tower has the same shape in independent mode). */
    public MultiTaskGraphBuilder sharedLayers(int... widths) {
        this.sharedWidths = Arrays.stream(widths).boxed().toList();
        return this;
    }

    /** Activation of trunk layers and hidden head layers. */
    public MultiTaskGraphBuilder activation(Activation newActivation) {
        this.activation = Objects.requireNonNull(newActivation, "activation");
        return this;
    }

    /** Probability of dropping each trunk activation in training (Keras' meaning, not DL4J's retain probability). */
    public MultiTaskGraphBuilder dropout(double rate) {
        this.dropoutRate = rate;
        return this;
    }

    /** L2 regularization of every trunk, head and output layer. */
    public MultiTaskGraphBuilder l2(double coefficient) {
        this.l2 = coefficient;
        return this;
    }

    /** Whether layers have biases (default true). */
    public MultiTaskGraphBuilder bias(boolean withBias) {
        this.bias = withBias;
        return this;
    }

    /** The optimizer, shared by all parameters. */
    public MultiTaskGraphBuilder updater(IUpdater newUpdater) {
        this.updater = Objects.requireNonNull(newUpdater, "updater");
        return this;
    }

    /** The seed of parameter initialization and dropout. */
    public MultiTaskGraphBuilder seed(long newSeed) {
        this.seed = newSeed;
        return this;
    }

    /** Parameter data type: FLOAT (default) or DOUBLE (gradient checks). */
    public MultiTaskGraphBuilder dataType(DataType newDataType) {
        this.dataType = Objects.requireNonNull(newDataType, "dataType");
        return this;
    }

    /** The weight initialization scheme. */
    public MultiTaskGraphBuilder weightInit(WeightInit newWeightInit) {
        this.weightInit = Objects.requireNonNull(newWeightInit, "weightInit");
        return this;
    }

    /** Chooses the sharing mode. */
    public MultiTaskGraphBuilder sharing(SharingMode mode) {
        this.sharing = Objects.requireNonNull(mode, "sharing mode");
        return this;
    }

    /** One shared trunk for all tasks (the default). */
    public MultiTaskGraphBuilder hardSharing() {
        return sharing(new HardSharing());
    }

    /** One trunk per task in the same graph: the single-task baseline. */
    public MultiTaskGraphBuilder independentTowers() {
        return sharing(new IndependentTowers());
    }

    /**
     * Puts an identity vertex {@code shared} after the shared trunk that can record the gradient reaching the shared
     * representation: MGDA-UB needs it. Hard sharing only; it changes no value and has no parameters.
     */
    public MultiTaskGraphBuilder representationTap() {
        this.tapRepresentation = true;
        return this;
    }

    /**
     * Computes the first hidden layer of every head that reads the same representation as one dense layer
     * ({@link VertexNames#FUSED_HEADS}, its width the sum of those layers' widths): one matrix product instead of K
     * small ones, and K times fewer per-layer overheads, which dominate DL4J steps of small heads. Each task's
     * {@code <task>_head_0} is then its slice of that layer (a {@code SubsetVertex}), followed by the rest of its head
     * and its output as before. The same function as separate heads: block t of the fused weights is task t's first
     * head layer (initialized block by block, {@link FusedHeadsWeightInit}), and no task's loss reaches another
     * task's block. Cascaded tasks (their head reads a merge) keep separate heads.
     *
     * <p>It speeds up steps that run one backward pass for all tasks (fixed or loss-based weightings). Per-task
     * gradient methods (aggregators, GradNorm) stay correct but gain nothing: each task's backward pass then goes
     * through the whole fused layer, and MGDA-UB cannot take its short route; keep heads separate for them. With
     * dropout the heads share one dropout mask on their input instead of drawing one each.
     */
    public MultiTaskGraphBuilder fusedHeads() {
        this.fuseHeads = true;
        return this;
    }

    /**
     * Feeds the prediction of task {@code source} into the head of task {@code target}: the target's head reads
     * its representation merged with the source's activated output. Several sources per target are allowed;
     * cycles are refused at build time.
     */
    public MultiTaskGraphBuilder cascade(String target, String source) {
        List<String> sources = cascades.computeIfAbsent(target, t -> new ArrayList<>());
        if (sources.contains(source)) {
            throw new IllegalArgumentException("Cascade " + target + " <- " + source + " is declared twice; declare each once.");
        }
        sources.add(source);
        return this;
    }

    /** The configuration of the graph this builder describes, without building a model ({@link #build()} does). */
    public ComputationGraphConfiguration configuration() {
        return wire().configuration;
    }

    /**
     * The model this builder describes: builds and initializes the graph (parameters drawn with {@link #seed}) and
     * wraps it with its tasks and layout. Each call builds a new, independent model.
     */
    public MultiTaskModel build() {
        Wired wired = wire();
        ComputationGraph graph = new MultiTaskComputationGraph(wired.configuration);
        graph.init();
        return new MultiTaskModel(graph, tasks, wired.layout);
    }

    private record Wired(ComputationGraphConfiguration configuration, GraphLayout layout) {
    }

    private Wired wire() {
        validateTasks();
        validateCascades();
        if ((sharing instanceof Esmm || sharing instanceof Aitm) && !cascades.isEmpty()) {
            throw new IllegalArgumentException(sharing.name().toUpperCase(java.util.Locale.ROOT) + " links its tasks as a funnel "
                    + "in task order already; remove the cascades " + cascades + " or use another sharing mode.");
        }
        TrunkSpec trunk = new TrunkSpec(sharedWidths, activation, dropoutRate, l2, bias);

        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(updater.clone()).weightInit(weightInit).dataType(dataType)
                .graphBuilder()
                .addInputs(VertexNames.INPUT)
                .setInputTypes(InputType.feedForward(inputWidth));
        GraphWiring wiring = new GraphWiring(graph, new Representation(VertexNames.INPUT, inputWidth), List.copyOf(tasks), trunk, tapRepresentation);
        Map<String, Representation> representations = sharing.wire(wiring);
        for (Task task : tasks) {
            if (!representations.containsKey(task.name())) {
                throw new IllegalStateException("Sharing mode '" + sharing.name() + "' gave no representation for task '" + task.name() + "'.");
            }
        }

        Map<String, Representation> fusedFirstLayers = fuseHeads ? fuseFirstHeadLayers(wiring, representations)
                : Map.of();
        String[] outputs = new String[tasks.size()];
        Representation funnelInformation = null;
        for (int i = 0; i < tasks.size(); i++) {
            Task task = tasks.get(i);
            Representation in = representations.get(task.name());
            List<String> sources = cascades.getOrDefault(task.name(), List.of());
            if (!sources.isEmpty()) {
                List<String> merged = new ArrayList<>(List.of(in.vertex()));
                int width = in.width();
                for (String source : sources) {
                    merged.add(VertexNames.prediction(source));
                    width += taskNamed(source).width();
                }
                in = wiring.addVertex(VertexNames.cascadeMerge(task.name()), task.name(), width, new MergeVertex(),
                        merged.toArray(String[]::new));
            }
            int firstSeparate = 0;
            if (fusedFirstLayers.containsKey(task.name())) {
                in = fusedFirstLayers.get(task.name());
                firstSeparate = 1;
            }
            for (int h = firstSeparate; h < task.headWidths().size(); h++) {
                in = wiring.addDense(VertexNames.head(task.name(), h), task.name(), in, task.headWidths().get(h), activation);
            }
            if (sharing instanceof Esmm esmm) {
                esmm.addOutput(wiring, tasks, i, in, bias);
            } else if (sharing instanceof Aitm aitm) {
                funnelInformation = aitm.addOutput(wiring, tasks, i, in, funnelInformation, activation, bias);
            } else {
                addOutput(wiring, task, in);
            }
            outputs[i] = VertexNames.output(task.name());
        }
        graph.setOutputs(outputs);
        return new Wired(graph.build(), new GraphLayout(sharing.name(), inputWidth, wiring.owners(), cascades));
    }

    /**
     * One dense layer for the first hidden head layers of the tasks that read the same representation (at least two,
     * not cascaded), and each task's slice of it.
     *
     * @return task name to its slice, the input of the rest of its head
     */
    private Map<String, Representation> fuseFirstHeadLayers(GraphWiring wiring, Map<String, Representation> representations) {
        Map<String, List<Task>> byRepresentation = new LinkedHashMap<>();
        for (Task task : tasks) {
            if (!task.headWidths().isEmpty() && !cascades.containsKey(task.name())) {
                byRepresentation.computeIfAbsent(representations.get(task.name()).vertex(), v -> new ArrayList<>()).add(task);
            }
        }
        List<Map.Entry<String, List<Task>>> groups = byRepresentation.entrySet().stream()
                .filter(group -> group.getValue().size() > 1).toList();
        if (groups.size() != 1) {
            throw new IllegalArgumentException("fusedHeads() fuses the first hidden head layers of tasks that read the same "
                    + "representation, so it needs at least two tasks with hidden head layers (Task.withHead) reading one "
                    + "shared representation; received " + (groups.isEmpty() ? "none" : groups.size() + " such groups")
                    + " with sharing mode '" + sharing.name() + "'. Use hard sharing and give the tasks heads, or drop fusedHeads().");
        }
        List<Task> fused = groups.get(0).getValue();
        Representation shared = representations.get(fused.get(0).name());
        int[] widths = fused.stream().mapToInt(t -> t.headWidths().get(0)).toArray();
        int total = Arrays.stream(widths).sum();
        Representation layer = wiring.addLayer(VertexNames.FUSED_HEADS, null, shared, total,
                new DenseLayer.Builder().nIn(shared.width()).nOut(total).activation(activation).hasBias(bias)
                        .weightInit(new FusedHeadsWeightInit(weightInit.getWeightInitFunction(), widths)));
        Map<String, Representation> slices = new LinkedHashMap<>();
        int from = 0;
        for (int t = 0; t < fused.size(); t++) {
            String task = fused.get(t).name();
            slices.put(task, wiring.addVertex(VertexNames.head(task, 0), task, widths[t],
                    new SubsetVertex(from, from + widths[t] - 1), layer.vertex()));
            from += widths[t];
        }
        return slices;
    }

    private void addOutput(GraphWiring wiring, Task task, Representation in) {
        WeightedLoss loss = new WeightedLoss(task.loss(), task.weight());
        String output = VertexNames.output(task.name());
        boolean readByOthers = cascades.values().stream().anyMatch(s -> s.contains(task.name()));
        if (readByOthers) {
            Representation prediction = wiring.addLayer(VertexNames.prediction(task.name()), task.name(), in, task.width(),
                    new DenseLayer.Builder().nIn(in.width()).nOut(task.width()).activation(task.activation()).hasBias(bias));
            wiring.addPrepared(output, task.name(), task.width(),
                    new LossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).build(), prediction.vertex());
        } else {
            wiring.addLayer(output, task.name(), in, task.width(),
                    new OutputLayer.Builder().nIn(in.width()).nOut(task.width()).activation(task.activation())
                            .lossFunction(loss).hasBias(bias));
        }
    }

    private Task taskNamed(String name) {
        return tasks.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    private void validateTasks() {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("No tasks: a multi-task graph needs at least one task. Add one with "
                    + "task(Task.regression(\"price\")), task(Task.binary(\"churn\")) or task(Task.multiclass(\"species\", 3)).");
        }
        Set<String> seen = new HashSet<>();
        for (Task task : tasks) {
            if (!seen.add(task.name())) {
                throw new IllegalArgumentException("Duplicate task name '" + task.name() + "': task names must be unique, since "
                        + "weights, losses and outputs are addressed by name. Received tasks "
                        + tasks.stream().map(Task::name).toList() + "; rename one of them.");
            }
        }
    }

    private void validateCascades() {
        Set<String> names = tasks.stream().map(Task::name).collect(Collectors.toSet());
        cascades.forEach((target, sources) -> {
            for (String name : concat(target, sources)) {
                if (!names.contains(name)) {
                    throw new IllegalArgumentException("Cascade " + target + " <- " + sources + " names unknown task '" + name
                            + "'; known tasks: " + tasks.stream().map(Task::name).toList() + ".");
                }
            }
            if (sources.contains(target)) {
                throw new IllegalArgumentException("Cascade " + target + " <- " + target + " feeds a task its own output; "
                        + "a cascade must connect two different tasks.");
            }
        });
        // Depth-first search for a cycle in source -> target edges, reporting the cycle itself.
        Map<String, Integer> state = new LinkedHashMap<>();
        for (String start : cascades.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            findCycle(start, state, path);
        }
    }

    private void findCycle(String task, Map<String, Integer> state, Deque<String> path) {
        Integer s = state.get(task);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path);
            cycle = cycle.subList(cycle.indexOf(task), cycle.size());
            throw new IllegalArgumentException("Cascades form a cycle: " + String.join(" <- ", cycle) + " <- " + task
                    + ". A task cannot depend on its own prediction; remove one cascade of the cycle.");
        }
        state.put(task, 1);
        path.addLast(task);
        for (String source : cascades.getOrDefault(task, List.of())) {
            findCycle(source, state, path);
        }
        path.removeLast();
        state.put(task, 2);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
