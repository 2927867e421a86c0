package io.github.mtldl4j.train;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidLabelsException;
import io.github.mtldl4j.data.LabelValidator;
import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.eval.MultiTaskEvaluation;
import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.StepObservation;
import io.github.mtldl4j.weighting.WeightingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p><b>Steps.</b> With a loss weighting alone a step is one plain {@code fit} of the graph with the step's
 * weights. With a gradient aggregator (or a weighting that needs gradient norms, GradNorm) a step computes each
 * task's gradient (K passes), combines the shared parameters' gradients with the aggregator's coefficients from the
 * K x K Gram matrix, gives every head its own task's gradient, and applies the result through the graph's own
 * updater, so optimizer state is shared with plain {@code fit}. The K task gradients come from one forward pass and
 * K backward passes.
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
    private static final Logger LOG = LoggerFactory.getLogger(MultiTaskTrainer.class);

    private final MultiTaskModel model;
    private final int epochs;
    private final LossWeighting weighting;
    private final GradientAggregator aggregator;
    private final Integer patience;
    private final double minImprovement;
    private final StoppingCriterion criterion;
    private final List<EpochListener> listeners;
    private final List<StepListener> stepListeners;
    private final long seed;
    private final boolean metrics;
    private final java.util.function.BiFunction<String, INDArray, INDArray> metricUnits;
    private final boolean gateUtilization;
    private final CheckpointDirectory checkpoints;
    private final int checkpointEvery;
    private final CheckpointDirectory resumeFrom;
    private final Double clipNorm;
    private final int affinityEvery;
    private final boolean representationShortcut;
    private final boolean directSteps;
    private final KeptParameters keep;
    /** The direct step for this fit's graph, or null when steps go through {@code ComputationGraph.fit}. */
    private DirectTrainingStep direct;

    private MultiTaskTrainer(Builder b) {
        this.model = b.model;
        this.epochs = b.epochs;
        this.weighting = b.weighting;
        this.aggregator = b.aggregator;
        this.patience = b.patience;
        this.minImprovement = b.minImprovement;
        this.criterion = b.criterion;
        this.listeners = List.copyOf(b.listeners);
        this.stepListeners = List.copyOf(b.stepListeners);
        this.seed = b.seed;
        this.metrics = b.metrics;
        this.metricUnits = b.metricUnits;
        this.gateUtilization = b.gateUtilization;
        this.checkpoints = b.checkpointDir == null ? null : new CheckpointDirectory(b.checkpointDir);
        this.checkpointEvery = b.checkpointEvery;
        this.resumeFrom = b.resumeDir == null ? null : new CheckpointDirectory(b.resumeDir);
        this.clipNorm = b.clipNorm;
        this.affinityEvery = b.affinityEvery;
        this.representationShortcut = b.representationShortcut;
        this.directSteps = b.directSteps;
        this.keep = b.keep;
    }

    /** A trainer for {@code model}. */
    public static Builder builder(MultiTaskModel model) {
        return new Builder(model);
    }

    /** Settings of a training run. */
    public static final class Builder {
        private final MultiTaskModel model;
        private int epochs = 10;
        private LossWeighting weighting = new FixedWeighting();
        private GradientAggregator aggregator;
        private Integer patience;
        private double minImprovement;
        private StoppingCriterion criterion = StoppingCriterion.meanRelativeLoss();
        private final List<EpochListener> listeners = new ArrayList<>();
        private final List<StepListener> stepListeners = new ArrayList<>();
        private long seed = 42;
        private boolean metrics = true;
        private java.util.function.BiFunction<String, INDArray, INDArray> metricUnits;
        private boolean gateUtilization;
        private java.nio.file.Path checkpointDir;
        private int checkpointEvery;
        private java.nio.file.Path resumeDir;
        private Double clipNorm;
        private int affinityEvery;
        private boolean representationShortcut = true;
        private boolean directSteps = true;
        private KeptParameters keep;

        private Builder(MultiTaskModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** Maximum number of epochs (default 10). */
        public Builder epochs(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, received " + count + ".");
            }
            this.epochs = count;
            return this;
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

        /**
         * Stops after {@code epochsWithoutImprovement} epochs without improvement of the criterion; the model then keeps the
         * best epoch's parameters unless {@link #keep} says {@link KeptParameters#LAST}.
         */
        public Builder earlyStopping(int epochsWithoutImprovement) {
            return earlyStopping(epochsWithoutImprovement, 0.0);
        }

        /** As {@link #earlyStopping(int)}, counting only improvements larger than {@code minimumImprovement}. */
        public Builder earlyStopping(int epochsWithoutImprovement, double minimumImprovement) {
            if (epochsWithoutImprovement < 1) {
                throw new IllegalArgumentException("early-stopping patience must be >= 1 epoch, received " + epochsWithoutImprovement + ".");
            }
            this.patience = epochsWithoutImprovement;
            this.minImprovement = minimumImprovement;
            return this;
        }

        /**
         * Which epoch's training state (parameters, optimizer state, counters) the model holds when training ends.
         * Default: {@link KeptParameters#BEST} when {@code fit} is given validation data or early stopping is on (the
         * best epoch by the criterion, as Keras' {@code restore_best_weights}), else {@link KeptParameters#LAST}
         * (without validation data the criterion is the training loss averaged during each epoch, which judges no
         * epoch's final parameters). The optimizer state comes back with the parameters, so training the kept model
         * further continues from that epoch.
         */
        public Builder keep(KeptParameters which) {
            this.keep = Objects.requireNonNull(which, "keep: expected KeptParameters.BEST or KeptParameters.LAST");
            return this;
        }

        /** The criterion that decides the best epoch (default: {@link StoppingCriterion#meanRelativeLoss()}). */
        public Builder criterion(StoppingCriterion newCriterion) {
            this.criterion = Objects.requireNonNull(newCriterion, "criterion");
            return this;
        }

        /** Adds an epoch listener. */
        public Builder listener(EpochListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
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
         * The units of the per-epoch metrics: {@code toLabelUnits} maps (task name, labels or predictions in training
         * units) to them, e.g. {@code TabularPreprocessor::toLabelUnits} for a regression RMSE in the label's units
         * (default: training units).
         */
        public Builder metricsInLabelUnits(java.util.function.BiFunction<String, INDArray, INDArray> toLabelUnits) {
            this.metricUnits = Objects.requireNonNull(toLabelUnits, "toLabelUnits");
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
        public Builder checkpoints(java.nio.file.Path dir, int everyEpochs) {
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
        public Builder resumeFrom(java.nio.file.Path dir) {
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
         * heads, and mixtures of experts; no dropout): the same arithmetic as {@code ComputationGraph.fit} in fewer operations, about half the
         * time per step (docs/performance.md). Default true; other graphs always use {@code fit}. Off: every step
         * through {@code fit}.
         */
        public Builder directSteps(boolean on) {
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
        List<String> tasks = model.taskNames();
        TrainingCheckpoint resumed = resumeFrom == null ? null : resume();
        Map<String, Double> userWeights = resumed != null ? resumed.userWeights() : model.weights().asMap();
        Random random = resumed != null ? resumed.random() : new Random(seed);
        if (clipNorm != null) {
            clipGradients(graph, clipNorm);
        }
        weighting.start(new WeightingContext(tasks, userWeights, updaterOf(graph), random));
        if (resumed != null) {
            if (!resumed.weighting().equals(weighting.name())) {
                throw new IllegalArgumentException("The checkpoint in " + resumeFrom.dir() + " was trained with weighting '"
                        + resumed.weighting() + "', this run uses '" + weighting.name() + "': resume with the same method.");
            }
            weighting.restoreState(resumed.weightingState());
            if (resumed.shuffleEpoch() != null && train instanceof InMemoryMultiDataSetIterator shuffled) {
                shuffled.continueFromShuffleEpoch(resumed.shuffleEpoch());
            }
            if (resumed.validShuffleEpoch() != null && valid instanceof InMemoryMultiDataSetIterator shuffled) {
                shuffled.continueFromShuffleEpoch(resumed.validShuffleEpoch());
            }
        }
        boolean perTaskGradients = aggregator != null || weighting.needsSharedGradientNorms();
        TaskGradientEngine engine = perTaskGradients ? new TaskGradientEngine(model, directSteps) : null;
        if (aggregator != null && aggregator.usesRepresentationGradients() && !engine.hasRepresentationTap()) {
            throw new IllegalArgumentException("Aggregator '" + aggregator.name() + "' works on gradients with respect to the "
                    + "shared representation, but the graph has no representation tap: build it with hard sharing and "
                    + "MultiTaskGraphBuilder.representationTap(), or use the aggregator's parameter-gradient variant.");
        }
        if (weighting.needsSharedGradientNorms() && !engine.ranges().hasShared()) {
            throw new IllegalArgumentException("Weighting '" + weighting.name() + "' balances gradient norms on the last shared "
                    + "layer, but sharing mode '" + model.layout().sharing() + "' has no shared layer: use hard sharing, "
                    + "or a weighting that sees losses only (fixed, uncertainty, dwa, rlw).");
        }
        direct = engine == null && directSteps ? DirectTrainingStep.forLibraryGraph(graph) : null;
        if (gateUtilization) {
            GateUtilization.gatesOf(model);
        }
        AffinityProbe probe = affinityEvery > 0 ? new AffinityProbe(model, affinityEvery) : null;
        KeptParameters kept = keep != null ? keep : valid != null || patience != null ? KeptParameters.BEST : KeptParameters.LAST;
        TrainingHistory history = new TrainingHistory(metrics
                ? task -> TaskEvaluator.mainMetric(model.task(task).type()) : task -> null);
        history.kept(kept);
        ScoreImprovementEpochTerminationCondition stopper = patience == null ? null
                : new ScoreImprovementEpochTerminationCondition(patience, minImprovement);
        if (stopper != null) {
            stopper.initialize();
        }
        // The best epoch's state, copied only when it will be put back (or resumed from).
        TrainingState bestState = null;
        double bestCriterion = Double.NaN;
        List<EpochReport> reports = new ArrayList<>();
        int firstEpoch = 1;
        boolean stopped = false;
        if (resumed != null) {
            // The history is replayed into the early-stopping state exactly as the interrupted run built it.
            for (EpochReport report : resumed.history()) {
                reports.add(report);
                history.add(report);
                if (report.best()) {
                    bestCriterion = report.criterion();
                }
                stopped = stopper != null && stopper.terminate(report.epoch() - 1, comparable(report.criterion()), criterion.minimize());
            }
            if (kept == KeptParameters.BEST) {
                bestState = resumed.best();
                if (bestState == null && !Double.isNaN(bestCriterion)) {
                    LOG.warn("The checkpoint in {} holds no best-epoch state (written by a run that kept the last epoch's): "
                            + "the best epoch so far cannot be put back; a later better epoch will be.", resumeFrom.dir());
                }
            }
            firstEpoch = resumed.epoch() + 1;
            // Last, after every clone and load above (DL4J may reseed its generator when it initializes a graph).
            Nd4j.getRandom().setStates(resumed.nd4jRandomStates()[0], resumed.nd4jRandomStates()[1]);
            LOG.info("Resuming after epoch {} from {}", resumed.epoch(), resumeFrom.dir());
        }
        if (checkpoints != null) {
            checkpoints.removeInterruptedWrites();
        }
        TrainingState lastGood = TrainingState.of(graph);
        LabelValidator labelCheck = new LabelValidator(model.tasks());
        try {
            for (int epoch = firstEpoch; epoch <= epochs && !stopped; epoch++) {
                long start = System.nanoTime();
                lastGood.keep(graph);
                EpochAccumulator accumulator = new EpochAccumulator(tasks);
                if (probe != null) {
                    probe.startEpoch();
                }
                train.reset();
                long batchIndex = 0;
                try {
                    while (train.hasNext()) {
                        MultiDataSet batch = train.next();
                        if (epoch == firstEpoch) {
                            labelCheck.check(batch, batchIndex++, "the trainer's first pass over the training data");
                        }
                        step(batch, engine, probe, random, accumulator, epoch);
                    }
                } catch (TrainingDivergedException e) {
                    lastGood.restore(graph);
                    throw new TrainingDivergedException(e.task(), epoch, e.loss(), history);
                } catch (InvalidLabelsException e) {
                    lastGood.restore(graph); // the parameters as before this fit: no step on a pass that had bad labels
                    throw e;
                }
                Map<String, Double> trainLosses = accumulator.meanLosses();
                weighting.afterEpoch(epoch, trainLosses);
                graph.incrementEpochCount();

                Map<String, Double> validLosses = valid == null ? Map.of() : MeanTaskLosses.of(model, valid);
                Map<String, Map<String, Double>> taskMetrics = !metrics ? Map.of()
                        : MultiTaskEvaluation.evaluate(model, valid != null ? valid : train, metricUnits).metricsByTask();
                Map<String, TaskEpochStats> stats = new LinkedHashMap<>();
                for (String task : tasks) {
                    stats.put(task, new TaskEpochStats(trainLosses.getOrDefault(task, Double.NaN),
                            validLosses.getOrDefault(task, Double.NaN), accumulator.meanWeight(task),
                            taskMetrics.getOrDefault(task, Map.of())));
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                reports.add(new EpochReport(epoch, stats, Double.NaN, seconds, false));
                double value = criterion.value(reports);
                boolean best = !Double.isNaN(value) && (Double.isNaN(bestCriterion)
                        || (criterion.minimize() ? value < bestCriterion : value > bestCriterion));
                if (best) {
                    bestCriterion = value;
                    if (kept == KeptParameters.BEST) {
                        if (bestState == null) {
                            bestState = TrainingState.of(graph);
                        } else {
                            bestState.keep(graph);
                        }
                    }
                }
                GateUtilization gates = gateUtilization ? GateUtilization.of(model, valid != null ? valid : train) : null;
                EpochReport report = new EpochReport(epoch, stats, value, seconds, best, gates,
                        probe == null ? null : probe.endEpoch());
                reports.set(reports.size() - 1, report);
                history.add(report);
                stopped = stopper != null && stopper.terminate(epoch - 1, comparable(value), criterion.minimize());
                if (checkpoints != null) {
                    Map<String, byte[]> entries = null;
                    if (epoch % checkpointEvery == 0 || epoch == epochs || stopped) {
                        entries = checkpoint(epoch, userWeights, random, train, valid, reports, bestState).entries();
                        checkpoints.write(epoch, entries);
                    }
                    if (best) {
                        checkpoints.writeBest(entries != null ? entries
                                : checkpoint(epoch, userWeights, random, train, valid, reports, bestState).entries());
                    }
                }
                for (EpochListener listener : listeners) {
                    listener.epochDone(report);
                }
                if (stopped) {
                    LOG.info("Early stopping after epoch {}: {} did not improve for {} epochs (best {})",
                            epoch, criterion.describe(), patience, bestCriterion);
                }
            }
            if (bestState != null) {
                bestState.restore(graph);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Could not write a checkpoint or keep the best parameters: " + e.getMessage(), e);
        } finally {
            model.weights().setAll(userWeights);
        }
        return history;
    }

    private double comparable(double value) {
        return !Double.isNaN(value) ? value : criterion.minimize() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Reads the newest valid checkpoint and puts its parameters, optimizer state and counters into the model. */
    private TrainingCheckpoint resume() {
        Map<String, byte[]> entries = resumeFrom.newestValid();
        TrainingCheckpoint checkpoint;
        MultiTaskModel saved;
        try {
            checkpoint = TrainingCheckpoint.of(entries, resumeFrom.dir().toString());
            saved = checkpoint.loadModel();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("Checkpoint in " + resumeFrom.dir() + " could not be read: " + e.getMessage(), e);
        }
        ComputationGraph from = saved.graph();
        ComputationGraph to = model.graph();
        Map<String, String> expected = shapes(to);
        Map<String, String> found = shapes(from);
        if (!saved.taskNames().equals(model.taskNames()) || !expected.equals(found)) {
            throw new IllegalArgumentException("The checkpoint in " + resumeFrom.dir() + " is of another model (tasks "
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
                throw new IllegalArgumentException("The checkpoint in " + resumeFrom.dir() + " was trained on other data or "
                        + "preprocessing than this run (the fitted preprocessing differs): resume with the same data and settings.");
            }
        }));
        return checkpoint;
    }

    private static Map<String, String> shapes(ComputationGraph graph) {
        Map<String, String> shapes = new java.util.TreeMap<>();
        graph.paramTable().forEach((name, array) -> shapes.put(name, java.util.Arrays.toString(array.shape())));
        return shapes;
    }

    private TrainingCheckpoint checkpoint(int epoch, Map<String, Double> userWeights, Random random, MultiDataSetIterator train,
                                          MultiDataSetIterator valid,
                                          List<EpochReport> reports, TrainingState best) throws java.io.IOException {
        Map<String, Double> stepWeights = model.weights().asMap();
        byte[] modelBytes;
        try {
            model.weights().setAll(userWeights);
            modelBytes = TrainingCheckpoint.modelBytes(model);
        } finally {
            model.weights().setAll(stepWeights);
        }
        Random copy = copyOf(random);
        return new TrainingCheckpoint(epoch, modelBytes, userWeights, copy,
                new long[] {Nd4j.getRandom().rootState(), Nd4j.getRandom().nodeState()},
                train instanceof InMemoryMultiDataSetIterator shuffled ? shuffled.shuffleEpoch() : null,
                valid instanceof InMemoryMultiDataSetIterator shuffledValid ? shuffledValid.shuffleEpoch() : null,
                weighting.name(), weighting.state(), List.copyOf(reports), best);
    }

    private static Random copyOf(Random random) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(random);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            return (Random) in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void clipGradients(ComputationGraph graph, double maxNorm) {
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base) {
                base.setGradientNormalization(org.deeplearning4j.nn.conf.GradientNormalization.ClipL2PerLayer);
                base.setGradientNormalizationThreshold(maxNorm);
            }
        }
    }

    private void step(MultiDataSet batch, TaskGradientEngine engine, AffinityProbe probe, Random random, EpochAccumulator accumulator,
                      int epoch) {
        List<String> tasks = model.taskNames();
        int k = tasks.size();
        LabelCoverage coverage = LabelCoverage.of(batch);
        Map<String, Double> weights = weighting.nextStepWeights();
        boolean anyLabel = false;
        for (int t = 0; t < k; t++) {
            anyLabel |= coverage.labelled(t) > 0;
        }
        if (!anyLabel) {
            return;
        }
        if (probe != null) {
            probe.maybeMeasure(batch, coverage);
        }
        Map<String, Double> losses = new LinkedHashMap<>();
        Map<String, Double> norms = null;
        if (engine == null) {
            for (int t = 0; t < k; t++) {
                model.weights().set(tasks.get(t), weights.get(tasks.get(t)) * coverage.factor(t));
            }
            // Each output's score: its weighted loss over the batch divided by the batch size, without regularization.
            double[] scores = new double[k];
            if (direct != null && DirectTrainingStep.accepts(batch)) {
                scores = direct.fit(batch);
            } else {
                model.graph().fit(batch);
                double regularization = model.graph().calcRegularizationScore(true);
                for (int t = 0; t < k; t++) {
                    scores[t] = model.graph().getOutputLayer(t).score() - (t == 0 ? regularization : 0.0);
                }
            }
            for (int t = 0; t < k; t++) {
                double applied = weights.get(tasks.get(t)) * coverage.factor(t);
                if (applied > 0) {
                    losses.put(tasks.get(t), scores[t] / weights.get(tasks.get(t)));
                }
            }
            checkFinite(losses, epoch);
        } else {
            boolean representation = aggregator != null && aggregator.usesRepresentationGradients();
            double[] w = new double[k];
            for (int t = 0; t < k; t++) {
                w[t] = coverage.labelled(t) > 0 ? weights.get(tasks.get(t)) : 0.0;
            }
            if (representation && representationShortcut && engine.splitsAtRepresentation()) {
                double[] taskLosses = null;
                try {
                    taskLosses = engine.combineAtRepresentation(batch, coverage, w, aggregator, random);
                } catch (TaskGradientEngine.NonFiniteGradients e) {
                    // Nothing applied yet: the per-task route below finds and names the diverging task.
                }
                if (taskLosses != null) {
                    double total = 0;
                    for (int t = 0; t < k; t++) {
                        if (coverage.labelled(t) > 0) {
                            losses.put(tasks.get(t), taskLosses[t]);
                            total += w[t] * taskLosses[t];
                        }
                    }
                    checkFinite(losses, epoch);
                    engine.apply(engine.gradientView(), (int) coverage.rows(), total);
                    finishStep(losses, weights, null, coverage, accumulator, epoch);
                    return;
                }
            }
            TaskGradientEngine.Result result = engine.compute(batch, coverage, representation);
            INDArray gradients = result.gradients();
            double total = 0;
            for (int t = 0; t < k; t++) {
                if (coverage.labelled(t) > 0) {
                    losses.put(tasks.get(t), result.losses()[t]);
                    total += w[t] * result.losses()[t];
                }
            }
            checkFinite(losses, epoch);
            if (weighting.needsSharedGradientNorms()) {
                norms = new LinkedHashMap<>();
                long[] range = engine.ranges().lastSharedWeights();
                for (int t = 0; t < k; t++) {
                    norms.put(tasks.get(t), TaskGradientEngine.columns(gradients, t, range).norm2Number().doubleValue());
                }
            }
            // Row t is N x the gradient of task t's mean loss (a sum over the batch, as DL4J's updater expects).
            int n = (int) coverage.rows();
            INDArray weightRow = Nd4j.create(gradients.dataType(), 1, k);
            for (int t = 0; t < k; t++) {
                weightRow.putScalar(0, t, w[t]);
            }
            INDArray heads = weightRow.mmul(gradients);
            INDArray combined;
            if (aggregator == null) {
                combined = heads;
            } else {
                long[] block = engine.ranges().sharedBlock();
                INDArray sharedColumns = representation ? result.representationGradients()
                        : block != null ? gradients.get(NDArrayIndex.all(), NDArrayIndex.interval(block[0], block[1]))
                        : gradients.mulRowVector(engine.ranges().sharedMask());
                double[][] gram = gram(sharedColumns, w, n);
                double[] c = aggregator.coefficients(gram, random);
                INDArray coefficientRow = Nd4j.create(gradients.dataType(), 1, k);
                for (int t = 0; t < k; t++) {
                    coefficientRow.putScalar(0, t, c[t] * w[t]);
                }
                if (block != null) {
                    // Heads keep their own task's gradient; only the shared block takes the aggregator's combination.
                    INDArray sharedRows = gradients.get(NDArrayIndex.all(), NDArrayIndex.interval(block[0], block[1]));
                    heads.get(NDArrayIndex.point(0), NDArrayIndex.interval(block[0], block[1]))
                            .assign(coefficientRow.mmul(sharedRows));
                    combined = heads;
                } else {
                    INDArray shared = coefficientRow.mmul(gradients);
                    combined = shared.muliRowVector(engine.ranges().sharedMask())
                            .addi(heads.muliRowVector(engine.ranges().headMask()));
                }
            }
            engine.apply(combined, n, total);
        }
        finishStep(losses, weights, norms, coverage, accumulator, epoch);
    }

    private void finishStep(Map<String, Double> losses, Map<String, Double> weights, Map<String, Double> norms,
                            LabelCoverage coverage, EpochAccumulator accumulator, int epoch) {
        accumulator.add(losses, weights, coverage, model.taskNames());
        weighting.afterStep(new StepObservation(losses, weights, norms));
        for (StepListener listener : stepListeners) {
            listener.stepDone(epoch, losses);
        }
    }

    /** The divergence guard: a NaN or infinite task loss stops training (the caller puts back the last good state). */
    private static void checkFinite(Map<String, Double> losses, int epoch) {
        for (Map.Entry<String, Double> loss : losses.entrySet()) {
            if (!Double.isFinite(loss.getValue())) {
                throw new TrainingDivergedException(loss.getKey(), epoch, loss.getValue(), null);
            }
        }
    }

    /** K x K Gram matrix of the weighted mean-loss task gradients (rows: the tasks' gradients on the shared part): one GEMM. */
    private static double[][] gram(INDArray shared, double[] w, int rows) {
        INDArray gram = shared.mmul(shared.transpose());
        int k = w.length;
        double[][] out = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = w[i] * w[j] * gram.getDouble(i, j) / ((double) rows * rows);
            }
        }
        return out;
    }

    private static IUpdater updaterOf(ComputationGraph graph) {
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null) {
                return base.getIUpdater();
            }
        }
        throw new IllegalStateException("The graph has no layer with an updater to train with.");
    }

    /** Sums of one epoch's step losses (weighted by labelled rows) and weights. */
    private static final class EpochAccumulator {
        private final Map<String, double[]> lossSums = new LinkedHashMap<>();
        private final Map<String, double[]> weightSums = new LinkedHashMap<>();

        EpochAccumulator(List<String> tasks) {
            tasks.forEach(t -> {
                lossSums.put(t, new double[2]);
                weightSums.put(t, new double[2]);
            });
        }

        void add(Map<String, Double> losses, Map<String, Double> weights, LabelCoverage coverage, List<String> tasks) {
            for (int t = 0; t < tasks.size(); t++) {
                String task = tasks.get(t);
                Double loss = losses.get(task);
                if (loss != null) {
                    lossSums.get(task)[0] += loss * coverage.labelled(t);
                    lossSums.get(task)[1] += coverage.labelled(t);
                }
                weightSums.get(task)[0] += weights.get(task);
                weightSums.get(task)[1] += 1;
            }
        }

        Map<String, Double> meanLosses() {
            Map<String, Double> means = new LinkedHashMap<>();
            lossSums.forEach((task, s) -> {
                if (s[1] > 0) {
                    means.put(task, s[0] / s[1]);
                }
            });
            return means;
        }

        double meanWeight(String task) {
            double[] s = weightSums.get(task);
            return s[1] == 0 ? Double.NaN : s[0] / s[1];
        }
    }
}
