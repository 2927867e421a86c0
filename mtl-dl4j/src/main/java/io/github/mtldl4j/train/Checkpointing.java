package io.github.mtldl4j.train;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.weighting.LossWeighting;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of one {@link MultiTaskTrainer#fit} ({@link CheckpointDirectory}, {@link TrainingCheckpoint}):
 * reads the one a run resumes from into the model, puts back the rest of its state (loss weighting, shuffle
 * positions, ND4J's random generator; the history replays in {@link EpochLoop}), and writes a checkpoint after the
 * epochs the settings name. A gradient aggregator's state (GradVac's targets) is kept in the checkpoint's weighting
 * state under names starting with {@link #AGGREGATOR_PREFIX}.
 */
final class Checkpointing {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointing.class);

    /** Prefix of the aggregator's state entries in the checkpoint's weighting state. */
    static final String AGGREGATOR_PREFIX = "aggregator.";

    private final MultiTaskModel model;
    private final LossWeighting weighting;
    private final GradientAggregator aggregator;
    private final Map<String, Double> userWeights;
    private final Random random;
    private final MultiDataSetIterator train;
    private final MultiDataSetIterator valid;
    private final CheckpointDirectory out;
    private final int every;
    private final CheckpointDirectory resumedFrom;
    private final TrainingCheckpoint resumed;

    /**
     * The checkpoints of a run that has started its weighting (and aggregator); with {@code resumed}, puts the
     * checkpoint's weighting and aggregator state and shuffle positions back.
     *
     * @param aggregator the gradient aggregator, or null
     * @param out where to write checkpoints, or null for none
     * @param every write a regular checkpoint after every so many epochs (and after the last)
     * @param resumedFrom the directory {@code resumed} was read from ({@link #readInto}), or null when not resuming
     */
    Checkpointing(MultiTaskModel model, LossWeighting weighting, GradientAggregator aggregator, Map<String, Double> userWeights,
                  Random random,
                  MultiDataSetIterator train, MultiDataSetIterator valid, CheckpointDirectory out, int every,
                  CheckpointDirectory resumedFrom, TrainingCheckpoint resumed) {
        this.model = model;
        this.weighting = weighting;
        this.aggregator = aggregator;
        this.userWeights = userWeights;
        this.random = random;
        this.train = train;
        this.valid = valid;
        this.out = out;
        this.every = every;
        this.resumedFrom = resumedFrom;
        this.resumed = resumed;
        if (resumed != null) {
            if (!resumed.weighting().equals(weighting.name())) {
                throw new IllegalArgumentException("The checkpoint in " + resumedFrom.dir() + " was trained with weighting '"
                        + resumed.weighting() + "', this run uses '" + weighting.name() + "': resume with the same method.");
            }
            Map<String, double[]> own = new LinkedHashMap<>();
            Map<String, double[]> aggregatorState = new LinkedHashMap<>();
            resumed.weightingState().forEach((name, values) -> {
                if (name.startsWith(AGGREGATOR_PREFIX)) {
                    aggregatorState.put(name.substring(AGGREGATOR_PREFIX.length()), values);
                } else {
                    own.put(name, values);
                }
            });
            weighting.restoreState(own);
            if (aggregator != null) {
                aggregator.restoreState(aggregatorState);
            } else if (!aggregatorState.isEmpty()) {
                throw new IllegalArgumentException("The checkpoint in " + resumedFrom.dir() + " holds a gradient aggregator's"
                        + " state " + aggregatorState.keySet() + ", but this run uses none: resume with the same method.");
            }
            if (resumed.shuffleEpoch() != null && train instanceof InMemoryMultiDataSetIterator shuffled) {
                shuffled.continueFromShuffleEpoch(resumed.shuffleEpoch());
            }
            if (resumed.validShuffleEpoch() != null && valid instanceof InMemoryMultiDataSetIterator shuffled) {
                shuffled.continueFromShuffleEpoch(resumed.validShuffleEpoch());
            }
        }
    }

    /** Reads the newest valid checkpoint in {@code dir} and puts its parameters, optimizer state and counters into the model. */
    static TrainingCheckpoint readInto(MultiTaskModel model, CheckpointDirectory dir) {
        Map<String, byte[]> entries = dir.newestValid();
        TrainingCheckpoint checkpoint;
        MultiTaskModel saved;
        try {
            checkpoint = TrainingCheckpoint.of(entries, dir.dir().toString());
            saved = checkpoint.loadModel();
        } catch (IOException e) {
            throw new IllegalArgumentException("Checkpoint in " + dir.dir() + " could not be read: " + e.getMessage(), e);
        }
        ComputationGraph from = saved.graph();
        ComputationGraph to = model.graph();
        if (!saved.taskNames().equals(model.taskNames()) || !shapes(to).equals(shapes(from))) {
            throw new IllegalArgumentException("The checkpoint in " + dir.dir() + " is of another model (tasks "
                    + saved.taskNames() + ", " + from.numParams() + " parameters) than the one being trained (tasks "
                    + model.taskNames() + ", " + to.numParams() + " parameters): resume with the same settings.");
        }
        to.setParams(from.params());
        if (from.getUpdater() != null && from.getUpdater().getStateViewArray() != null) {
            to.getUpdater(true).getStateViewArray().assign(from.getUpdater().getStateViewArray());
        }
        to.getConfiguration().setIterationCount(from.getConfiguration().getIterationCount());
        to.getConfiguration().setEpochCount(from.getConfiguration().getEpochCount());
        saved.attachment("preprocessing.json").ifPresent(json -> model.attachment("preprocessing.json").ifPresent(own -> {
            if (!own.equals(json)) {
                throw new IllegalArgumentException("The checkpoint in " + dir.dir() + " was trained on other data or "
                        + "preprocessing than this run (the fitted preprocessing differs): resume with the same data and settings.");
            }
        }));
        return checkpoint;
    }

    private static Map<String, String> shapes(ComputationGraph graph) {
        Map<String, String> shapes = new TreeMap<>();
        graph.paramTable().forEach((name, array) -> shapes.put(name, Arrays.toString(array.shape())));
        return shapes;
    }

    /** The checkpoint the run resumes from, or null. */
    TrainingCheckpoint resumed() {
        return resumed;
    }

    /** Where the resumed checkpoint was read, for messages. */
    Path resumedFrom() {
        return resumedFrom.dir();
    }

    /**
     * Call last before the first epoch, after every clone and load (DL4J may reseed ND4J's generator when it
     * initializes a graph): puts back ND4J's random state of a resumed run and clears interrupted writes.
     */
    void beforeFirstEpoch() {
        if (resumed != null) {
            Nd4j.getRandom().setStates(resumed.nd4jRandomStates()[0], resumed.nd4jRandomStates()[1]);
            LOG.info("Resuming after epoch {} from {}", resumed.epoch(), resumedFrom.dir());
        }
        if (out != null) {
            out.removeInterruptedWrites();
        }
    }

    /**
     * Writes the checkpoint of an epoch when due ({@code last}, or every {@code every} epochs), and {@code best.zip}
     * when the epoch is the best so far.
     */
    void afterEpoch(int epoch, boolean last, boolean best, List<EpochReport> reports, TrainingState bestState) throws IOException {
        if (out == null) {
            return;
        }
        Map<String, byte[]> entries = null;
        if (epoch % every == 0 || last) {
            entries = checkpoint(epoch, reports, bestState).entries();
            out.write(epoch, entries);
        }
        if (best) {
            out.writeBest(entries != null ? entries : checkpoint(epoch, reports, bestState).entries());
        }
    }

    private TrainingCheckpoint checkpoint(int epoch, List<EpochReport> reports, TrainingState best) throws IOException {
        Map<String, Double> stepWeights = model.weights().asMap();
        byte[] modelBytes;
        try {
            model.weights().setAll(userWeights);
            modelBytes = TrainingCheckpoint.modelBytes(model);
        } finally {
            model.weights().setAll(stepWeights);
        }
        return new TrainingCheckpoint(epoch, modelBytes, userWeights, copyOf(random),
                new long[] {Nd4j.getRandom().rootState(), Nd4j.getRandom().nodeState()},
                train instanceof InMemoryMultiDataSetIterator shuffled ? shuffled.shuffleEpoch() : null,
                valid instanceof InMemoryMultiDataSetIterator shuffledValid ? shuffledValid.shuffleEpoch() : null,
                weighting.name(), savedState(), List.copyOf(reports), best);
    }

    /** The weighting's state and the aggregator's, the latter's names prefixed with {@link #AGGREGATOR_PREFIX}. */
    private Map<String, double[]> savedState() {
        Map<String, double[]> state = new LinkedHashMap<>(weighting.state());
        if (aggregator != null) {
            aggregator.state().forEach((name, values) -> state.put(AGGREGATOR_PREFIX + name, values));
        }
        return state;
    }

    private static Random copyOf(Random random) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(random);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Random) in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
