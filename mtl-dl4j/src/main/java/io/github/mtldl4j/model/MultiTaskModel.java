package io.github.mtldl4j.model;

import io.github.mtldl4j.data.LabelValidator;
import io.github.mtldl4j.task.Task;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncMultiDataSetIterator;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.exc.InvalidTypeIdException;

/**
 * A multi-task DL4J {@link ComputationGraph} together with its tasks: predictions, weights and losses are
 * addressed by task name, and {@link #save(Path)} keeps the task metadata inside the ModelSerializer zip.
 *
 * <p>Graph outputs are in task order. The graph itself is available ({@link #graph()}) for everything DL4J
 * offers (listeners, evaluation, early stopping).
 *
 * <p><b>Threads.</b> A {@code ComputationGraph} is not safe for concurrent use (its layers keep their inputs and
 * masks). {@link #predict} may be called from many threads at once: each call borrows a copy of the graph from a pool
 * (one copy per concurrent caller, made on demand) whose layers read the model's own parameter array, so the copies
 * cost only their layer state and always see the current parameters. Graphs of dense layers, subsets and mixtures of
 * experts (those the direct training step supports) are computed by a {@link DirectInference} forward pass, per copy,
 * with buffers kept per batch size: no DL4J workspace or graph bookkeeping per call; the results equal
 * {@code graph.output} up to rounding (the same products, summed in another order). The other methods that run the graph (fit,
 * losses) are synchronized. Predictions made while another thread trains see parameters in the middle of an update.
 */
public final class MultiTaskModel {
    private static final String ATTACHMENTS = "mtl-dl4j/attachments/";
    /** ModelSerializer's entry for the graph configuration (JSON), the only one that names classes. */
    private static final String DL4J_CONFIGURATION = "configuration.json";
    private final MultiTaskComputationGraph graph;
    private final List<Task> tasks;
    private final List<String> taskNames;
    private final GraphLayout layout;
    private final LabelValidator labelValidator;
    private final Map<String, String> attachments = new java.util.TreeMap<>();
    /**
     * System property that turns direct inference off when set to {@code false} (read when a model is made): every
     * {@link #predict} then runs {@code ComputationGraph.output}, e.g. to compare the two in a benchmark.
     */
    public static final String DIRECT_INFERENCE_PROPERTY = "mtldl4j.directInference";
    /** The direct forward pass, if one is on the class path ({@link DirectInference}). */
    private static final DirectInference DIRECT_INFERENCE = java.util.ServiceLoader
            .load(DirectInference.class, MultiTaskModel.class.getClassLoader()).findFirst().orElse(null);
    private final java.util.concurrent.ConcurrentLinkedDeque<Predictor> inferenceCopies = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final boolean directInference = DIRECT_INFERENCE != null
            && !"false".equalsIgnoreCase(System.getProperty(DIRECT_INFERENCE_PROPERTY));

    /**
     * One caller's inference: a copy of the graph, when the graph allows it its direct forward pass (else null), and the
     * address and length of the parameters the copy reads (the model's at the time it was made).
     */
    private record Predictor(ComputationGraph copy, DirectInference.Forward direct, long parameters, long length) {
    }

    /**
     * Wraps a graph built by {@code MultiTaskGraphBuilder} (or restored from its save).
     *
     * @param graph the initialized graph whose outputs are named after the tasks, in task order; a plain
     *     {@code ComputationGraph} is copied into a {@link MultiTaskComputationGraph} (same parameters and updater state)
     * @param tasks the tasks
     * @param layout which vertex belongs to which task
     */
    public MultiTaskModel(ComputationGraph graph, List<Task> tasks, GraphLayout layout) {
        this.graph = MultiTaskComputationGraph.of(graph);
        this.tasks = List.copyOf(tasks);
        this.taskNames = this.tasks.stream().map(Task::name).toList();
        this.layout = layout;
        this.labelValidator = new LabelValidator(this.tasks);
        List<String> outputs = graph.getConfiguration().getNetworkOutputs();
        if (!outputs.equals(taskNames)) {
            throw new IllegalArgumentException("Graph outputs " + outputs + " do not match the tasks " + taskNames
                    + ": each task's output vertex must carry its name, in task order.");
        }
        for (String task : taskNames) {
            TaskWeights.lossOf(graph, taskNames, task);
        }
    }

