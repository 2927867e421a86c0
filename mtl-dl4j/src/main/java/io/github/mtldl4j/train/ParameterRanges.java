package io.github.mtldl4j.train;

import io.github.mtldl4j.model.GraphLayout;
import io.github.mtldl4j.model.VertexNames;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where each vertex's parameters sit in the graph's flattened parameter (and gradient) vector: DL4J lays them out
 * vertex by vertex in topological order. Gives the 0/1 mask of shared parameters and the range of the last shared
 * layer's weights.
 */
final class ParameterRanges {
    private final Map<String, long[]> ranges = new LinkedHashMap<>();
    private final long total;
    private final INDArray sharedMask;
    private final INDArray headMask;
    private final long[] lastSharedWeights;
    private final String lastSharedLayer;
    private final long[] sharedBlock;

    ParameterRanges(ComputationGraph graph, GraphLayout layout) {
        GraphVertex[] vertices = graph.getVertices();
        long offset = 0;
        for (int index : graph.topologicalSortOrder()) {
            GraphVertex vertex = vertices[index];
            long n = vertex.numParams();
            if (n > 0) {
                ranges.put(vertex.getVertexName(), new long[] {offset, offset + n});
            }
            offset += n;
        }
        total = offset;
        sharedMask = Nd4j.zeros(graph.params().dataType(), 1, Math.max(1, total));
        long[] last = null;
        String lastName = null;
        long[] block = null;
        boolean contiguous = true;
        for (Map.Entry<String, long[]> entry : ranges.entrySet()) {
            // Fused heads sit in the shared part of the layout, but each of their weights belongs to one task's head.
            boolean shared = layout.owners().containsKey(entry.getKey()) && layout.owners().get(entry.getKey()) == null
                    && !VertexNames.FUSED_HEADS.equals(entry.getKey());
            if (shared) {
                long[] r = entry.getValue();
                if (block == null) {
                    block = r.clone();
                } else if (block[1] == r[0]) {
                    block[1] = r[1];
                } else {
                    contiguous = false;
                }
                sharedMask.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(r[0], r[1])).assign(1);
                INDArray weights = graph.getLayer(entry.getKey()).getParam("W");
                if (weights != null) {
                    last = new long[] {r[0], r[0] + weights.length()};
                    lastName = entry.getKey();
                }
            }
        }
        lastSharedWeights = last;
        lastSharedLayer = lastName;
        sharedBlock = contiguous ? block : null;
        headMask = sharedMask.rsub(1.0);
    }

    /** Each vertex with parameters and its [start, end) in the flattened vector, in that vector's order. */
    Map<String, long[]> vertices() {
        return java.util.Collections.unmodifiableMap(ranges);
    }

    /** Number of parameters. */
    long total() {
        return total;
    }

    /** Whether any parameter is shared. */
    boolean hasShared() {
        return lastSharedWeights != null;
    }

    /** Row vector with 1 at shared parameters, 0 elsewhere. */
    INDArray sharedMask() {
        return sharedMask;
    }

    /** Row vector with 1 at task-owned parameters, 0 at shared ones (the complement of {@link #sharedMask()}). */
    INDArray headMask() {
        return headMask;
    }

    /**
     * [start, end) of the shared parameters when they form one contiguous block (hard sharing: the trunk comes first),
     * else null (then use {@link #sharedMask()}).
     */
    long[] sharedBlock() {
        return sharedBlock;
    }

    /** [start, end) of the last shared layer's weight matrix ("W"), or null without shared layers. */
    long[] lastSharedWeights() {
        return lastSharedWeights;
    }

    /** The vertex name of the layer {@link #lastSharedWeights()} belongs to, or null without shared layers. */
    String lastSharedLayer() {
        return lastSharedLayer;
    }
}
