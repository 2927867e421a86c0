package io.github.mtldl4j.model;

import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The task metadata stored inside a model zip beside DL4J's own entries: tasks (name, type, width,
 * activation, head widths, soft labels) and the graph layout. Losses and weights are not repeated here: they live in
 * the graph configuration, which is the single source of truth for them.
 */
final class ModelMetadata {
    /** Zip entry holding the metadata. */
    static final String ENTRY = "mtl-dl4j/model.json";
    /**
     * Version of the metadata format this version writes; bump it when the metadata changes in a way an older reader
     * would misread, and add the step from the previous format to {@link #migrate}. History:
     * <ul>
     * <li>1 (mtl-dl4j 0.1.0): the first format; {@code soft_labels} was added without a bump (absent means false).</li>
     * </ul>
     */
    static final int FORMAT = 1;
    /** The oldest format this version reads: formats from it up to {@link #FORMAT} are migrated on load. */
    static final int OLDEST_READABLE_FORMAT = 1;
    /** Version of mtl-dl4j recorded in saved models, for messages about models from other versions. */
    static final String LIBRARY_VERSION = "0.1.0";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelMetadata() {
    }

    /** A task as stored: the loss and weight are supplied from the graph on load. */
    record StoredTask(String name, TaskType type, int width, Activation activation, List<Integer> headWidths, boolean softLabels) {
        static StoredTask of(Task task) {
            return new StoredTask(task.name(), task.type(), task.width(), task.activation(), task.headWidths(), task.softLabels());
        }
    }

    static String write(List<Task> tasks, GraphLayout layout) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("library", "mtl-dl4j");
        root.put("library_version", LIBRARY_VERSION);
        ArrayNode taskArray = root.putArray("tasks");
        for (Task task : tasks) {
            ObjectNode t = taskArray.addObject();
            t.put("name", task.name());
            t.put("type", task.type().name());
            t.put("width", task.width());
            t.put("activation", task.activation().name());
            ArrayNode head = t.putArray("head_widths");
            task.headWidths().forEach(head::add);
            t.put("soft_labels", task.softLabels());
        }
        ObjectNode l = root.putObject("layout");
        l.put("sharing", layout.sharing());
        l.put("input_width", layout.inputWidth());
        ObjectNode owners = l.putObject("owners");
        layout.owners().forEach((vertex, owner) -> {
            if (owner == null) {
                owners.putNull(vertex);
            } else {
                owners.put(vertex, owner);
            }
        });
        ObjectNode cascades = l.putObject("cascades");
        layout.cascades().forEach((target, sources) -> {
            ArrayNode s = cascades.putArray(target);
            sources.forEach(s::add);
        });
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("Could not write model metadata", e);
        }
    }

    record Parsed(List<StoredTask> tasks, GraphLayout layout) {
    }

    /**
     * Metadata of format {@code format} brought to {@link #FORMAT}, one format at a time. No steps yet: format 1 is the
     * only one. A new format adds {@code case N -> ...} turning format N's tree into format N + 1's (rename a field,
     * fill a new one with what older versions implied), so old models keep loading instead of being refused.
     */
    static JsonNode migrate(JsonNode root, int format) {
        JsonNode migrated = root;
        for (int from = format; from < FORMAT; from++) {
            switch (from) {
                default -> throw new IllegalStateException("No migration from model metadata format " + from + " to " + (from + 1)
                        + "; add one to ModelMetadata.migrate.");
            }
        }
        return migrated;
    }

    /** Parses metadata; {@code source} names the file in error messages. */
    static Parsed read(String json, String source) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException(source + ": entry " + ENTRY + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        int format = root.path("format").asInt(-1);
        String savedBy = root.path("library_version").asText("");
        String saved = " (saved by mtl-dl4j " + (savedBy.isEmpty() ? "of unknown version" : savedBy) + ")";
        if (format > FORMAT) {
            throw new IOException(source + ": model metadata format " + format + saved + " is not supported by this mtl-dl4j "
                    + LIBRARY_VERSION + ", which reads formats up to " + FORMAT + ": the model was saved by a newer mtl-dl4j; upgrade"
                    + (savedBy.isEmpty() ? "" : " to " + savedBy + " or later") + " to load it.");
        }
        if (format < OLDEST_READABLE_FORMAT) {
            throw new IOException(source + ": model metadata format " + format + saved + " is not supported; this mtl-dl4j "
                    + LIBRARY_VERSION + " reads formats " + OLDEST_READABLE_FORMAT + " to " + FORMAT
                    + ". Load it with the mtl-dl4j version that saved it, or retrain.");
        }
        try {
            root = migrate(root, format);
            List<StoredTask> tasks = new ArrayList<>();
            for (JsonNode t : root.withArray("tasks")) {
                List<Integer> head = new ArrayList<>();
                t.withArray("head_widths").forEach(w -> head.add(w.asInt()));
                // Models saved before soft labels existed have no "soft_labels": their tasks have hard labels.
                tasks.add(new StoredTask(t.get("name").asText(), TaskType.valueOf(t.get("type").asText()), t.get("width").asInt(),
                        Activation.valueOf(t.get("activation").asText()), head, t.path("soft_labels").asBoolean(false)));
            }
            JsonNode l = root.get("layout");
            Map<String, String> owners = new LinkedHashMap<>();
            l.get("owners").fields().forEachRemaining(e -> owners.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
            Map<String, List<String>> cascades = new LinkedHashMap<>();
            l.get("cascades").fields().forEachRemaining(e -> {
                List<String> sources = new ArrayList<>();
                e.getValue().forEach(s -> sources.add(s.asText()));
                cascades.put(e.getKey(), sources);
            });
            return new Parsed(tasks, new GraphLayout(l.get("sharing").asText(), l.get("input_width").asInt(), owners, cascades));
        } catch (RuntimeException e) {
            throw new IOException(source + ": model metadata in " + ENTRY + " is incomplete or malformed (" + e + ")", e);
        }
    }
}