    /** The underlying graph: a plain DL4J graph that can also give one gradient per task from one forward pass. */
    public MultiTaskComputationGraph graph() {
        return graph;
    }

    /** The tasks as built (their {@code weight} is the weight at build or load time; see {@link #weights()}). */
    public List<Task> tasks() {
        return tasks;
    }

    /** Task names in output order. */
    public List<String> taskNames() {
        return taskNames;
    }

    /** The task called {@code name}. */
    public Task task(String name) {
        return tasks.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("Unknown task '" + name + "': this model's tasks are " + taskNames + "."));
    }

    /** Which vertex belongs to which task, the sharing mode and the cascades. */
    public GraphLayout layout() {
        return layout;
    }

    /**
     * Attaches a text document saved inside the model zip (e.g. the fitted preprocessing), replacing one of the same
     * name. Names: letters, digits, '.', '_', '-'.
     */
    public synchronized MultiTaskModel attach(String name, String text) {
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("Attachment name must be letters, digits, '.', '_' or '-', received '" + name + "'.");
        }
        attachments.put(name, java.util.Objects.requireNonNull(text, "text"));
        return this;
    }

    /** An attached document, if there is one of that name. */
    public synchronized java.util.Optional<String> attachment(String name) {
        return java.util.Optional.ofNullable(attachments.get(name));
    }

    /** The live loss weights, by task name. */
    public TaskWeights weights() {
        return new TaskWeights(graph, taskNames);
    }

    /** Shared and per-task parameter counts. */
    public ParameterCounts parameterCounts() {
        return ParameterCounts.of(graph, layout, taskNames);
    }

    /**
     * One training step on one minibatch (labels in task order; label masks mark missing labels). The labels are checked
     * first ({@link LabelValidator}: finite, and 0/1, one-hot or multi-hot as the task type says unless the task has
     * {@link Task#withSoftLabels() soft labels}). Missing labels count as in {@code MultiTaskTrainer}: each task's loss
     * is a mean over its labelled rows (not over the whole batch as in plain DL4J), and a batch in which no task has a
     * label trains nothing ({@link io.github.mtldl4j.data.LabelCoverage}).
     *
     * @throws io.github.mtldl4j.data.InvalidLabelsException for labels that do not fit their task (nothing is trained)
     */
    public synchronized void fit(MultiDataSet batch) {
        labelValidator.check(batch);
        LabelledRowsMean mean = new LabelledRowsMean(weights(), taskNames);
        if (!mean.scaleFor(batch)) {
            return;
        }
        try {
            graph.fit(batch);
        } finally {
            mean.restore();
        }
    }

    /**
     * One epoch over an iterator, each batch's labels checked before the step on it and missing labels counted as
     * {@link #fit(MultiDataSet)} does. An iterator that supports asynchronous prefetch is prefetched as DL4J's
     * {@code fit} would.
     *
     * @throws io.github.mtldl4j.data.InvalidLabelsException for a batch whose labels do not fit their task (the batches
     *     before it have been trained on)
     */
    public synchronized void fit(MultiDataSetIterator data) {
        // DL4J prefetches on a thread of its own, where a refusal would not reach the caller: prefetch here, check on this thread.
        MultiDataSetIterator source = data.asyncSupported()
                ? new AsyncMultiDataSetIterator(data, Math.max(Nd4j.getAffinityManager().getNumberOfDevices() * 2, 2), true) : data;
        LabelledRowsMean mean = new LabelledRowsMean(weights(), taskNames);
        try {
            graph.fit(mean.scaling(labelValidator.checking(source, "this epoch")));
        } finally {
            mean.restore();
            if (source instanceof AsyncMultiDataSetIterator async) {
                async.shutdown();
            }
        }
    }

    /**
     * Per-task losses of the last pass that computed a score (a {@link #fit} step or {@link #losses}).
     * Read them before changing weights: the unweighted loss is the weighted one divided by the current weight.
     */
    public synchronized TaskLosses lastLosses() {
        double regularization = graph.calcRegularizationScore(true);
        Map<String, Double> weighted = new LinkedHashMap<>();
        Map<String, Double> unweighted = new LinkedHashMap<>();
        for (int i = 0; i < taskNames.size(); i++) {
            String task = taskNames.get(i);
            double score = graph.getOutputLayer(i).score() - (i == 0 ? regularization : 0.0);
            double weight = TaskWeights.lossOf(graph, taskNames, task).getWeight();
            weighted.put(task, score);
            unweighted.put(task, weight > 0 ? score / weight : Double.NaN);
        }
        return new TaskLosses(weighted, unweighted, regularization);
    }

    /** Per-task losses on {@code data} in inference mode (no dropout, no parameter change). */
    public synchronized TaskLosses losses(MultiDataSet data) {
        graph.score(data, false);
        graph.clearLayerMaskArrays();
        return lastLosses();
    }

    /**
     * Predictions for a feature matrix, by task name in task order: activated outputs (probabilities for
     * classification, values for regression).
     *
     * @param features {@code [examples, inputWidth]}
     */
    public Map<String, INDArray> predict(INDArray features) {
        if (features.rank() != 2 || features.columns() != layout.inputWidth()) {
            throw new IllegalArgumentException("Features must be a matrix [examples, " + layout.inputWidth() + "], received shape "
                    + java.util.Arrays.toString(features.shape()) + ": the model was built for " + layout.inputWidth() + " input columns.");
        }
        Predictor predictor = borrowInferenceCopy();
        try {
            INDArray[] outputs = predictor.direct() != null && features.rows() > 0
                    ? predictor.direct().output(features) : predictor.copy().output(false, features);
            Map<String, INDArray> byTask = new LinkedHashMap<>();
            for (int i = 0; i < taskNames.size(); i++) {
                byTask.put(taskNames.get(i), outputs[i]);
            }
            return byTask;
        } finally {
            inferenceCopies.push(predictor);
        }
    }

    /**
     * Whether {@code predictor}'s parameters are {@code graph}'s (not a copy of them): the same memory. Not {@code ==}:
     * {@code ComputationGraph.params()} returns a new view on each call (some microseconds each), so such a test fails
     * always and made every predict build a new graph; the predictor's side is recorded when it is made.
     */
    private static boolean readsParametersOf(Predictor predictor, ComputationGraph graph) {
        INDArray theirs = graph.params();
        return predictor.parameters() == theirs.data().address() && predictor.length() == theirs.length();
    }

    /** Number of pooled predictors (one per concurrent caller so far, reused; tests). */
    int pooledPredictors() {
        return inferenceCopies.size();
    }

    /** Whether {@link #predict} takes the direct forward pass for this model (tests). */
    boolean predictsDirectly() {
        Predictor predictor = borrowInferenceCopy();
        inferenceCopies.push(predictor);
        return predictor.direct() != null;
    }

    /**
     * A graph for one caller's inference: same configuration, layers reading this model's parameter array (not a copy
     * of it), own layer state, and its direct forward pass with buffers of its own when the graph allows one. Copies are
     * kept for reuse; one is made when all are in use.
     */
    private Predictor borrowInferenceCopy() {
        Predictor predictor = inferenceCopies.poll();
        if (predictor != null && readsParametersOf(predictor, graph)) {
            return predictor;
        }
        synchronized (this) {
            // The configuration's clone shares nothing mutable with the training graph; the parameters are the same view.
            ComputationGraph fresh = new ComputationGraph(graph.getConfiguration().clone());
            fresh.init(graph.params(), false);
            DirectInference.Forward direct = directInference ? DIRECT_INFERENCE.compile(fresh).orElse(null) : null;
            INDArray parameters = fresh.params();
            return new Predictor(fresh, direct, parameters.data().address(), parameters.length());
        }
    }

    /**
     * Saves graph, updater state and task metadata to one zip. The write is atomic: the zip is written to a
     * temporary file beside {@code path}, flushed to disk and renamed over {@code path}, so a crash never leaves a
     * broken model where a good one was.
     */
    public synchronized void save(Path path) throws IOException {
        AtomicFile.write(path, tmp -> {
            // DL4J writes its entries to a file of its own; they are copied with ours into the one zip.
            Path dl4jPart = Files.createTempFile(tmp.getParent(), tmp.getFileName().toString(), ".dl4j");
            try {
                ModelSerializer.writeModel(graph, dl4jPart.toFile(), true);
                try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp));
                     ZipInputStream entries = new ZipInputStream(Files.newInputStream(dl4jPart))) {
                    for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
                        zip.putNextEntry(new ZipEntry(entry.getName()));
                        entries.transferTo(zip);
                        zip.closeEntry();
                    }
                    zip.putNextEntry(new ZipEntry(ModelMetadata.ENTRY));
                    zip.write(ModelMetadata.write(tasks(), layout).getBytes(StandardCharsets.UTF_8));
                    zip.closeEntry();
                    for (Map.Entry<String, String> attachment : attachments.entrySet()) {
                        zip.putNextEntry(new ZipEntry(ATTACHMENTS + attachment.getKey()));
                        zip.write(attachment.getValue().getBytes(StandardCharsets.UTF_8));
                        zip.closeEntry();
                    }
                }
            } finally {
                Files.deleteIfExists(dl4jPart);
            }
        });
    }

    /**
     * Loads a model saved by {@link #save(Path)}, with its updater state. Models saved by older versions load too: their
     * metadata is migrated ({@code ModelMetadata}) and classes that moved since are found under their new names
     * ({@link LegacyClassNames}); see docs/model-compatibility.md.
     *
     * @throws IOException if the file is missing or unreadable, not a zip, or has no mtl-dl4j metadata
     */
    public static MultiTaskModel load(Path path) throws IOException {
        return load(path, LegacyClassNames.TABLE);
    }

    /** {@link #load(Path)} with another table of moved class names (tests). */
    static MultiTaskModel load(Path path, Map<String, String> movedClasses) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": no such model file" + (Files.isDirectory(path) ? " (it is a directory)" : "")
                    + "; expected a model.zip written by MultiTaskModel.save.");
        }
        String json;
        String configuration = null;
        Map<String, String> attached = new java.util.TreeMap<>();
        try (ZipFile zip = new ZipFile(path.toFile())) {
            for (var entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                if (entry.getName().startsWith(ATTACHMENTS)) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        attached.put(entry.getName().substring(ATTACHMENTS.length()), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                } else if (entry.getName().equals(DL4J_CONFIGURATION)) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        configuration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            }
            ZipEntry entry = zip.getEntry(ModelMetadata.ENTRY);
            if (entry == null) {
                throw new IOException(path + ": a zip without " + ModelMetadata.ENTRY + ", so not a model saved by mtl-dl4j "
                        + "(a plain DL4J model loads with ModelSerializer.restoreComputationGraph).");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (ZipException e) {
            throw new IOException(path + ": not a model file (not a zip archive); expected a model.zip written by MultiTaskModel.save.", e);
        }
        ModelMetadata.Parsed metadata = ModelMetadata.read(json, path.toString());
        ComputationGraph graph;
        try {
            String current = configuration == null ? null : LegacyClassNames.rewrite(configuration, movedClasses);
            graph = MultiTaskComputationGraph.of(current == configuration
                    ? ModelSerializer.restoreComputationGraph(path.toString(), true)
                    : ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(withConfiguration(path, current)), true));
        } catch (RuntimeException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof InvalidTypeIdException unknown) {
                    throw new IOException(path + ": the model's configuration names class " + unknown.getTypeId() + ", which this "
                            + "mtl-dl4j " + ModelMetadata.LIBRARY_VERSION + " does not have (saved by another version, or with a "
                            + "custom class missing from the classpath). If the class moved, map its old name in LegacyClassNames.", e);
                }
            }
            throw new IOException(path + ": the DL4J part of the model could not be read (" + e.getMessage() + ").", e);
        }
        List<String> names = metadata.tasks().stream().map(ModelMetadata.StoredTask::name).toList();
        List<Task> tasks = new ArrayList<>();
        for (ModelMetadata.StoredTask stored : metadata.tasks()) {
            var loss = TaskWeights.lossOf(graph, names, stored.name());
            tasks.add(new Task(stored.name(), stored.type(), stored.width(), loss.getInner(), stored.activation(),
                    loss.getWeight(), stored.headWidths(), stored.softLabels()));
        }
        MultiTaskModel model = new MultiTaskModel(graph, tasks, metadata.layout());
        attached.forEach(model::attach);
        return model;
    }

    /**
     * The zip's bytes with its DL4J configuration replaced, written in one pass: ModelSerializer cannot read a zip
     * rewritten in place through Java's zip file system (docs/dl4j-notes.md).
     */
    private static byte[] withConfiguration(Path path, String configuration) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes);
             ZipInputStream in = new ZipInputStream(Files.newInputStream(path))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                if (entry.getName().equals(DL4J_CONFIGURATION)) {
                    out.write(configuration.getBytes(StandardCharsets.UTF_8));
                } else {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
