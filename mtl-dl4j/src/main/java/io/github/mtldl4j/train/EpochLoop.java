package io.github.mtldl4j.train;

import io.github.mtldl4j.model.MultiTaskModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epoch loop every trainer shares: per epoch a {@link Step} applies the epoch's updates and evaluates the model;
 * the loop writes the two-phase {@link EpochReport} (figures, then criterion and best flag), keeps the best epoch's
 * {@link TrainingState}, stops early (DL4J's {@link ScoreImprovementEpochTerminationCondition}), tells the listeners,
 * and at the end puts back the kept epoch's state ({@link KeptParameters}) and the model's task weights.
 *
 * <p>{@link MultiTaskTrainer} steps once per minibatch on this machine; {@code EpochwiseTrainer} (module mtl-spark)
 * runs each epoch on a data-parallel backend. Their builders share the settings of the loop ({@link Settings}).
 */
public final class EpochLoop {
    private static final Logger LOG = LoggerFactory.getLogger(EpochLoop.class);
    /**
     * Where the early stop is announced ({@code io.github.mtldl4j.train.EpochLoop.stopping}), a logger of its own so an
     * application that reports the stop itself (the command line does, on stdout) can silence just this line.
     */
    private static final Logger STOPPING = LoggerFactory.getLogger(EpochLoop.class.getName() + ".stopping");

    /** One epoch's updates and evaluation: the part in which trainers differ. */
    public interface Step {
        /** Applies one epoch's updates to the model; the loss weighting hears of the epoch here too. */
        Updates update(int epoch);

        /** The model's figures after the epoch's updates (the model's epoch counter already advanced). */
        Evaluation evaluate();

        /**
         * Whether {@link #evaluate} measures validation data (then {@link KeptParameters#BEST} is kept by default).
         * Asked before the first epoch and after every evaluation: a step may learn it in its first evaluation.
         */
        boolean validates();

        /** The report with the figures measured after the timed part (gate utilization, task affinity); default as is. */
        default EpochReport complete(EpochReport report) {
            return report;
        }
    }

    /**
     * What an epoch's updates saw.
     *
     * @param losses per task its training loss of the epoch; tasks without labelled rows absent
     * @param weights per task the weight its steps used (the mean over steps)
     */
    public record Updates(Map<String, Double> losses, Map<String, Double> weights) {
    }

    /**
     * The model's figures after an epoch.
     *
     * @param losses per task its validation loss; empty without validation data
     * @param metrics per task its metrics by name; empty when none were computed
     */
    public record Evaluation(Map<String, Double> losses, Map<String, Map<String, Double>> metrics) {
    }

    private final MultiTaskModel model;
    private final int epochs;
    private final Integer patience;
    private final double minImprovement;
    private final KeptParameters keep;
    private final List<EpochListener> listeners;
    private final StoppingCriterion criterion;
    private final Function<String, String> mainMetric;
    private final PlateauSchedule plateau;
    private final double memoryReleaseBudget;

    private EpochLoop(Settings<?> s, StoppingCriterion criterion, Function<String, String> mainMetric) {
        this.model = s.model;
        this.epochs = s.epochs;
        this.patience = s.patience;
        this.minImprovement = s.minImprovement;
        this.keep = s.keep;
        this.listeners = List.copyOf(s.listeners);
        this.plateau = s.plateau;
        this.memoryReleaseBudget = s.memoryReleaseBudget;
        this.criterion = Objects.requireNonNull(criterion, "criterion");
        this.mainMetric = Objects.requireNonNull(mainMetric, "mainMetric");
    }

    /**
     * Trains for the configured epochs or until early stopping.
     *
     * @param userWeights the model's task weights, put back when training ends
     * @return every epoch; the model holds the state of {@link TrainingHistory#keptEpoch()}
     */
    public TrainingHistory run(Step step, Map<String, Double> userWeights) {
        return run(step, userWeights, null);
    }

    /** As {@link #run(Step, Map)}, continuing a resumed run and writing checkpoints when {@code checkpoints} says so. */
    TrainingHistory run(Step step, Map<String, Double> userWeights, Checkpointing checkpoints) {
        ComputationGraph graph = model.graph();
        KeptParameters kept = kept(step.validates());
        TrainingHistory history = new TrainingHistory(mainMetric);
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
        TrainingCheckpoint resumed = checkpoints == null ? null : checkpoints.resumed();
        LearningRates rates = plateau == null ? null : new LearningRates(graph, plateau);
        if (resumed != null) {
            // The history is replayed into the early-stopping state exactly as the interrupted run built it.
            for (EpochReport report : resumed.history()) {
                reports.add(report);
                history.add(report);
                if (report.best()) {
                    bestCriterion = report.criterion();
                }
                stopped = stopper != null && stopper.terminate(report.epoch() - 1, comparable(report.criterion()), criterion.minimize());
                if (rates != null) {
                    rates.afterEpoch(report.best());
                }
            }
            if (rates != null) {
                rates.apply();
            }
            if (kept == KeptParameters.BEST) {
                bestState = resumed.best();
                if (bestState == null && !Double.isNaN(bestCriterion)) {
                    LOG.warn("The checkpoint in {} holds no best-epoch state (written by a run that kept the last epoch's): "
                            + "the best epoch so far cannot be put back; a later better epoch will be.", checkpoints.resumedFrom());
                }
            }
            firstEpoch = resumed.epoch() + 1;
        }
        NativeMemoryRelease memoryRelease = memoryReleaseBudget == 0 ? null : NativeMemoryRelease.within(memoryReleaseBudget);
        try {
            for (int epoch = firstEpoch; epoch <= epochs && !stopped; epoch++) {
                long start = System.nanoTime();
                Updates updates;
                try {
                    updates = step.update(epoch);
                } catch (TrainingDivergedException e) {
                    throw new TrainingDivergedException(e.task(), epoch, e.loss(), history);
                }
                graph.incrementEpochCount();
                Evaluation evaluation = step.evaluate();
                kept = kept(step.validates());
                history.kept(kept);
                Map<String, TaskEpochStats> stats = new LinkedHashMap<>();
                for (String task : model.taskNames()) {
                    stats.put(task, new TaskEpochStats(updates.losses().getOrDefault(task, Double.NaN),
                            evaluation.losses().getOrDefault(task, Double.NaN), updates.weights().getOrDefault(task, Double.NaN),
                            evaluation.metrics().getOrDefault(task, Map.of())));
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
                EpochReport report = step.complete(new EpochReport(epoch, stats, value, seconds, best));
                reports.set(reports.size() - 1, report);
                history.add(report);
                stopped = stopper != null && stopper.terminate(epoch - 1, comparable(value), criterion.minimize());
                if (rates != null && !stopped && epoch < epochs && rates.afterEpoch(best)) {
                    rates.apply();
                    LOG.info("Learning rate x{} after epoch {}: {} did not improve for {} epochs", rates.scale(), epoch,
                            criterion.describe(), plateau.patience());
                }
                if (checkpoints != null) {
                    checkpoints.afterEpoch(epoch, epoch == epochs || stopped, best, reports, bestState);
                }
                for (EpochListener listener : listeners) {
                    listener.epochDone(report);
                }
                if (memoryRelease != null && epoch < epochs && !stopped) {
                    // Not after the last epoch: the JVM's exit or the caller's next work frees it anyway.
                    memoryRelease.afterEpoch(System.nanoTime() - start);
                }
                if (stopped) {
                    STOPPING.info("Early stopping after epoch {}: {} did not improve for {} epochs (best {})",
                            epoch, criterion.describe(), patience, bestCriterion);
                }
            }
            if (bestState != null) {
                bestState.restore(graph);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write a checkpoint or keep the best parameters: " + e.getMessage(), e);
        } finally {
            model.weights().setAll(userWeights);
            if (rates != null) {
                rates.restoreStart();
            }
        }
        return history;
    }

    /** The plateau schedule's state: each layer's starting rate, the epochs since the last best, the reductions. */
    private static final class LearningRates {
        private final ComputationGraph graph;
        private final PlateauSchedule schedule;
        private final Map<String, Double> start = new LinkedHashMap<>();
        private int sinceBest;
        private int reductions;

        LearningRates(ComputationGraph graph, PlateauSchedule schedule) {
            this.graph = graph;
            this.schedule = schedule;
            for (Layer layer : graph.getLayers()) {
                if (layer.conf().getLayer() instanceof BaseLayer base && base.getIUpdater() != null
                        && base.getIUpdater().hasLearningRate()) {
                    start.put(layer.conf().getLayer().getLayerName(),
                            base.getIUpdater().getLearningRate(graph.getIterationCount(), graph.getEpochCount()));
                }
            }
        }

        /** Counts an epoch; true when it brings a reduction. */
        boolean afterEpoch(boolean best) {
            if (best) {
                sinceBest = 0;
                return false;
            }
            if (++sinceBest < schedule.patience()) {
                return false;
            }
            sinceBest = 0;
            reductions++;
            return true;
        }

        /** The multiplier of the starting rates now: factor to the power of the reductions so far. */
        double scale() {
            return Math.pow(schedule.factor(), reductions);
        }

        void apply() {
            if (reductions > 0) {
                set(scale());
            }
        }

        void restoreStart() {
            if (reductions > 0) {
                set(1.0);
            }
        }

        private void set(double scale) {
            start.forEach((layer, rate) -> graph.setLearningRate(layer, rate * scale));
        }
    }

    private KeptParameters kept(boolean validated) {
        return keep != null ? keep : validated || patience != null ? KeptParameters.BEST : KeptParameters.LAST;
    }

    private double comparable(double value) {
        return !Double.isNaN(value) ? value : criterion.minimize() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /**
     * The settings every trainer on the loop shares, as the base of its builder (the pattern of DL4J's layer builders).
     *
     * @param <B> the trainer's builder
     */
    public abstract static class Settings<B extends Settings<B>> {
        private final MultiTaskModel model;
        private int epochs = 10;
        private Integer patience;
        private double minImprovement;
        private KeptParameters keep;
        private final List<EpochListener> listeners = new ArrayList<>();
        private BiFunction<String, INDArray, INDArray> metricUnits;
        private PlateauSchedule plateau;
        private double memoryReleaseBudget = NativeMemoryRelease.DEFAULT_BUDGET;

        /** Settings for training {@code model}. */
        protected Settings(MultiTaskModel model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Maximum number of epochs (default 10). */
        public B epochs(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, received " + count + ".");
            }
            this.epochs = count;
            return self();
        }

        /**
         * Stops after {@code epochsWithoutImprovement} epochs without improvement of the criterion; the model then keeps the
         * best epoch's parameters unless {@link #keep} says {@link KeptParameters#LAST}.
         */
        public B earlyStopping(int epochsWithoutImprovement) {
            return earlyStopping(epochsWithoutImprovement, 0.0);
        }

        /** As {@link #earlyStopping(int)}, counting only improvements larger than {@code minimumImprovement}. */
        public B earlyStopping(int epochsWithoutImprovement, double minimumImprovement) {
            if (epochsWithoutImprovement < 1) {
                throw new IllegalArgumentException("early-stopping patience must be >= 1 epoch, received " + epochsWithoutImprovement + ".");
            }
            this.patience = epochsWithoutImprovement;
            this.minImprovement = minimumImprovement;
            return self();
        }

        /**
         * Which epoch's training state (parameters, optimizer state, counters) the model holds when training ends.
         * Default: {@link KeptParameters#BEST} when there is validation data or early stopping is on (the best epoch by
         * the criterion, as Keras' {@code restore_best_weights}), else {@link KeptParameters#LAST} (without validation
         * data the criterion is the training loss of each epoch, which judges no epoch's final parameters). The
         * optimizer state comes back with the parameters, so training the kept model further continues from that epoch.
         */
        public B keep(KeptParameters which) {
            this.keep = Objects.requireNonNull(which, "keep: expected KeptParameters.BEST or KeptParameters.LAST");
            return self();
        }

        /**
         * A learning-rate schedule driven by the stopping criterion ({@link PlateauSchedule}), or null for none (the
         * default: the rates the model's updaters hold).
         */
        public B learningRateSchedule(PlateauSchedule schedule) {
            this.plateau = schedule;
            return self();
        }

        /**
         * Between epochs, full garbage collections through ND4J's memory manager taking at most {@code budget} of the
         * training time (default 0.02; 0 for none), so that the native memory of arrays that died during training is
         * given back and resident memory stays flat across epochs ({@link NativeMemoryRelease}).
         */
        public B nativeMemoryRelease(double budget) {
            if (budget != 0) {
                NativeMemoryRelease.requireBudget(budget);
            }
            this.memoryReleaseBudget = budget;
            return self();
        }

        /** Adds an epoch listener. */
        public B listener(EpochListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return self();
        }

        /**
         * The units of the per-epoch metrics: {@code toLabelUnits} maps (task name, labels or predictions in training
         * units) to them, e.g. {@code TabularPreprocessor::toLabelUnits} for a regression RMSE in the label's units
         * (default: training units).
         */
        public B metricsInLabelUnits(BiFunction<String, INDArray, INDArray> toLabelUnits) {
            this.metricUnits = Objects.requireNonNull(toLabelUnits, "toLabelUnits");
            return self();
        }

        /** The model to train. */
        protected final MultiTaskModel model() {
            return model;
        }

        /** The metric units set by {@link #metricsInLabelUnits}, or null for training units. */
        protected final BiFunction<String, INDArray, INDArray> metricUnits() {
            return metricUnits;
        }

        /**
         * The loop with these settings.
         *
         * @param mainMetric the metric name the history's CSV writes for a task, or null for none
         */
        protected final EpochLoop loop(StoppingCriterion criterion, Function<String, String> mainMetric) {
            return new EpochLoop(this, criterion, mainMetric);
        }
    }
}
