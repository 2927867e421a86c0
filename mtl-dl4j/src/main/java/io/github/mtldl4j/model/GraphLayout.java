package io.github.mtldl4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which part of a built graph belongs to which task: the sharing mode, the owner of every vertex
 * ({@code null} for the shared part) and the cascade edges. Stored with saved models.
 *
 * @param sharing the sharing mode's name, e.g. {@code hard}
 * @param inputWidth the number of features per example
 * @param owners vertex name to owning task name, {@code null} values for shared vertices, in wiring order (also for
 *               {@link VertexNames#FUSED_HEADS}, whose weights are per-task blocks: parameter counts and aggregators
 *               give each task its block)
 * @param cascades task name to the tasks whose outputs its head reads, only for cascaded tasks
 */
public record GraphLayout(String sharing, int inputWidth, Map<String, String> owners, Map<String, List<String>> cascades) {

    /** Copies the maps (keeping their order and {@code null} owners). */
    public GraphLayout {
        owners = Collections.unmodifiableMap(new LinkedHashMap<>(owners));
        Map<String, List<String>> copy = new LinkedHashMap<>();
        cascades.forEach((target, sources) -> copy.put(target, List.copyOf(sources)));
        cascades = Collections.unmodifiableMap(copy);
    }

    /** The tasks whose outputs feed the head of {@code task} (empty if it is not cascaded). */
    public List<String> cascadeSources(String task) {
        return cascades.getOrDefault(task, List.of());
    }

    /** Whether some task's head reads the output of {@code task}. */
    public boolean isCascadeSource(String task) {
        return cascades.values().stream().anyMatch(sources -> sources.contains(task));
    }
}
