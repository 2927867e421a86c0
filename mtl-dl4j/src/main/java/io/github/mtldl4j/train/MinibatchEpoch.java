package io.github.mtldl4j.train;

import io.github.mtldl4j.data.InvalidLabelsException;
import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.data.LabelValidator;
import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.eval.MultiTaskEvaluation;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.weighting.StepObservation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * {@link MultiTaskTrainer}'s {@link EpochLoop.Step}: one optimizer step per training minibatch with the trainer's loss
 * weighting (and aggregator), then the evaluation on the validation data, or without it the training data.
 *
 * <p>A step with a loss weighting alone is one plain {@code fit} of the graph with the step's weights (or the same
 * arithmetic in a {@link DirectTrainingStep}); with per-task gradients (an aggregator, or GradNorm's norms) the
 * {@link TaskGradientEngine} combines them and the combined gradient goes through the graph's own updater.
 *
 * <p>A weighting whose weights depend on the step's own losses ({@link io.github.mtldl4j.weighting.LossWeighting#weighsByStepLosses},
 * GLS, FAMO, STCH) gets them from the direct step's forward pass, between its forward and backward passes; on the other
 * routes the batch is scored first, in inference mode. One that needs the losses after the update (FAMO) gets the
 * batch scored again after it.
 */
final class MinibatchEpoch implements EpochLoop.Step {
    private final MultiTaskTrainer trainer;
    private final MultiTaskModel model;
    private final List<String> tasks;
    private final MultiDataSetIterator train;
    private final MultiDataSetIterator valid;
    private final Random random;
    /** The per-task gradients, or null when a step is a plain (weighted) fit. */
    private final TaskGradientEngine engine;
    /** The direct step for plain steps on this graph, or null: {@code ComputationGraph.fit}. */
    private final DirectTrainingStep direct;
    private final AffinityProbe probe;
    private final LabelValidator labelCheck;
    private TrainingState lastGood;
    private boolean firstPass = true;

    MinibatchEpoch(MultiTaskTrainer trainer, MultiTaskModel model, MultiDataSetIterator train, MultiDataSetIterator valid, Random random) {
        this.trainer = trainer;
        this.model = model;
        this.tasks = model.taskNames();
        this.train = train;
        this.valid = valid;
        this.random = random;
        boolean perTaskGradients = trainer.aggregator != null || trainer.weighting.needsSharedGradientNorms();
        this.engine = perTaskGradients ? new TaskGradientEngine(model, trainer.directSteps) : null;
        if (trainer.aggregator != null && trainer.aggregator.usesRepresentationGradients() && !engine.hasRepresentationTap()) {
            throw new IllegalArgumentException("Aggregator '" + trainer.aggregator.name() + "' works on gradients with respect to the "
                    + "shared representation, but the graph has no representation tap: build it with hard sharing and "
                    + "MultiTaskGraphBuilder.representationTap(), or use the aggregator's parameter-gradient variant.");
        }
        if (trainer.weighting.needsSharedGradientNorms() && !engine.ranges().hasShared()) {
            throw new IllegalArgumentException("Weighting '" + trainer.weighting.name() + "' balances gradient norms on the last shared "
                    + "layer, but sharing mode '" + model.layout().sharing() + "' has no shared layer: use hard sharing, "
                    + "or a weighting that sees losses only (fixed, uncertainty, dwa, rlw).");
        }
        this.direct = engine == null && trainer.directSteps ? DirectTrainingStep.forLibraryGraph(model.graph()) : null;
        if (trainer.gateUtilization) {
            GateUtilization.gatesOf(model);
        }
        this.probe = trainer.affinityEvery > 0 ? new AffinityProbe(model, trainer.affinityEvery) : null;
        this.labelCheck = new LabelValidator(model.tasks());
    }

    @Override
    public EpochLoop.Updates update(int epoch) {
        if (lastGood == null) {
            lastGood = TrainingState.of(model.graph());
        } else {
            lastGood.keep(model.graph());
        }
        EpochAccumulator accumulator = new EpochAccumulator(tasks);
        if (probe != null) {
            probe.startEpoch();
        }
        train.reset();
        long batchIndex = 0;
        try {
            while (train.hasNext()) {
                MultiDataSet batch = train.next();
                if (firstPass) {
                    labelCheck.check(batch, batchIndex++, "the trainer's first pass over the training data");
                }
                step(batch, accumulator, epoch);
            }
        } catch (TrainingDivergedException | InvalidLabelsException e) {
            // Diverged: back to the last complete epoch; bad labels (first pass only): back to before this fit.
            lastGood.restore(model.graph());
            throw e;
        }
        firstPass = false;
        Map<String, Double> losses = accumulator.meanLosses();
        trainer.weighting.afterEpoch(epoch, losses);
        return new EpochLoop.Updates(losses, accumulator.meanWeights());
    }

