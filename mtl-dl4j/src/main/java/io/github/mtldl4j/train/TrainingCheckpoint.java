package io.github.mtldl4j.train;

import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.model.MultiTaskModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Everything a resumed run needs to continue exactly where a run stopped: the model (parameters, optimizer state,
 * iteration and epoch counters), the trainer's random generator, ND4J's random generator (dropout), the shuffle
 * positions of the training and validation iterators (when they are {@code InMemoryMultiDataSetIterator}s), the loss weighting's state, the history and the best epoch's training state so far
 * (parameters, optimizer state, counters; see {@link KeptParameters}).
 */
record TrainingCheckpoint(int epoch, byte[] model, Map<String, Double> userWeights, Random random, long[] nd4jRandomStates,
                          Integer shuffleEpoch, Integer validShuffleEpoch, String weighting, Map<String, double[]> weightingState, List<EpochReport> history,
                          TrainingState best) {
    static final int FORMAT = 1;
    private static final String MODEL = "model.zip";
    private static final String TRAINER = "trainer.json";
    private static final String BEST_PARAMETERS = "best-parameters.bin";
    /** The best epoch's optimizer state; absent in checkpoints written before it was kept (then only parameters). */
    private static final String BEST_OPTIMIZER = "best-optimizer.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The model's bytes as {@link MultiTaskModel#save} writes them. */
    static byte[] modelBytes(MultiTaskModel model) throws IOException {
        Path tmp = Files.createTempFile("mtl-checkpoint-model", ".zip");
        try {
            model.save(tmp);
            return Files.readAllBytes(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The model stored in this checkpoint. */
    MultiTaskModel loadModel() throws IOException {
        Path tmp = Files.createTempFile("mtl-checkpoint-model", ".zip");
        try {
            Files.write(tmp, model);
            return MultiTaskModel.load(tmp);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The zip entries of this checkpoint. */
    Map<String, byte[]> entries() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("epoch", epoch);
        ObjectNode weights = root.putObject("user_weights");
        userWeights.forEach((task, w) -> weights.put(task, exact(w)));
        root.put("random", Base64.getEncoder().encodeToString(serialize(random)));
        root.putArray("nd4j_random_states").add(nd4jRandomStates[0]).add(nd4jRandomStates[1]);
        if (shuffleEpoch != null) {
            root.put("shuffle_epoch", shuffleEpoch);
        }
        if (validShuffleEpoch != null) {
            root.put("valid_shuffle_epoch", validShuffleEpoch);
        }
        root.put("weighting", weighting);
        ObjectNode state = root.putObject("weighting_state");
        weightingState.forEach((name, values) -> {
            ArrayNode array = state.putArray(name);
            for (double v : values) {
                array.add(exact(v));
            }
        });
        ArrayNode epochs = root.putArray("history");
        for (EpochReport report : history) {
            epochs.add(toJson(report));
        }
        if (best != null) {
            root.put("best_iterations", best.iterations());
            root.put("best_epochs", best.epochs());
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(MODEL, model);
        entries.put(TRAINER, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        if (best != null) {
            entries.put(BEST_PARAMETERS, bytes(best.parameters()));
            if (best.optimizer() != null) {
                entries.put(BEST_OPTIMIZER, bytes(best.optimizer()));
            }
        }
        return entries;
    }

    /** Parses verified entries; {@code source} names the file in messages. */
    static TrainingCheckpoint of(Map<String, byte[]> entries, String source) throws IOException {
        byte[] model = entries.get(MODEL);
        byte[] trainer = entries.get(TRAINER);
        if (model == null || trainer == null) {
            throw new IOException(source + ": a checkpoint needs entries " + MODEL + " and " + TRAINER + ", found " + entries.keySet());
        }
        JsonNode root = JSON.readTree(new String(trainer, StandardCharsets.UTF_8));
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) {
            throw new IOException(source + ": checkpoint format " + format + " is not supported; this version reads format " + FORMAT + ".");
        }
        Map<String, Double> userWeights = new LinkedHashMap<>();
        root.get("user_weights").fields().forEachRemaining(e -> userWeights.put(e.getKey(), number(e.getValue())));
        Random random = (Random) deserialize(Base64.getDecoder().decode(root.get("random").asText()));
        long[] nd4j = {root.get("nd4j_random_states").get(0).asLong(), root.get("nd4j_random_states").get(1).asLong()};
        Integer shuffleEpoch = root.has("shuffle_epoch") ? root.get("shuffle_epoch").asInt() : null;
        Integer validShuffleEpoch = root.has("valid_shuffle_epoch") ? root.get("valid_shuffle_epoch").asInt() : null;
        Map<String, double[]> state = new LinkedHashMap<>();
        root.get("weighting_state").fields().forEachRemaining(e -> {
            double[] values = new double[e.getValue().size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = number(e.getValue().get(i));
            }
            state.put(e.getKey(), values);
        });
        List<EpochReport> history = new ArrayList<>();
        for (JsonNode report : root.get("history")) {
            history.add(fromJson(report));
        }
        TrainingState best = null;
        if (entries.containsKey(BEST_PARAMETERS)) {
            INDArray optimizer = entries.containsKey(BEST_OPTIMIZER) ? array(entries.get(BEST_OPTIMIZER)) : null;
            best = TrainingState.of(array(entries.get(BEST_PARAMETERS)), optimizer, root.path("best_iterations").asInt(-1),
                    root.path("best_epochs").asInt(-1));
        }
        return new TrainingCheckpoint(root.get("epoch").asInt(), model, userWeights, random, nd4j, shuffleEpoch, validShuffleEpoch,
                root.get("weighting").asText(), state, history, best);
    }

    private static byte[] bytes(INDArray array) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Nd4j.write(array, out);
        }
        return bytes.toByteArray();
    }

    private static INDArray array(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return Nd4j.read(in);
        }
    }

    private static ObjectNode toJson(EpochReport report) {
        ObjectNode r = JSON.createObjectNode();
        r.put("epoch", report.epoch());
        r.put("criterion", exact(report.criterion()));
        r.put("seconds", exact(report.seconds()));
        r.put("best", report.best());
        ObjectNode tasks = r.putObject("tasks");
        report.tasks().forEach((task, stats) -> {
            ObjectNode t = tasks.putObject(task);
            t.put("train_loss", exact(stats.trainLoss()));
            t.put("valid_loss", exact(stats.validLoss()));
            t.put("weight", exact(stats.weight()));
            ObjectNode metrics = t.putObject("metrics");
            stats.metrics().forEach((m, v) -> metrics.put(m, exact(v)));
        });
        if (report.gates() != null) {
            ObjectNode gates = r.putObject("gates");
            report.gates().byTask().forEach((task, experts) -> {
                ObjectNode g = gates.putObject(task);
                experts.forEach((x, v) -> g.put(x, exact(v)));
            });
        }
        return r;
    }

    private static EpochReport fromJson(JsonNode r) {
        Map<String, TaskEpochStats> tasks = new LinkedHashMap<>();
        r.get("tasks").fields().forEachRemaining(e -> {
            JsonNode t = e.getValue();
            Map<String, Double> metrics = new LinkedHashMap<>();
            t.get("metrics").fields().forEachRemaining(m -> metrics.put(m.getKey(), number(m.getValue())));
            tasks.put(e.getKey(), new TaskEpochStats(number(t.get("train_loss")), number(t.get("valid_loss")),
                    number(t.get("weight")), metrics));
        });
        GateUtilization gates = null;
        if (r.has("gates")) {
            Map<String, Map<String, Double>> byTask = new LinkedHashMap<>();
            r.get("gates").fields().forEachRemaining(e -> {
                Map<String, Double> experts = new LinkedHashMap<>();
                e.getValue().fields().forEachRemaining(x -> experts.put(x.getKey(), number(x.getValue())));
                byTask.put(e.getKey(), experts);
            });
            gates = new GateUtilization(byTask);
        }
        return new EpochReport(r.get("epoch").asInt(), tasks, number(r.get("criterion")), number(r.get("seconds")),
                r.get("best").asBoolean(), gates);
    }

    /**
     * A double as Java's shortest exact decimal text, which {@link Double#parseDouble} reads back bit for bit (Jackson's
     * number path was seen to lose the last bit).
     */
    private static String exact(double value) {
        return Double.toString(value);
    }

    /** A double written by Jackson: a number, or "NaN"/"Infinity" as text. */
    private static double number(JsonNode node) {
        return node.isTextual() ? Double.parseDouble(node.asText()) : node.asDouble();
    }

    private static byte[] serialize(Object object) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        return bytes.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            // Only the generator's own class: a checkpoint from elsewhere cannot make this instantiate anything else.
            in.setObjectInputFilter(java.io.ObjectInputFilter.Config.createFilter("java.util.Random;!*"));
            return in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("checkpoint random generator could not be read", e);
        }
    }
}
