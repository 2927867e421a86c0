package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.model.MultiTaskModel;

/**
 * Where the epochs of an {@link EpochwiseTrainer} run: several devices of one machine
 * ({@link ParallelWrapperBackend}) or a Spark cluster ({@code io.github.mtldl4j.spark.SparkBackend}).
 */
public interface DataParallelBackend {

    /**
     * One pass over the training data with the model's current configuration (its task weights included), the
     * averaged parameters and updater state left in {@code model}.
     */
    void fitEpoch(MultiTaskModel model, int epoch);

    /** The model's figures on the training data: losses only. */
    TaskFigures trainingFigures(MultiTaskModel model);

    /** The model's figures on the validation data, with predictions for metrics; null if there is no validation data. */
    TaskFigures validationFigures(MultiTaskModel model);

    /** Short description for logs and reports, e.g. {@code spark local[2]} or {@code 2 workers}. */
    String describe();
}
