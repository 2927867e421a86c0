package io.github.mtldl4j.affinity;

import java.io.IOException;
import java.util.List;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The {@code affinity.json} of docs/design.md: {@code {"tasks": [...], "gradient_cosine": [[...]], "lookahead": [[...]],
 * "groups": [[...], ...]}}, row i, column j = effect of task i on task j; exactly these keys (the measuring overhead
 * is printed and in the report). Undefined values (NaN) are written as {@code null}.
 */
public final class AffinityJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AffinityJson() {
    }

    /**
     * @param affinity the matrices
     * @param groups the chosen partition, task names per group
     * @return pretty-printed JSON with a final newline
     */
    public static String write(TaskAffinity affinity, List<List<String>> groups) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode tasks = root.putArray("tasks");
        affinity.tasks().forEach(tasks::add);
        matrix(root.putArray("gradient_cosine"), affinity.gradientCosine());
        matrix(root.putArray("lookahead"), affinity.lookahead());
        ArrayNode groupArray = root.putArray("groups");
        for (List<String> group : groups) {
            ArrayNode g = groupArray.addArray();
            group.forEach(g::add);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("could not write affinity JSON", e);
        }
    }

    private static void matrix(ArrayNode node, double[][] values) {
        for (double[] row : values) {
            ArrayNode r = node.addArray();
            for (double v : row) {
                if (Double.isFinite(v)) {
                    r.add(v);
                } else {
                    r.addNull();
                }
            }
        }
    }
}
