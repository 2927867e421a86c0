package io.github.mtldl4j.spark;

import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.scaleout.TaskFigures;
import io.github.mtldl4j.train.EpochLoop;
import io.github.mtldl4j.train.ShardedGradientStep;
import io.github.mtldl4j.train.StoppingCriterion;
import io.github.mtldl4j.train.TrainingHistory;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.LossWeighting;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel training on Spark for the per-step methods (gradient aggregators such as PCGrad and
 * MGDA-UB, uncertainty weighting, RLW, GradNorm): every step is {@code MultiTaskTrainer}'s step on a global batch split
 * over the workers ({@link ShardedGradientStep} carried by {@link SparkGradientSteps}). The epoch loop (history, best
 * epoch, early stopping, kept parameters) is the {@link EpochLoop}; validation figures are computed on the executors.
 *
 * <p>Differences to {@code MultiTaskTrainer} on the same rows: the epoch visits the partitions' shards in an order
 * drawn per epoch (global step s takes shard s of every partition) instead of reshuffling all rows; the training loss
 * reported is the mean of the step losses, as on one machine.
 *
 * @see io.github.mtldl4j.train.MultiTaskTrainer
 */
public final class SynchronousGradientTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SynchronousGradientTrainer.class);

    private final MultiTaskModel model;
    private final JavaSparkContext spark;
    private final JavaRDD<MultiDataSet> train;
    private final JavaRDD<MultiDataSet> validation;
    private final int globalBatch;
    private final LossWeighting weighting;
    private final GradientAggregator aggregator;
    private final long seed;
    private final EpochLoop loop;
    private final BiFunction<String, INDArray, INDArray> metricUnits;
    private SparkGradientSteps.Traffic traffic;

    private SynchronousGradientTrainer(Builder b, MultiTaskModel model, BiFunction<String, INDArray, INDArray> metricUnits, EpochLoop loop) {
        this.model = model;
        this.spark = b.spark;
        this.train = b.train;
        this.validation = b.validation;
        this.globalBatch = b.globalBatch;
        this.weighting = b.weighting;
        this.aggregator = b.aggregator;
        this.seed = b.seed;
        this.metricUnits = metricUnits;
        this.loop = loop;
    }

    /**
     * A trainer of {@code model} on {@code train}, split into {@code train.getNumPartitions()} workers' shards.
     *
     * @param globalBatch rows of each step over all workers (as {@code MultiTaskTrainer}'s batch)
     */
    public static Builder builder(MultiTaskModel model, JavaSparkContext spark, JavaRDD<MultiDataSet> train, int globalBatch) {
        return new Builder(model, spark, train, globalBatch);
    }

    /** Settings; those of the epoch loop are in {@link EpochLoop.Settings}. */
    public static final class Builder extends EpochLoop.Settings<Builder> {
        private final JavaSparkContext spark;
        private final JavaRDD<MultiDataSet> train;
        private final int globalBatch;
        private JavaRDD<MultiDataSet> validation;
        private LossWeighting weighting = new FixedWeighting();
        private GradientAggregator aggregator;
        private long seed = 42;

        private Builder(MultiTaskModel model, JavaSparkContext spark, JavaRDD<MultiDataSet> train, int globalBatch) {
            super(model);
            this.spark = Objects.requireNonNull(spark, "spark");
            this.train = Objects.requireNonNull(train, "train");
            if (globalBatch < 1) {
                throw new IllegalArgumentException("The global batch must be >= 1 row, received " + globalBatch + ".");
            }
            this.globalBatch = globalBatch;
        }

        /** Validation minibatches (cached), or none (the default). */
        public Builder validation(JavaRDD<MultiDataSet> data) {
            this.validation = data;
            return this;
        }

        /** The loss weighting (default fixed weights); any but one that needs the losses after the step (FAMO). */
        public Builder weighting(LossWeighting newWeighting) {
            this.weighting = Objects.requireNonNull(newWeighting, "weighting");
            return this;
        }

        /** The gradient aggregator, or null for the weighted sum (the default). */
        public Builder aggregator(GradientAggregator newAggregator) {
            this.aggregator = newAggregator;
            return this;
        }

        /** Seed of the weighting's and aggregator's generator (as {@code MultiTaskTrainer}'s, default 42) and of the step order. */
        public Builder seed(long newSeed) {
            this.seed = newSeed;
            return this;
        }

        /** The trainer. */
        public SynchronousGradientTrainer build() {
            MultiTaskModel model = model();
            return new SynchronousGradientTrainer(this, model, metricUnits(), loop(StoppingCriterion.meanRelativeLoss(),
                    task -> TaskEvaluator.mainMetric(model.task(task).type())));
        }
    }

    /**
     * Trains for the configured epochs or until early stopping.
     *
     * @return every epoch; the model holds the state of {@link TrainingHistory#keptEpoch()}
     */
    public TrainingHistory fit() {
        Map<String, Double> userWeights = model.weights().asMap();
        ShardedGradientStep step = new ShardedGradientStep(model, weighting, aggregator, seed);
        try (SparkGradientSteps steps = new SparkGradientSteps(spark, train, globalBatch, model, step)) {
            TrainingHistory history = loop.run(new Epoch(steps), userWeights);
            traffic = steps.traffic();
            LOG.info("Synchronous gradient steps on Spark {}: {} workers x {} rows, {} steps, {} ms per step, {} bytes of parameters "
                            + "broadcast and {} bytes of task results per step", spark.master(), train.getNumPartitions(), steps.shardRows(),
                    traffic.steps(), String.format("%.1f", traffic.millisPerStep()), Math.round(traffic.broadcastBytesPerStep()),
                    Math.round(traffic.resultBytesPerStep()));
            return history;
        }
    }

    /** The steps' cost in the last {@link #fit}, or null before. */
    public SparkGradientSteps.Traffic traffic() {
        return traffic;
    }

    private final class Epoch implements EpochLoop.Step {
        private final SparkGradientSteps steps;
        private boolean validated;

        Epoch(SparkGradientSteps steps) {
            this.steps = steps;
        }

        @Override
        public EpochLoop.Updates update(int epoch) {
            List<String> tasks = model.taskNames();
            List<Integer> order = new ArrayList<>();
            for (int s = 0; s < steps.steps(); s++) {
                order.add(s);
            }
            Collections.shuffle(order, new Random(seed + epoch));
            double[] lossSums = new double[tasks.size()];
            long[] labelled = new long[tasks.size()];
            double[] weightSums = new double[tasks.size()];
            int stepsTaken = 0;
            for (int s : order) {
                ShardedGradientStep.Step step = steps.step(s, epoch);
                if (step == null) {
                    continue;
                }
                stepsTaken++;
                for (int t = 0; t < tasks.size(); t++) {
                    Double loss = step.losses().get(tasks.get(t));
                    if (loss != null) {
                        lossSums[t] += loss * step.coverage().labelled(t);
                        labelled[t] += step.coverage().labelled(t);
                    }
                    weightSums[t] += step.weights().get(tasks.get(t));
                }
            }
            Map<String, Double> losses = new LinkedHashMap<>();
            Map<String, Double> weights = new LinkedHashMap<>();
            for (int t = 0; t < tasks.size(); t++) {
                if (labelled[t] > 0) {
                    losses.put(tasks.get(t), lossSums[t] / labelled[t]);
                }
                weights.put(tasks.get(t), stepsTaken == 0 ? Double.NaN : weightSums[t] / stepsTaken);
            }
            weighting.afterEpoch(epoch, losses);
            return new EpochLoop.Updates(losses, weights);
        }

        @Override
        public EpochLoop.Evaluation evaluate() {
            if (validation == null) {
                return new EpochLoop.Evaluation(Map.of(), Map.of());
            }
            validated = true;
            TaskFigures figures = SparkBackend.figures(spark, model, validation, true);
            Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
            for (Map.Entry<String, TaskMetrics> task : figures.metrics(model.tasks(), metricUnits).entrySet()) {
                if (task.getValue() != null) {
                    metrics.put(task.getKey(), task.getValue().metrics());
                }
            }
            return new EpochLoop.Evaluation(figures.meanLosses(model.taskNames()), metrics);
        }

        @Override
        public boolean validates() {
            return validated || validation != null;
        }
    }
}
