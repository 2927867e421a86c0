package io.github.mtldl4j.eval;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.VertexNames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Which experts each task uses in a mixture of experts ({@link io.github.mtldl4j.graph.MixtureOfExperts}): per task,
 * the mean over a data set's rows of the gate weight of each expert its head reads (the task's gate of the last
 * level; in OMoE the one shared gate). Each task's weights sum to 1. Labels and label masks are ignored: gates see
 * features only.
 *
 * @param byTask task name to expert name (the expert's vertex prefix, e.g. {@code expert_2} or {@code price_expert_0})
 *               to its mean gate weight, in gate order
 */
public record GateUtilization(Map<String, Map<String, Double>> byTask) {

    /** Copies the maps, keeping their order. */
    public GateUtilization {
        Map<String, Map<String, Double>> copy = new LinkedHashMap<>();
        byTask.forEach((task, weights) -> copy.put(task, Collections.unmodifiableMap(new LinkedHashMap<>(weights))));
        byTask = Collections.unmodifiableMap(copy);
    }

    /**
     * Runs the model over {@code data} (reset first when it supports it) and averages the gate weights.
     *
     * @throws IllegalArgumentException when the model has no gated mixture in front of some task
     */
    public static GateUtilization of(MultiTaskModel model, MultiDataSetIterator data) {
        ComputationGraph graph = model.graph();
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, String> gates = gatesOf(model);
        Map<String, List<String>> experts = new LinkedHashMap<>();
        for (String task : model.taskNames()) {
            List<String> inputs = conf.getVertexInputs().get(mixOf(conf, task));
            List<String> names = new ArrayList<>();
            for (String expertOutput : inputs.subList(1, inputs.size())) {
                names.add(expertName(expertOutput));
            }
            experts.put(task, names);
        }
        Map<String, double[]> sums = new LinkedHashMap<>();
        experts.forEach((task, names) -> sums.put(task, new double[names.size()]));
        long rows = 0;
        if (data.resetSupported()) {
            data.reset();
        }
        while (data.hasNext()) {
            MultiDataSet batch = data.next();
            Map<String, INDArray> activations = graph.feedForward(batch.getFeatures(), false, false);
            for (String task : model.taskNames()) {
                INDArray gate = activations.get(gates.get(task));
                double[] sum = sums.get(task);
                INDArray columnSums = gate.sum(0);
                for (int e = 0; e < sum.length; e++) {
                    sum[e] += columnSums.getDouble(e);
                }
            }
            rows += batch.getFeatures(0).rows();
        }
        if (rows == 0) {
            throw new IllegalArgumentException("Gate utilization needs at least one row of data; the iterator gave none.");
        }
        Map<String, Map<String, Double>> byTask = new LinkedHashMap<>();
        for (String task : model.taskNames()) {
            Map<String, Double> weights = new LinkedHashMap<>();
            List<String> names = experts.get(task);
            for (int e = 0; e < names.size(); e++) {
                weights.put(names.get(e), sums.get(task)[e] / rows);
            }
            byTask.put(task, weights);
        }
        return new GateUtilization(byTask);
    }

    /** Whether every task of the model reads a gated mixture of experts (so {@link #of} applies). */
    public static boolean hasGates(MultiTaskModel model) {
        ComputationGraphConfiguration conf = model.graph().getConfiguration();
        return model.taskNames().stream().allMatch(task -> mixOf(conf, task) != null);
    }

    /**
     * The gate vertex whose weights mix the experts each task's head reads, by task name.
     *
     * @throws IllegalArgumentException when the model has no gated mixture in front of some task
     */
    public static Map<String, String> gatesOf(MultiTaskModel model) {
        ComputationGraphConfiguration conf = model.graph().getConfiguration();
        Map<String, String> gates = new LinkedHashMap<>();
        for (String task : model.taskNames()) {
            String mix = mixOf(conf, task);
            if (mix == null) {
                throw new IllegalArgumentException("Task '" + task + "' reads no gated mixture of experts (sharing mode '"
                        + model.layout().sharing() + "'); gate utilization needs a model built with MixtureOfExperts, "
                        + "e.g. .sharing(MixtureOfExperts.mmoe(4, 16)).");
            }
            gates.put(task, conf.getVertexInputs().get(mix).get(0));
        }
        return gates;
    }

    /** The mean gate weight task {@code task} gives expert {@code expert}, 0 when the task's gate does not see it. */
    public double weight(String task, String expert) {
        Map<String, Double> weights = byTask.get(task);
        if (weights == null) {
            throw new IllegalArgumentException("Unknown task '" + task + "'; known tasks: " + byTask.keySet() + ".");
        }
        return weights.getOrDefault(expert, 0.0);
    }

    /** A table: one row per task, one column per expert ({@code -} where a task's gate does not see the expert). */
    public String table() {
        Set<String> columns = new LinkedHashSet<>();
        byTask.values().forEach(w -> columns.addAll(w.keySet()));
        int first = Math.max(4, byTask.keySet().stream().mapToInt(String::length).max().orElse(4));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-" + first + "s", "task"));
        for (String column : columns) {
            out.append(String.format(Locale.ROOT, " %" + Math.max(6, column.length()) + "s", column));
        }
        out.append('\n');
        byTask.forEach((task, weights) -> {
            out.append(String.format(Locale.ROOT, "%-" + first + "s", task));
            for (String column : columns) {
                Double w = weights.get(column);
                out.append(String.format(Locale.ROOT, " %" + Math.max(6, column.length()) + "s",
                        w == null ? "-" : String.format(Locale.ROOT, "%.3f", w)));
            }
            out.append('\n');
        });
        return out.toString();
    }

    @Override
    public String toString() {
        return table();
    }

    /** The gated sum in front of a task's head: its own mix of the highest level, else the shared one (OMoE). */
    private static String mixOf(ComputationGraphConfiguration conf, String task) {
        String found = null;
        for (int level = 0; conf.getVertices().containsKey(VertexNames.mix(task, level)); level++) {
            found = VertexNames.mix(task, level);
        }
        if (found == null && conf.getVertices().containsKey(VertexNames.mix(null, 0))) {
            found = VertexNames.mix(null, 0);
        }
        return found;
    }

    /** {@code expert_2_1} (layer 1 of expert 2) to {@code expert_2}. */
    private static String expertName(String lastLayer) {
        int cut = lastLayer.lastIndexOf('_');
        return cut > 0 ? lastLayer.substring(0, cut) : lastLayer;
    }
}
