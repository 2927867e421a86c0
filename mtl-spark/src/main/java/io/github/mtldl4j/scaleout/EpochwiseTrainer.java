package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.train.EpochLoop;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.StoppingCriterion;
import io.github.mtldl4j.train.TrainingHistory;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.WeightingContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of a {@link MultiTaskModel}, epoch by epoch: a {@link DataParallelBackend} runs each
 * epoch on its workers (parameter averaging); between epochs the driver computes every task's loss on the training
 * and validation data (where the data is) and updates the task weights (fixed or DWA, see {@link ScaleOutMethods}).
 * History, best epoch, early stopping (criterion: the mean relative loss) and the kept parameters
 * ({@link KeptParameters}) are the {@link EpochLoop}'s, as for {@code MultiTaskTrainer}.
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
    private final LossWeighting weighting;
    private final BiFunction<String, INDArray, INDArray> metricUnits;
    private final EpochLoop loop;

    private EpochwiseTrainer(MultiTaskModel model, DataParallelBackend backend, LossWeighting weighting,
                             BiFunction<String, INDArray, INDArray> metricUnits, EpochLoop loop) {
        this.model = model;
        this.backend = backend;
        this.weighting = weighting;
        this.metricUnits = metricUnits;
        this.loop = loop;
    }

    /** A trainer of {@code model} on {@code backend}. */
    public static Builder builder(MultiTaskModel model, DataParallelBackend backend) {
        return new Builder(model, backend);
    }

    /** Settings of a data-parallel training run; those of the epoch loop are in {@link EpochLoop.Settings}. */
    public static final class Builder extends EpochLoop.Settings<Builder> {
        private final DataParallelBackend backend;
        private LossWeighting weighting = new FixedWeighting();

        private Builder(MultiTaskModel model, DataParallelBackend backend) {
            super(model);
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** Fixed weights (the default) or {@code DynamicWeightAverage}; anything else is refused (see {@link ScaleOutMethods}). */
        public Builder weighting(LossWeighting newWeighting) {
            ScaleOutMethods.requireSupported(Objects.requireNonNull(newWeighting, "weighting"));
            this.weighting = newWeighting;
            return this;
        }

        /** The trainer. */
        public EpochwiseTrainer build() {
            MultiTaskModel model = model();
            return new EpochwiseTrainer(model, backend, weighting, metricUnits(), loop(StoppingCriterion.meanRelativeLoss(),
                    task -> TaskEvaluator.mainMetric(model.task(task).type())));
        }
    }

    /**
     * Trains for the configured epochs or until early stopping.
     *
     * @return every epoch; the model holds the state of {@link TrainingHistory#keptEpoch()}, and its task weights are
     *     back to the values they had before training
     */
    public TrainingHistory fit() {
        Map<String, Double> userWeights = model.weights().asMap();
        weighting.start(new WeightingContext(model.taskNames(), userWeights, new Sgd(), new Random(0)));
        return loop.run(new BackendEpoch(userWeights), userWeights);
    }

    /** One epoch on the backend with per-epoch task weights, then the driver's figures of it. */
    private final class BackendEpoch implements EpochLoop.Step {
        private final Map<String, Double> userWeights;
        private TaskFigures coverage;
        private boolean validated;

        BackendEpoch(Map<String, Double> userWeights) {
            this.userWeights = userWeights;
        }

        @Override
        public EpochLoop.Updates update(int epoch) {
            List<String> tasks = model.taskNames();
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
            model.weights().setAll(userWeights);
            coverage = backend.trainingFigures(model);
            LOG.debug("Epoch {} on {}: fit {} s, training losses {} s", epoch, backend.describe(), (fitted - start) / 1e9,
                    (System.nanoTime() - fitted) / 1e9);
            Map<String, Double> losses = new LinkedHashMap<>();
            coverage.meanLosses(tasks).forEach((task, loss) -> {
                if (!Double.isNaN(loss)) {
                    losses.put(task, loss);
                }
            });
            weighting.afterEpoch(epoch, losses);
            return new EpochLoop.Updates(losses, weights);
        }

        @Override
        public EpochLoop.Evaluation evaluate() {
            TaskFigures validation = backend.validationFigures(model);
            if (validation == null) {
                return new EpochLoop.Evaluation(Map.of(), Map.of());
            }
            validated = true;
            Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
            for (Map.Entry<String, TaskMetrics> task : validation.metrics(model.tasks(), metricUnits).entrySet()) {
                if (task.getValue() != null) {
                    metrics.put(task.getKey(), task.getValue().metrics());
                }
            }
            return new EpochLoop.Evaluation(validation.meanLosses(model.taskNames()), metrics);
        }

        @Override
        public boolean validates() {
            return validated;
        }
    }
}
