package io.github.mtldl4j.graph;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.nd4j.linalg.activations.Activation;

/**
 * Mixtures of experts as a {@link SharingMode}: experts are dense trunks, a gate is a dense layer with a softmax over
 * the experts it mixes, and a {@link GatedSumVertex} gives each task the gate-weighted sum of expert outputs, which
 * its head reads.
 * <ul>
 *   <li>{@link #mmoe MMoE} (Ma et al., "Modeling Task Relationships in Multi-task Learning with Multi-gate
 *       Mixture-of-Experts", KDD 2018): E shared experts, one gate per task.</li>
 *   <li>{@link #omoe OMoE} (the same paper's one-gate ablation): E shared experts, one gate shared by all tasks.</li>
 *   <li>{@link #cgc CGC} (Tang et al., "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning (MTL) Model
 *       for Personalized Recommendations", RecSys 2020): shared experts plus experts of each task; a task's gate
 *       mixes its own and the shared experts.</li>
 *   <li>{@link #ple PLE} (same paper): CGC levels stacked; below the last level a shared gate over all experts feeds
 *       the next level's shared experts, and each task's mix feeds its own experts of the next level.</li>
 *   <li>{@link #dselectK DSelect-k} (Hazimeh et al., "DSelect-k: Differentiable Selection in the Mixture of Experts with
 *       Applications to Multi-Task Learning", NeurIPS 2021): MMoE whose gates are {@link DSelectKLayer DSelect-k gates},
 *       each example's weights reaching at most k experts once the gate's selectors saturate.</li>
 * </ul>
 * Vertex names follow {@link VertexNames}; shared experts and shared gates are shared (owner {@code null}), a task's
 * experts and gates belong to the task, so {@code parameterCounts()} attributes them. Tower layers are the tasks'
 * head layers ({@link Task#withHead}). Expert layers use the builder's activation, l2, bias and dropout; with no
 * expert widths given, the experts take the builder's {@code sharedLayers} widths.
 *
 * @param name the stored name: {@code mmoe}, {@code omoe}, {@code cgc}, {@code ple} or {@code dselect-k}
 * @param sharedExperts experts shared by all tasks (per level)
 * @param expertsPerTask experts of each task (per level), unless {@code taskExperts} names the task
 * @param taskExperts task name to its own number of experts, overriding {@code expertsPerTask}
 * @param expertWidths dense layer widths of every expert, input side first; empty: the builder's shared layer widths
 * @param levels number of stacked extraction levels (1 except in PLE)
 * @param gates a gate per task, or one gate shared by all tasks (OMoE)
 * @param gateInput what the gates read
 * @param gateFunction how a gate turns what it reads into expert weights
 */