    @Override
    public EpochLoop.Evaluation evaluate() {
        Map<String, Double> losses = valid == null ? Map.of() : MeanTaskLosses.of(model, valid);
        Map<String, Map<String, Double>> metrics = !trainer.metrics ? Map.of()
                : MultiTaskEvaluation.evaluate(model, valid != null ? valid : train, trainer.metricUnits).metricsByTask();
        return new EpochLoop.Evaluation(losses, metrics);
    }

    @Override
    public boolean validates() {
        return valid != null;
    }

    @Override
    public EpochReport complete(EpochReport r) {
        GateUtilization gates = trainer.gateUtilization ? GateUtilization.of(model, valid != null ? valid : train) : null;
        return new EpochReport(r.epoch(), r.tasks(), r.criterion(), r.seconds(), r.best(), gates,
                probe == null ? null : probe.endEpoch());
    }

    private void step(MultiDataSet batch, EpochAccumulator accumulator, int epoch) {
        int k = tasks.size();
        LabelCoverage coverage = LabelCoverage.of(batch);
        boolean byStepLosses = trainer.weighting.weighsByStepLosses();
        Map<String, Double> weights = byStepLosses ? null : trainer.weighting.nextStepWeights();
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
        Map<String, Double> stepLosses = null;
        if (byStepLosses && (engine != null || direct == null || !DirectTrainingStep.accepts(batch))) {
            stepLosses = currentLosses(batch, coverage);
            checkFinite(stepLosses, epoch);
            weights = checkedStepWeights(stepLosses);
        }
        if (engine == null) {
            // Each output's score: its weighted loss over the batch divided by the batch size, without regularization.
            double[] scores = new double[k];
            if (byStepLosses && stepLosses == null) {
                // The direct step's own forward pass gives the losses (weight 1 per labelled row), then the weights.
                setWeights(ones(), coverage);
                List<Map<String, Double>> chosen = new ArrayList<>(1);
                double[] unweighted = direct.fit(batch, s -> {
                    Map<String, Double> before = labelledLosses(s, coverage);
                    checkFinite(before, epoch);
                    chosen.add(checkedStepWeights(before));
                    setWeights(chosen.get(0), coverage);
                });
                weights = chosen.get(0);
                stepLosses = labelledLosses(unweighted, coverage);
            } else if (direct != null && DirectTrainingStep.accepts(batch)) {
                setWeights(weights, coverage);
                scores = direct.fit(batch);
            } else {
                setWeights(weights, coverage);
                model.graph().fit(batch);
                double regularization = model.graph().calcRegularizationScore(true);
                for (int t = 0; t < k; t++) {
                    scores[t] = model.graph().getOutputLayer(t).score() - (t == 0 ? regularization : 0.0);
                }
            }
            if (stepLosses != null) {
                losses.putAll(stepLosses);
            } else {
                for (int t = 0; t < k; t++) {
                    if (weights.get(tasks.get(t)) * coverage.factor(t) > 0) {
                        losses.put(tasks.get(t), scores[t] / weights.get(tasks.get(t)));
                    }
                }
            }
            checkFinite(losses, epoch);
        } else {
            double[] w = new double[k];
            for (int t = 0; t < k; t++) {
                w[t] = coverage.labelled(t) > 0 ? weights.get(tasks.get(t)) : 0.0;
            }
            TaskGradientEngine.Combined step = engine.combine(batch, coverage, w, trainer.aggregator,
                    trainer.representationShortcut, trainer.weighting.needsSharedGradientNorms(), random);
            for (int t = 0; t < k; t++) {
                if (coverage.labelled(t) > 0) {
                    losses.put(tasks.get(t), step.losses()[t]);
                }
            }
            checkFinite(losses, epoch);
            if (step.sharedNorms() != null) {
                norms = new LinkedHashMap<>();
                for (int t = 0; t < k; t++) {
                    norms.put(tasks.get(t), step.sharedNorms()[t]);
                }
            }
            engine.apply(step.gradient(), (int) coverage.rows(), step.score());
        }
        Map<String, Double> after = null;
        if (trainer.weighting.needsLossesAfterStep()) {
            Map<String, Double> stepWeights = model.weights().asMap();
            after = currentLosses(batch, coverage);
            model.weights().setAll(stepWeights);
            after.keySet().retainAll(losses.keySet());
            checkFinite(after, epoch);
        }
        accumulator.add(losses, weights, coverage);
        trainer.weighting.afterStep(new StepObservation(losses, weights, norms, after));
        for (StepListener listener : trainer.stepListeners) {
            listener.stepDone(epoch, losses);
        }
    }

