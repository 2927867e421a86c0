package io.github.mtldl4j.train;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidLabelsException;
import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.data.LabelValidator;
import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.WeightingContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.BiFunction;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Trains a {@link MultiTaskModel} epoch by epoch with a loss weighting and, optionally, a gradient aggregator;
 * reports per-task losses, weights and metrics per epoch; stops early on a criterion; keeps the best epoch's parameters
 * or the last epoch's ({@link Builder#keep}).
 *
 * <pre>{@code
 * TrainingHistory history = MultiTaskTrainer.builder(model)
 *     .epochs(50).weighting(new DynamicWeightAverage()).earlyStopping(5)
 *     .listener(report -> System.out.println(report))
 *     .build()
 *     .fit(train, valid);
 * }</pre>
 *
 * <p><b>Missing labels.</b> Label masks (per output, {@code [N,1]}) mark rows without a task's label. Each task's
 * loss is a mean over its labelled rows, not over the whole batch as in plain DL4J, so a task's weight does not
 * shrink with its label coverage; a task with no label in a batch sits that batch out.
 *
 * <p><b>Steps.</b> One optimizer step per minibatch ({@code MinibatchEpoch}) inside the {@link EpochLoop} that the
 * data-parallel trainer shares. With a loss weighting alone a step is one plain {@code fit} of the graph with the
 * step's weights. With a gradient aggregator (or GradNorm, which needs gradient norms) the {@code TaskGradientEngine}
 * computes each task's gradient (one forward, K backward passes) and combines them; the result goes through the
 * graph's own updater, so optimizer state is shared with plain {@code fit}.
 *
 * <p><b>Kept parameters.</b> When training ends the model holds the training state (parameters, optimizer state,
 * counters) of the epoch {@link Builder#keep} names: by default the best epoch by the criterion when there is
 * validation data or early stopping, else the last epoch. {@link TrainingHistory#keptEpoch()} says which.
 *
 * <p>The model's task weights are restored to their values at the start of training when training ends; the weights a
 * dynamic method used are in the history.
 *
 * <p><b>Reliability.</b> {@link Builder#checkpoints} writes checksummed checkpoints atomically, and
 * {@link Builder#resumeFrom} continues from the newest valid one exactly as the interrupted run would have gone on
 * (optimizer state, counters, random generators, loss-weighting state, history, early-stopping state). A NaN or
 * infinite task loss throws {@link TrainingDivergedException} naming task and epoch, after putting back the
 * parameters and optimizer state of the last complete epoch. {@link Builder#clipGradientNorm} clips gradients.
 *
 * <p><b>Labels.</b> Each batch of the first pass over the training iterator is checked ({@link LabelValidator}) before
 * the step on it; a batch with labels that do not fit their task throws {@link InvalidLabelsException} naming task,
 * batch and row, after putting back the parameters and optimizer state the model had when {@code fit} was called.
 */
public final class MultiTaskTrainer {
    // Read by MinibatchEpoch, the per-minibatch step of the shared EpochLoop.
    final MultiTaskModel model;
    final LossWeighting weighting;
    final GradientAggregator aggregator;
    final List<StepListener> stepListeners;
    final boolean metrics;
    final BiFunction<String, INDArray, INDArray> metricUnits;
    final boolean gateUtilization;
    final int affinityEvery;
    final boolean representationShortcut;
    final boolean directSteps;
    private final long seed;
    private final CheckpointDirectory checkpoints;
    private final int checkpointEvery;
    private final CheckpointDirectory resumeFrom;
    private final Double clipNorm;
    private final EpochLoop loop;

    private MultiTaskTrainer(Builder b) {
        this.model = b.model();
        this.weighting = b.weighting;
        this.aggregator = b.aggregator;
        this.stepListeners = List.copyOf(b.stepListeners);
        this.metrics = b.metrics;
        this.metricUnits = b.metricUnits();
        this.gateUtilization = b.gateUtilization;
        this.affinityEvery = b.affinityEvery;
        this.representationShortcut = b.representationShortcut;
        this.directSteps = b.directSteps;
        this.seed = b.seed;
        this.checkpoints = b.checkpointDir == null ? null : new CheckpointDirectory(b.checkpointDir);
        this.checkpointEvery = b.checkpointEvery;
        this.resumeFrom = b.resumeDir == null ? null : new CheckpointDirectory(b.resumeDir);
        this.clipNorm = b.clipNorm;
        this.loop = b.loop(b.criterion, metrics ? task -> TaskEvaluator.mainMetric(model.task(task).type()) : task -> null);
    }

    /** A trainer for {@code model}. */
    public static Builder builder(MultiTaskModel model) {
        return new Builder(model);
    }

    /** Settings of a training run; those of the epoch loop (epochs, early stopping, kept epoch, listeners) are in {@link EpochLoop.Settings}. */
    public static final class Builder extends EpochLoop.Settings<Builder> {
        private LossWeighting weighting = new FixedWeighting();
        private GradientAggregator aggregator;
        private StoppingCriterion criterion = StoppingCriterion.meanRelativeLoss();
        private final List<StepListener> stepListeners = new ArrayList<>();
        private long seed = 42;
        private boolean metrics = true;
        private boolean gateUtilization;
        private Path checkpointDir;
        private int checkpointEvery;
        private Path resumeDir;
        private Double clipNorm;
        private int affinityEvery;
        private boolean representationShortcut = true;
        private boolean directSteps = true;

        private Builder(MultiTaskModel model) {
            super(model);
        }

        /** How task weights are set (default: fixed, the model's weights). */
        public Builder weighting(LossWeighting newWeighting) {
            this.weighting = Objects.requireNonNull(newWeighting, "weighting");
            return this;
        }

        /** Combines the per-task gradients of the shared parameters (default: none, a plain weighted sum). */
        public Builder aggregator(GradientAggregator newAggregator) {
            this.aggregator = newAggregator;
            return this;
        }

        /** The criterion that decides the best epoch (default: {@link StoppingCriterion#meanRelativeLoss()}). */
        public Builder criterion(StoppingCriterion newCriterion) {
            this.criterion = Objects.requireNonNull(newCriterion, "criterion");
            return this;
        }

        /** Adds a listener that hears of every training step (for progress displays). */
        public Builder stepListener(StepListener listener) {
            stepListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Seed of the trainer's random draws (random weights, PCGrad's order). Default 42. */
        public Builder seed(long newSeed) {
            this.seed = newSeed;
            return this;
        }

        /**
         * Whether to compute each task's metrics ({@link TaskEvaluator}) after every epoch, on the validation data or,
         * without it, the training data (default true; costs one inference pass).
         */
        public Builder metrics(boolean compute) {
            this.metrics = compute;
            return this;
        }

        /**
         * Whether to put each task's mean gate weight per expert ({@link GateUtilization}) into every epoch's report,
         * on the validation data or, without it, the training data (default false; costs one inference pass; needs a
         * mixture-of-experts model).
         */
        public Builder gateUtilization(boolean compute) {
            this.gateUtilization = compute;
            return this;
        }

        /**
         * Writes a checkpoint ({@link CheckpointDirectory}) into {@code dir} after every {@code everyEpochs} epochs and
         * after the last one, keeping the newest {@value CheckpointDirectory#KEEP}, and {@code best.zip} whenever an
         * epoch is the best so far by the criterion.
         */
        public Builder checkpoints(Path dir, int everyEpochs) {
            if (everyEpochs < 1) {
                throw new IllegalArgumentException("checkpoint interval must be >= 1 epoch, received " + everyEpochs + ".");
            }
            this.checkpointDir = Objects.requireNonNull(dir, "dir");
            this.checkpointEvery = everyEpochs;
            return this;
        }

        /**
         * Continues from the newest valid checkpoint in {@code dir} (a corrupt or truncated one is skipped for the one
         * before, with a warning): the model given to {@link #builder} gets the checkpoint's parameters, optimizer state
         * and counters, and training goes on from the next epoch with the checkpoint's random generators, loss-weighting
         * state and history, up to {@link #epochs}. The model must have the same architecture; the weighting and the
         * other settings should be the ones of the interrupted run. On CPU the result equals an uninterrupted run.
         * The shuffle position is restored for {@link InMemoryMultiDataSetIterator}s; another iterator starts its
         * shuffling afresh, so the resumed run is then valid but not identical.
         */
        public Builder resumeFrom(Path dir) {
            this.resumeDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Clips each layer's gradient to L2 norm {@code maxNorm} before the optimizer step (DL4J's
         * {@code GradientNormalization.ClipL2PerLayer}, set on every layer of the graph, so it applies to plain steps
         * and to aggregated gradients alike, and is saved with the model).
         */
        public Builder clipGradientNorm(double maxNorm) {
            if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
                throw new IllegalArgumentException("gradient clipping norm must be finite and > 0, received " + maxNorm + ".");
            }
            this.clipNorm = maxNorm;
            return this;
        }

        /**
         * Measures task affinity ({@link io.github.mtldl4j.affinity.TaskAffinity}: gradient cosine and the lookahead
         * affinity of Fifty et al. 2021) on the training batch of every {@code steps}-th step (steps 1, 1 + steps, ...),
         * into each epoch's report and {@link TrainingHistory#affinity()}; 0 (default) measures nothing. A measurement
         * costs about 2K + 2 passes of the batch for K tasks and leaves parameters and optimizer state unchanged; its
         * time is reported as overhead. Needs shared parameters (not independent towers).
         */
        public Builder affinityEvery(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("affinity interval must be >= 0 steps (0 = off), received " + steps + ".");
            }
            this.affinityEvery = steps;
            return this;
        }

        /**
         * Whether a representation-gradient aggregator (MGDA-UB) takes the short way when the graph allows it: head
         * passes to the representation, then one trunk pass (default true). Off: K full backward passes, the same
         * result at K times the trunk's cost; tests compare the two.
         */
        Builder representationShortcut(boolean on) {
            this.representationShortcut = on;
            return this;
        }

        /**
         * Whether steps that need no per-task gradients (loss weightings without a gradient aggregator) run through
         * {@link DirectTrainingStep} when the graph is made only of dense layers (hard sharing, with or without fused
         * heads, mixtures of experts, cascades and cross-stitch; dropout on hidden and output layers; convolutional trunks): the same arithmetic as {@code ComputationGraph.fit} in fewer operations, about half the
         * time per step (docs/performance.md). Default true; other graphs always use {@code fit}. Off: every step
         * through {@code fit}. Internal, for tests and benchmarks: outside this package through {@link TrainerInternals}.
         */
        Builder directSteps(boolean on) {
            this.directSteps = on;
            return this;
        }

        /** The trainer. */
        public MultiTaskTrainer build() {
            return new MultiTaskTrainer(this);
        }
    }

    /** Trains without validation data (the criterion then uses training losses). */
    public TrainingHistory fit(MultiDataSetIterator train) {
        return fit(train, null);
    }

    /**
     * Trains for the configured epochs or until early stopping.
     *
     * @param train training batches, labels in task order, label masks for missing labels
     * @param valid validation batches, or null
     * @return the history of every epoch; the model holds the parameters of {@link TrainingHistory#keptEpoch()}
     */
    public TrainingHistory fit(MultiDataSetIterator train, MultiDataSetIterator valid) {
        ComputationGraph graph = model.graph();
        TrainingCheckpoint resumed = resumeFrom == null ? null : Checkpointing.readInto(model, resumeFrom);
        Map<String, Double> userWeights = resumed != null ? resumed.userWeights() : model.weights().asMap();
        Random random = resumed != null ? resumed.random() : new Random(seed);
        if (clipNorm != null) {
            clipGradients(graph, clipNorm);
        }
        weighting.start(new WeightingContext(model.taskNames(), userWeights, updaterOf(graph), random));
        if (aggregator != null) {
            aggregator.start();
        }
        Checkpointing checkpointing = new Checkpointing(model, weighting, aggregator, userWeights, random, train, valid,
                checkpoints, checkpointEvery, resumeFrom, resumed);
        MinibatchEpoch step = new MinibatchEpoch(this, model, train, valid, random);
        checkpointing.beforeFirstEpoch();
        return loop.run(step, userWeights, checkpointing);
    }

    private static void clipGradients(ComputationGraph graph, double maxNorm) {
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base) {
                base.setGradientNormalization(GradientNormalization.ClipL2PerLayer);
                base.setGradientNormalizationThreshold(maxNorm);
            }
        }
    }

    private static IUpdater updaterOf(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null) {
                return base.getIUpdater();
            }
        }
        throw new IllegalStateException("The graph has no layer with an updater to train with.");
    }
}