public record MixtureOfExperts(String name, int sharedExperts, int expertsPerTask, Map<String, Integer> taskExperts,
                               List<Integer> expertWidths, int levels, Gates gates, GateInput gateInput,
                               GateFunction gateFunction)
        implements SharingMode {

    /** How many gates mix the experts. */
    public enum Gates {
        /** One softmax gate per task (MMoE, CGC, PLE). */
        ONE_PER_TASK,
        /** One softmax gate shared by all tasks (OMoE). */
        ONE_SHARED
    }

    /** What a gate reads. */
    public enum GateInput {
        /** The network input, at every level (the default, and MMoE's choice). */
        RAW_INPUT,
        /** What the level's experts read: the input at level 0, in PLE the previous level's mix (PLE's choice). */
        LEVEL_INPUT
    }

    /** How a gate turns what it reads into expert weights. */
    public sealed interface GateFunction {
        /** A dense layer with a softmax over the experts (MMoE, OMoE, CGC, PLE). */
        record Softmax() implements GateFunction {
        }

        /**
         * A {@link DSelectKLayer DSelect-k gate}: {@code k} selectors over a binary encoding of the experts (whose number
         * must be a power of two), smooth-step width {@code gamma}, per-example or static {@code routing}, and the
         * entropy regularizer's {@code entropy} coefficient (0: none; static gates only).
         */
        record DSelectK(int k, double gamma, DSelectKLayer.Routing routing, double entropy) implements GateFunction {
            /** Validates k, gamma, routing and entropy; the number of experts is checked when the graph is wired. */
            public DSelectK {
                if (k < 1) {
                    throw new IllegalArgumentException("DSelect-k needs k >= 1 selectors, received " + k + ".");
                }
                if (!(gamma > 0) || Double.isInfinite(gamma)) {
                    throw new IllegalArgumentException("The smooth-step width gamma of DSelect-k must be > 0 and finite, "
                            + "received " + gamma + " (the paper's code uses 1).");
                }
                DSelectKLayer.requireValid(routing, entropy);
            }

            /** The per-example gate without the entropy regularizer. */
            public DSelectK(int k, double gamma) {
                this(k, gamma, DSelectKLayer.Routing.PER_EXAMPLE, 0);
            }
        }
    }

    /** The smooth-step width of {@link #dselectK} (the paper's code's default). */
    public static final double DSELECT_GAMMA = 1.0;
    /**
     * The entropy regularizer's coefficient in the authors' code ({@code EntropyRegularizer}'s default schedule, 1e-6);
     * {@link #withSelectorEntropy} takes another.
     */
    public static final double DSELECT_ENTROPY = 1e-6;

    /** MMoE's name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<SharingMode> MMOE = MethodInfo.sharingMode("mmoe", MixtureOfExperts.class,
            o -> mmoe(o.experts()));
    /** OMoE's. */
    public static final MethodInfo<SharingMode> OMOE = MethodInfo.sharingMode("omoe", MixtureOfExperts.class,
            o -> omoe(o.experts()));
    /** CGC's. */
    public static final MethodInfo<SharingMode> CGC = MethodInfo.sharingMode("cgc", MixtureOfExperts.class,
            o -> cgc(o.experts(), o.taskExperts()));
    /** PLE's, with the two levels of the command line. */
    public static final MethodInfo<SharingMode> PLE = MethodInfo.sharingMode("ple", MixtureOfExperts.class,
            o -> ple(2, o.experts(), o.taskExperts()));
    /** DSelect-k's, with the command line's {@code --top-k}. */
    public static final MethodInfo<SharingMode> DSELECT_K = MethodInfo.sharingMode("dselect-k", MixtureOfExperts.class,
            o -> dselectK(o.experts(), o.topK()));

    /** Validates the settings; see the factory methods for the usual combinations. */
    public MixtureOfExperts {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A mixture of experts needs a name (mmoe, omoe, cgc, ple), received '" + name + "'.");
        }
        if (sharedExperts < 0 || expertsPerTask < 0) {
            throw new IllegalArgumentException("Numbers of experts must be >= 0, received " + sharedExperts + " shared and "
                    + expertsPerTask + " per task.");
        }
        taskExperts = Collections.unmodifiableMap(new LinkedHashMap<>(taskExperts == null ? Map.of() : taskExperts));
        taskExperts.forEach((task, n) -> {
            if (n == null || n < 0) {
                throw new IllegalArgumentException("Task '" + task + "' is given " + n + " experts; expected a number >= 0.");
            }
        });
        boolean someTaskExperts = expertsPerTask > 0 || taskExperts.values().stream().anyMatch(n -> n > 0);
        if (sharedExperts == 0 && !someTaskExperts) {
            throw new IllegalArgumentException("A mixture of experts needs at least one expert, received " + sharedExperts
                    + " shared and " + expertsPerTask + " per task; use e.g. MixtureOfExperts.mmoe(4, 16).");
        }
        expertWidths = List.copyOf(expertWidths);
        for (int w : expertWidths) {
            if (w < 1) {
                throw new IllegalArgumentException("Expert layer widths must be >= 1, received " + expertWidths + ".");
            }
        }
        if (levels < 1) {
            throw new IllegalArgumentException("A mixture of experts needs at least one level, received " + levels + ".");
        }
        if (gates == null) {
            throw new IllegalArgumentException("Gates is null; expected Gates.ONE_PER_TASK or Gates.ONE_SHARED.");
        }
        if (gates == Gates.ONE_SHARED && (expertsPerTask > 0 || !taskExperts.isEmpty() || levels > 1)) {
            throw new IllegalArgumentException("One gate shared by all tasks (OMoE) mixes shared experts only on one level, "
                    + "received " + expertsPerTask + " experts per task, task experts " + taskExperts + " and " + levels
                    + " levels; use cgc(...) or ple(...) for task experts and levels.");
        }
        if (gateInput == null) {
            throw new IllegalArgumentException("Gate input is null; expected GateInput.RAW_INPUT or GateInput.LEVEL_INPUT.");
        }
        if (gateFunction == null) {
            throw new IllegalArgumentException("Gate function is null; expected new GateFunction.Softmax() or "
                    + "new GateFunction.DSelectK(k, gamma).");
        }
    }

    /** MMoE: {@code experts} shared experts of the given layer widths and one softmax gate per task. */
    public static MixtureOfExperts mmoe(int experts, int... expertWidths) {
        requireExperts("MMoE", experts);
        return new MixtureOfExperts(MMOE.name(), experts, 0, Map.of(), widths(expertWidths), 1,
                Gates.ONE_PER_TASK, GateInput.RAW_INPUT, SOFTMAX);
    }

    /** OMoE: {@code experts} shared experts of the given layer widths and one softmax gate for all tasks. */
    public static MixtureOfExperts omoe(int experts, int... expertWidths) {
        requireExperts("OMoE", experts);
        return new MixtureOfExperts(OMOE.name(), experts, 0, Map.of(), widths(expertWidths), 1,
                Gates.ONE_SHARED, GateInput.RAW_INPUT, SOFTMAX);
    }

    /** CGC: {@code shared} shared experts, {@code perTask} experts per task, each task gating its own and the shared ones. */
    public static MixtureOfExperts cgc(int shared, int perTask, int... expertWidths) {
        return new MixtureOfExperts(CGC.name(), shared, perTask, Map.of(), widths(expertWidths), 1,
                Gates.ONE_PER_TASK, GateInput.RAW_INPUT, SOFTMAX);
    }

    /** PLE: {@code levels} stacked CGC levels of {@code shared} shared and {@code perTask} per-task experts each. */
    public static MixtureOfExperts ple(int levels, int shared, int perTask, int... expertWidths) {
        return new MixtureOfExperts(PLE.name(), shared, perTask, Map.of(), widths(expertWidths), levels,
                Gates.ONE_PER_TASK, GateInput.RAW_INPUT, SOFTMAX);
    }

    /**
     * DSelect-k: MMoE with {@code experts} shared experts (a power of two) of the given layer widths, each task's gate a
     * DSelect-k gate with {@code k} selectors, so that each example uses at most k experts once the gate has converged.
     */
    public static MixtureOfExperts dselectK(int experts, int k, int... expertWidths) {
        requireExperts("DSelect-k", experts);
        DSelectKLayer.requireValid(experts, k, DSELECT_GAMMA);
        return new MixtureOfExperts(DSELECT_K.name(), experts, 0, Map.of(), widths(expertWidths), 1,
                Gates.ONE_PER_TASK, GateInput.RAW_INPUT, new GateFunction.DSelectK(k, DSELECT_GAMMA));
    }

    /**
     * DSelect-k with the paper's static gates: as {@link #dselectK}, but each task's gate makes one selection for all
     * examples (its logits are parameters, not functions of the input), so each task uses at most k experts.
     */
    public static MixtureOfExperts dselectKStatic(int experts, int k, int... expertWidths) {
        requireExperts("DSelect-k", experts);
        DSelectKLayer.requireValid(experts, k, DSELECT_GAMMA);
        return new MixtureOfExperts(DSELECT_K.name(), experts, 0, Map.of(), widths(expertWidths), 1,
                Gates.ONE_PER_TASK, GateInput.RAW_INPUT, new GateFunction.DSelectK(k, DSELECT_GAMMA, DSelectKLayer.Routing.STATIC, 0));
    }

    /**
     * A copy of a static DSelect-k mixture whose gates carry the paper's entropy regularizer with coefficient
     * {@code lambda} ({@code >= 0}, 0: none; {@link #DSELECT_ENTROPY} is the authors' code's), which pushes each selector
     * to a single expert.
     */
    public MixtureOfExperts withSelectorEntropy(double lambda) {
        if (!(gateFunction instanceof GateFunction.DSelectK dselect)) {
            throw new IllegalArgumentException("The selector entropy regularizer belongs to DSelect-k gates; mixture '" + name
                    + "' has " + gateFunction + " gates. Use MixtureOfExperts.dselectKStatic(...).");
        }
        return new MixtureOfExperts(name, sharedExperts, expertsPerTask, taskExperts, expertWidths, levels, gates, gateInput,
                new GateFunction.DSelectK(dselect.k(), dselect.gamma(), dselect.routing(), lambda));
    }

    /** A copy in which task {@code task} has {@code experts} experts of its own (CGC, PLE). */
    public MixtureOfExperts withExpertsFor(String task, int experts) {
        Map<String, Integer> copy = new LinkedHashMap<>(taskExperts);
        copy.put(task, experts);
        return new MixtureOfExperts(name, sharedExperts, expertsPerTask, copy, expertWidths, levels, gates, gateInput, gateFunction);
    }

    /** A copy whose gates read {@code input}. */
    public MixtureOfExperts withGateInput(GateInput input) {
        return new MixtureOfExperts(name, sharedExperts, expertsPerTask, taskExperts, expertWidths, levels, gates, input, gateFunction);
    }

    /** The number of experts of {@code task} itself (not counting shared experts), per level. */
    public int expertsOf(String task) {
        return taskExperts.getOrDefault(task, expertsPerTask);
    }

    private static final GateFunction SOFTMAX = new GateFunction.Softmax();

    private static void requireExperts(String kind, int experts) {
        if (experts < 1) {
            throw new IllegalArgumentException(kind + " needs at least one expert, received " + experts
                    + "; with one expert it is hard sharing.");
        }
    }

    private static List<Integer> widths(int[] expertWidths) {
        return Arrays.stream(expertWidths).boxed().toList();
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        List<String> taskNames = wiring.tasks().stream().map(Task::name).toList();
        for (String task : taskExperts.keySet()) {
            if (!taskNames.contains(task)) {
                throw new IllegalArgumentException("Mixture of experts '" + name + "' gives experts to unknown task '" + task
                        + "'; known tasks: " + taskNames + ". Fix the name in withExpertsFor(...) or add the task.");
            }
        }
        for (String task : taskNames) {
            if (sharedExperts + expertsOf(task) < 1) {
                throw new IllegalArgumentException("Task '" + task + "' would have no expert to gate: 0 shared experts and 0 of "
                        + "its own. Give it experts with withExpertsFor(\"" + task + "\", n) or add shared experts.");
            }
        }
        List<Integer> widths = expertWidths.isEmpty() ? wiring.trunk().widths() : expertWidths;
        if (widths.isEmpty()) {
            throw new IllegalArgumentException("Mixture of experts '" + name + "' has no expert layer widths: give them to the "
                    + "factory (e.g. MixtureOfExperts.mmoe(4, 16)) or set sharedLayers(...) on the builder.");
        }
        int width = widths.get(widths.size() - 1);

        Representation input = wiring.input();
        Representation sharedIn = input;
        Map<String, Representation> taskIn = new LinkedHashMap<>();
        taskNames.forEach(t -> taskIn.put(t, input));
        for (int level = 0; level < levels; level++) {
            boolean last = level == levels - 1;
            List<Representation> shared = new ArrayList<>();
            for (int e = 0; e < sharedExperts; e++) {
                shared.add(wiring.addTrunk(VertexNames.expertPrefix(null, level, e), null, sharedIn, widths));
            }
            if (gates == Gates.ONE_SHARED) {
                Representation mixed = addMixture(wiring, gateFunction, null, level, gateInput == GateInput.RAW_INPUT ? input : sharedIn,
                        shared, width);
                taskNames.forEach(t -> taskIn.put(t, mixed));
                continue;
            }
            Map<String, Representation> next = new LinkedHashMap<>();
            List<Representation> all = new ArrayList<>();
            for (String task : taskNames) {
                List<Representation> own = new ArrayList<>();
                for (int e = 0; e < expertsOf(task); e++) {
                    own.add(wiring.addTrunk(VertexNames.expertPrefix(task, level, e), task, taskIn.get(task), widths));
                }
                all.addAll(own);
                own.addAll(shared);
                Representation gateFrom = gateInput == GateInput.RAW_INPUT ? input : taskIn.get(task);
                next.put(task, addMixture(wiring, gateFunction, task, level, gateFrom, own, width));
            }
            if (!last && sharedExperts > 0) {
                all.addAll(shared);
                sharedIn = addMixture(wiring, gateFunction, null, level, gateInput == GateInput.RAW_INPUT ? input : sharedIn, all, width);
            }
            taskIn.putAll(next);
        }
        return taskIn;
    }

    private static Representation addMixture(GraphWiring wiring, GateFunction function, String owner, int level,
                                             Representation gateFrom, List<Representation> experts, int width) {
        Representation gate;
        if (function instanceof GateFunction.DSelectK dselect) {
            DSelectKLayer.requireValid(experts.size(), dselect.k(), dselect.gamma());
            gate = wiring.addPrepared(VertexNames.gate(owner, level), owner, experts.size(),
                    new DSelectKLayer(gateFrom.width(), experts.size(), dselect.k(), dselect.gamma(), dselect.routing(),
                            dselect.entropy()), gateFrom.vertex());
        } else {
            gate = wiring.addLayer(VertexNames.gate(owner, level), owner, gateFrom, experts.size(),
                    new DenseLayer.Builder().nIn(gateFrom.width()).nOut(experts.size()).activation(Activation.SOFTMAX)
                            .hasBias(wiring.trunk().bias()));
        }
        String[] inputs = new String[experts.size() + 1];
        inputs[0] = gate.vertex();
        for (int e = 0; e < experts.size(); e++) {
            inputs[e + 1] = experts.get(e).vertex();
        }
        return wiring.addTrunkVertex(VertexNames.mix(owner, level), owner, width, new GatedSumVertex(), inputs);
    }
}
