package io.github.mtldl4j.train;

import io.github.mtldl4j.data.LabelCoverage;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Each task's loss as a mean over its labelled rows, unweighted, in inference mode (no dropout): the validation
 * loss of {@link TrainingHistory}, {@code metrics.json}'s {@code loss} and {@code mtl evaluate}'s are this number.
 * Regression losses are in training units (standardized targets).
 */
public final class MeanTaskLosses {
    private MeanTaskLosses() {
    }

    /**
     * The mean losses of {@code model} on every batch of {@code data} (reset first). The model's task weights are set
     * to N / labelled rows per batch while scoring, and put back afterwards. Graphs the direct training step takes are
     * scored by its forward pass in inference mode ({@link DirectTrainingStep#scores}: the losses equal DL4J's within
     * float rounding; DL4J's {@code score} computes each output layer's product twice and goes through its workspaces),
     * others by DL4J's {@code ComputationGraph.score}.
     *
     * @return by task name in task order; NaN for a task without any labelled row
     */
    public static Map<String, Double> of(MultiTaskModel model, MultiDataSetIterator data) {
        List<String> tasks = model.taskNames();
        Map<String, Double> saved = model.weights().asMap();
        double[] sums = new double[tasks.size()];
        long[] counts = new long[tasks.size()];
        // Its own step (own buffers) for the validation batches' size, not the training step's.
        DirectTrainingStep direct = DirectTrainingStep.forLibraryGraph(model.graph());
        try {
            data.reset();
            while (data.hasNext()) {
                MultiDataSet batch = data.next();
                LabelCoverage coverage = LabelCoverage.of(batch);
                for (int t = 0; t < tasks.size(); t++) {
                    model.weights().set(tasks.get(t), coverage.factor(t));
                }
                double[] scores = scores(model, direct, batch);
                for (int t = 0; t < tasks.size(); t++) {
                    if (coverage.labelled(t) > 0) {
                        sums[t] += scores[t] * coverage.labelled(t);
                        counts[t] += coverage.labelled(t);
                    }
                }
            }
        } finally {
            model.weights().setAll(saved);
        }
        Map<String, Double> means = new LinkedHashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            means.put(tasks.get(t), counts[t] == 0 ? Double.NaN : sums[t] / counts[t]);
        }
        return means;
    }

    /**
     * Each output's score on {@code batch} in inference mode at the loss weights as they are, without the regularization
     * term: by {@code direct}'s forward pass when it is not null and takes the batch, else by DL4J's
     * {@code ComputationGraph.score}.
     */
    static double[] scores(MultiTaskModel model, DirectTrainingStep direct, MultiDataSet batch) {
        if (direct != null && DirectTrainingStep.accepts(batch)) {
            return direct.scores(batch);
        }
        model.graph().score(batch, false);
        model.graph().clearLayerMaskArrays();
        double regularization = model.graph().calcRegularizationScore(true);
        double[] scores = new double[model.taskNames().size()];
        for (int t = 0; t < scores.length; t++) {
            scores[t] = model.graph().getOutputLayer(t).score() - (t == 0 ? regularization : 0.0);
        }
        return scores;
    }
}
