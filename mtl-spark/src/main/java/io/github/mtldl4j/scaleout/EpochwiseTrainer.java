package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.StoppingCriterion;
import io.github.mtldl4j.train.TaskEpochStats;
import io.github.mtldl4j.train.TrainingHistory;
import io.github.mtldl4j.train.TrainingState;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.WeightingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of a {@link MultiTaskModel}, epoch by epoch: a {@link DataParallelBackend} runs each
 * epoch on its workers (parameter averaging); between epochs the driver computes every task's loss on the training
 * and validation data (where the data is), updates the task weights (fixed or DWA, see {@link ScaleOutMethods}), and
 * keeps the history, the best epoch, early stopping and the kept parameters ({@link KeptParameters}) as
 * {@code MultiTaskTrainer} does.
 *
 * <p>Differences to {@code MultiTaskTrainer}, all stated in docs/scale-out.md: weights are per epoch, not per step; a
 * task's weight is scaled by N / labelled rows of the whole training set (the single-machine trainer scales per
 * batch), so each task's loss is a mean over its labelled rows on average; the training loss reported (and seen by
 * DWA) is measured after the epoch on all training rows, not averaged over the epoch's steps.
 */
public final class EpochwiseTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(EpochwiseTrainer.class);

    private final MultiTaskModel model;
    private final DataParallelBackend backend;
    private final int epochs;
    private final LossWeighting weighting;
    private final Integer patience;
    private final StoppingCriterion criterion = StoppingCriterion.meanRelativeLoss();
    private final List<EpochListener> listeners;
    private final java.util.function.BiFunction<String, INDArray, INDArray> metricUnits;
    private final KeptParameters keep;

    private EpochwiseTrainer(Builder b) {
        this.model = b.model;
        this.backend = b.backend;
        this.epochs = b.epochs;
        this.weighting = b.weighting;
        this.patience = b.patience;
        this.listeners = List.copyOf(b.listeners);
        this.metricUnits = b.metricUnits;
        this.keep = b.keep;
    }

    /** A trainer of {@code model} on {@code backend}. */
    public static Builder builder(MultiTaskModel model, DataParallelBackend backend) {
        return new Builder(model, backend);
    }

    /** Settings of a data-parallel training run. */
    public static final class Builder {
        private final MultiTaskModel model;
        private final DataParallelBackend backend;
        private int epochs = 10;
        private LossWeighting weighting = new FixedWeighting();
        private Integer patience;
        private final List<EpochListener> listeners = new ArrayList<>();
        private java.util.function.BiFunction<String, INDArray, INDArray> metricUnits;
        private KeptParameters keep;

        private Builder(MultiTaskModel model, DataParallelBackend backend) {
            this.model = Objects.requireNonNull(model, "model");
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** Maximum number of epochs (default 10). */
        public Builder epochs(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, received " + count + ".");
            }
            this.epochs = count;
            return this;
        }

        /** Fixed weights (the default) or {@code DynamicWeightAverage}; anything else is refused (see {@link ScaleOutMethods}). */
        public Builder weighting(LossWeighting newWeighting) {
            ScaleOutMethods.requireSupported(Objects.requireNonNull(newWeighting, "weighting"));
            this.weighting = newWeighting;
            return this;
        }

        /** Stops after this many epochs without improvement of the mean relative validation loss. */
        public Builder earlyStopping(int epochsWithoutImprovement) {
            if (epochsWithoutImprovement < 1) {
                throw new IllegalArgumentException("early-stopping patience must be >= 1 epoch, received " + epochsWithoutImprovement + ".");
            }
            this.patience = epochsWithoutImprovement;
            return this;
        }

        /**
         * Which epoch's state (parameters, optimizer state, counters, as the driver holds them) the model keeps, as
         * {@code MultiTaskTrainer.Builder.keep}. Default: {@link KeptParameters#BEST} when the backend has validation
         * data or early stopping is on, else {@link KeptParameters#LAST}.
         */
        public Builder keep(KeptParameters which) {
            this.keep = Objects.requireNonNull(which, "keep: expected KeptParameters.BEST or KeptParameters.LAST");
            return this;
        }

        /** Adds an epoch listener (called on the driver). */
        public Builder listener(EpochListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * The units of the per-epoch metrics: {@code toLabelUnits} maps (task name, labels or predictions in training
         * units) to them, e.g. {@code TabularPreprocessor::toLabelUnits} (default: training units).
         */
        public Builder metricsInLabelUnits(java.util.function.BiFunction<String, INDArray, INDArray> toLabelUnits) {
            this.metricUnits = Objects.requireNonNull(toLabelUnits, "toLabelUnits");
            return this;
        }

        /** The trainer. */
        public EpochwiseTrainer build() {
            return new EpochwiseTrainer(this);
        }
    }

    /**
     * Trains for the configured epochs or until early stopping.
     *
     * @return every epoch; the model holds the state of {@link TrainingHistory#keptEpoch()}, and its task weights are
     *     back to the values they had before training
     */
    public TrainingHistory fit() {
        List<String> tasks = model.taskNames();
        Map<String, Double> userWeights = model.weights().asMap();
        weighting.start(new WeightingContext(tasks, userWeights, new org.nd4j.linalg.learning.config.Sgd(), new Random(0)));
        TaskFigures coverage = null;
        List<EpochReport> reports = new ArrayList<>();
        KeptParameters kept = null;
        ScoreImprovementEpochTerminationCondition stopper = patience == null ? null
                : new ScoreImprovementEpochTerminationCondition(patience, 0.0);
        if (stopper != null) {
            stopper.initialize();
        }
        TrainingState bestState = null;
        double bestCriterion = Double.NaN;
        boolean validated = false;
        try {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long start = System.nanoTime();
                if (coverage == null) {
                    coverage = backend.trainingFigures(model);
                }
                Map<String, Double> weights = weighting.nextStepWeights();
                for (int t = 0; t < tasks.size(); t++) {
                    long labelled = coverage.labelledRows(t);
                    double scale = labelled == 0 ? 0.0 : (double) coverage.rows() / labelled;
                    model.weights().set(tasks.get(t), weights.get(tasks.get(t)) * scale);
                }
                backend.fitEpoch(model, epoch);
                long fitted = System.nanoTime();
                model.graph().incrementEpochCount();
                model.weights().setAll(userWeights);
                coverage = backend.trainingFigures(model);
                long measured = System.nanoTime();
                Map<String, Double> trainLosses = coverage.meanLosses(tasks);
                Map<String, Double> present = new LinkedHashMap<>();
                trainLosses.forEach((task, loss) -> {
                    if (!Double.isNaN(loss)) {
                        present.put(task, loss);
                    }
                });
                weighting.afterEpoch(epoch, present);
                TaskFigures validation = backend.validationFigures(model);
                validated |= validation != null;
                Map<String, Double> validLosses = validation == null ? Map.of() : validation.meanLosses(tasks);
                Map<String, TaskMetrics> metrics = validation == null ? Map.of() : validation.metrics(model.tasks(), metricUnits);
                Map<String, TaskEpochStats> stats = new LinkedHashMap<>();
                for (String task : tasks) {
                    TaskMetrics m = metrics.get(task);
                    stats.put(task, new TaskEpochStats(trainLosses.get(task), validLosses.getOrDefault(task, Double.NaN),
                            weights.get(task), m == null ? Map.of() : m.metrics()));
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                LOG.debug("Epoch {} on {}: fit {} s, training losses {} s, validation {} s", epoch, backend.describe(),
                        (fitted - start) / 1e9, (measured - fitted) / 1e9, seconds - (measured - start) / 1e9);
                reports.add(new EpochReport(epoch, stats, Double.NaN, seconds, false));
                double value = criterion.value(reports);
                boolean best = !Double.isNaN(value) && (Double.isNaN(bestCriterion) || value < bestCriterion);
                if (best) {
                    bestCriterion = value;
                    // Copied whatever is kept in the end: the default (best with validation data) is known only now.
                    if (keep != KeptParameters.LAST) {
                        if (bestState == null) {
                            bestState = TrainingState.of(model.graph());
                        } else {
                            bestState.keep(model.graph());
                        }
                    }
                }
                EpochReport report = new EpochReport(epoch, stats, value, seconds, best);
                reports.set(reports.size() - 1, report);
                for (EpochListener listener : listeners) {
                    listener.epochDone(report);
                }
                if (stopper != null && stopper.terminate(epoch - 1, Double.isNaN(value) ? Double.POSITIVE_INFINITY : value, true)) {
                    LOG.info("Early stopping after epoch {} on {}: {} did not improve for {} epochs (best {})",
                            epoch, backend.describe(), criterion.describe(), patience, bestCriterion);
                    break;
                }
            }
            kept = keep != null ? keep : validated || patience != null ? KeptParameters.BEST : KeptParameters.LAST;
            if (kept == KeptParameters.BEST && bestState != null) {
                bestState.restore(model.graph());
            }
        } finally {
            model.weights().setAll(userWeights);
        }
        return TrainingHistory.of(reports, task -> TaskEvaluator.mainMetric(model.task(task).type()), kept);
    }
}
