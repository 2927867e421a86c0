package io.github.mtldl4j.scaleout;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.model.MultiTaskModel;
import java.util.Objects;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Epochs on several devices of one machine with DL4J's {@code ParallelWrapper}: one model replica per worker (per
 * GPU, or per CPU socket), each fitting its own minibatches, parameters and updater state averaged every
 * {@code averagingFrequency} minibatches per worker. Evaluation runs on the driver's model.
 *
 * <p>A new wrapper is made for every epoch, so the replicas start from the driver's model with the epoch's task
 * weights (a replica's loss functions are copies, made when it is cloned).
 */
public final class ParallelWrapperBackend implements DataParallelBackend {
    private final MultiDataSet train;
    private final MultiDataSet validation;
    private final int workers;
    private final int batch;
    private final int averagingFrequency;
    private final long seed;

    /**
     * @param train the training rows (label masks for missing labels)
     * @param validation the validation rows, or null
     * @param workers model replicas trained in parallel (>= 1)
     * @param batch minibatch rows per replica step
     * @param averagingFrequency minibatches each replica fits between averagings (>= 1)
     * @param seed seed of the per-epoch shuffling
     */
    public ParallelWrapperBackend(MultiDataSet train, MultiDataSet validation, int workers, int batch, int averagingFrequency, long seed) {
        this.train = Objects.requireNonNull(train, "train");
        this.validation = validation;
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, received " + workers + ".");
        }
        if (batch < 1 || averagingFrequency < 1) {
            throw new IllegalArgumentException("batch and averaging frequency must be >= 1, received " + batch + " and "
                    + averagingFrequency + ".");
        }
        this.workers = workers;
        this.batch = batch;
        this.averagingFrequency = averagingFrequency;
        this.seed = seed;
    }

    @Override
    public void fitEpoch(MultiTaskModel model, int epoch) {
        ParallelWrapper wrapper = new ParallelWrapper.Builder<>(model.graph())
                .workers(workers)
                .prefetchBuffer(2 * workers)
                .averagingFrequency(averagingFrequency)
                .averageUpdaters(true)
                .reportScoreAfterAveraging(false)
                .trainingMode(ParallelWrapper.TrainingMode.AVERAGING)
                .build();
        try {
            wrapper.fit(new InMemoryMultiDataSetIterator(train, batch, seed + epoch));
        } finally {
            wrapper.shutdown();
        }
    }

    @Override
    public TaskFigures trainingFigures(MultiTaskModel model) {
        return TaskFigures.of(model, new InMemoryMultiDataSetIterator(train, 1024), false);
    }

    @Override
    public TaskFigures validationFigures(MultiTaskModel model) {
        return validation == null ? null : TaskFigures.of(model, new InMemoryMultiDataSetIterator(validation, 1024), true);
    }

    @Override
    public String describe() {
        return workers + " ParallelWrapper workers";
    }
}
