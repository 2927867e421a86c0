package io.github.mtldl4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Parameter counts of a multi-task graph, split into the shared part and each task's own part
 * (its tower, head and output).
 *
 * @param shared parameters used by every task
 * @param perTask parameters owned by one task, by task name in task order
 */
public record ParameterCounts(long shared, Map<String, Long> perTask) {

    /** Copies the map, keeping task order. */
    public ParameterCounts {
        perTask = Collections.unmodifiableMap(new LinkedHashMap<>(perTask));
    }

    /** All parameters. */
    public long total() {
        return shared + perTask.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Counts the parameters of a running graph by the owners recorded in its layout. */
    public static ParameterCounts of(ComputationGraph graph, GraphLayout layout, List<String> taskNames) {
        long shared = 0;
        Map<String, Long> perTask = new LinkedHashMap<>();
        taskNames.forEach(t -> perTask.put(t, 0L));
        for (Map.Entry<String, String> vertex : layout.owners().entrySet()) {
            Layer layer = graph.getLayer(vertex.getKey());
            long n = layer == null ? 0 : layer.numParams();
            if (VertexNames.FUSED_HEADS.equals(vertex.getKey()) && vertex.getValue() == null) {
                fusedHeadCounts(graph, layer, taskNames).forEach((task, count) -> perTask.merge(task, count, Long::sum));
            } else if (vertex.getValue() == null) {
                shared += n;
            } else {
                perTask.merge(vertex.getValue(), n, Long::sum);
            }
        }
        return new ParameterCounts(shared, perTask);
    }

    /** Each task's block of the fused head layer: its slice's width times (inputs + bias). */
    private static Map<String, Long> fusedHeadCounts(ComputationGraph graph, Layer layer, List<String> taskNames) {
        DenseLayer conf = (DenseLayer) layer.conf().getLayer();
        long perUnit = conf.getNIn() + (conf.hasBias() ? 1 : 0);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String task : taskNames) {
            if (graph.getConfiguration().getVertices().get(VertexNames.head(task, 0)) instanceof SubsetVertex slice
                    && graph.getConfiguration().getVertexInputs().get(VertexNames.head(task, 0)).contains(VertexNames.FUSED_HEADS)) {
                counts.put(task, (slice.getTo() - slice.getFrom() + 1) * perUnit);
            }
        }
        return counts;
    }

    /** A side-by-side table of two graphs over the same tasks, e.g. hard sharing against independent towers. */
    public static String compare(String nameA, ParameterCounts a, String nameB, ParameterCounts b) {
        StringBuilder out = new StringBuilder();
        String row = "%-20s %14s %14s%n";
        out.append(String.format(Locale.ROOT, row, "parameters", nameA, nameB));
        out.append(String.format(Locale.ROOT, row, "shared", a.shared(), b.shared()));
        for (String task : a.perTask().keySet()) {
            out.append(String.format(Locale.ROOT, row, "task " + task, a.perTask().get(task), b.perTask().getOrDefault(task, 0L)));
        }
        out.append(String.format(Locale.ROOT, row, "total", a.total(), b.total()));
        out.append(String.format(Locale.ROOT, "%s uses %.2fx the parameters of %s%n", nameB, (double) b.total() / a.total(), nameA));
        return out.toString();
    }
}