    /** Sets the model's loss weights to {@code weights} times each task's coverage factor (a mean over labelled rows). */
    private void setWeights(Map<String, Double> weights, LabelCoverage coverage) {
        for (int t = 0; t < tasks.size(); t++) {
            model.weights().set(tasks.get(t), weights.get(tasks.get(t)) * coverage.factor(t));
        }
    }

    private Map<String, Double> ones() {
        Map<String, Double> ones = new LinkedHashMap<>();
        tasks.forEach(t -> ones.put(t, 1.0));
        return ones;
    }

    /** Scores taken at weight 1 per labelled row: the labelled tasks' mean losses, by task. */
    private Map<String, Double> labelledLosses(double[] scores, LabelCoverage coverage) {
        Map<String, Double> losses = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            if (coverage.labelled(t) > 0) {
                losses.put(tasks.get(t), scores[t]);
            }
        }
        return losses;
    }

    /**
     * The labelled tasks' mean losses on {@code batch} at the current parameters, by a forward pass: the direct step's
     * when it takes the batch, else {@code ComputationGraph.score} in inference mode. Leaves the loss weights at 1 per
     * labelled row.
     */
    private Map<String, Double> currentLosses(MultiDataSet batch, LabelCoverage coverage) {
        setWeights(ones(), coverage);
        return labelledLosses(MeanTaskLosses.scores(model, direct, batch), coverage);
    }

    /** The weighting's weights for these step losses, checked: every task, finite and {@code >= 0}. */
    private Map<String, Double> checkedStepWeights(Map<String, Double> stepLosses) {
        Map<String, Double> weights = trainer.weighting.stepWeights(stepLosses);
        for (String task : tasks) {
            Double w = weights.get(task);
            if (w == null || !Double.isFinite(w) || w < 0) {
                throw new IllegalStateException("Weighting '" + trainer.weighting.name() + "' gave task '" + task + "' the weight " + w
                        + " for the step losses " + stepLosses + "; expected a finite weight >= 0 for every task.");
            }
        }
        return weights;
    }

    /** The divergence guard: a NaN or infinite task loss stops training (the caller puts back the last good state). */
    private static void checkFinite(Map<String, Double> losses, int epoch) {
        for (Map.Entry<String, Double> loss : losses.entrySet()) {
            if (!Double.isFinite(loss.getValue())) {
                throw new TrainingDivergedException(loss.getKey(), epoch, loss.getValue(), null);
            }
        }
    }

    /** Sums of one epoch's step losses (weighted by labelled rows) and weights. */
    private static final class EpochAccumulator {
        private final List<String> tasks;
        private final Map<String, double[]> lossSums = new LinkedHashMap<>();
        private final Map<String, double[]> weightSums = new LinkedHashMap<>();

        EpochAccumulator(List<String> tasks) {
            this.tasks = tasks;
            tasks.forEach(t -> {
                lossSums.put(t, new double[2]);
                weightSums.put(t, new double[2]);
            });
        }

        void add(Map<String, Double> losses, Map<String, Double> weights, LabelCoverage coverage) {
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

        /** Per task the mean loss over its labelled rows; tasks without any absent. */
        Map<String, Double> meanLosses() {
            Map<String, Double> means = new LinkedHashMap<>();
            lossSums.forEach((task, s) -> {
                if (s[1] > 0) {
                    means.put(task, s[0] / s[1]);
                }
            });
            return means;
        }

        /** Per task the mean weight over the steps (NaN without steps). */
        Map<String, Double> meanWeights() {
            Map<String, Double> means = new LinkedHashMap<>();
            weightSums.forEach((task, s) -> means.put(task, s[1] == 0 ? Double.NaN : s[0] / s[1]));
            return means;
        }
    }
}
