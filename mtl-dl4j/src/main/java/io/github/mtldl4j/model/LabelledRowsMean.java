package io.github.mtldl4j.model;

import io.github.mtldl4j.data.LabelCoverage;
import java.util.List;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Missing labels in {@link MultiTaskModel#fit}, as in {@code MultiTaskTrainer}: each task's loss is a mean over its
 * labelled rows ({@link LabelCoverage}), so for the step on a batch a task's weight is multiplied by N/n and put back
 * afterwards, and a batch in which no task has a label is skipped. Batches without label masks train exactly as plain
 * DL4J (every factor is 1).
 */
final class LabelledRowsMean {
    private final TaskWeights weights;
    private final List<String> tasks;
    private final double[] given;

    /** Remembers the model's weights as they are now: the weights every step scales. */
    LabelledRowsMean(TaskWeights weights, List<String> tasks) {
        this.weights = weights;
        this.tasks = tasks;
        this.given = tasks.stream().mapToDouble(weights::get).toArray();
    }

    /** Sets the weights for the step on {@code batch}; false if no task has a label in it (skip the step). */
    boolean scaleFor(MultiDataSet batch) {
        LabelCoverage coverage = LabelCoverage.of(batch);
        if (!coverage.anyLabel()) {
            return false;
        }
        scale(coverage);
        return true;
    }

    private void scale(LabelCoverage coverage) {
        for (int t = 0; t < tasks.size(); t++) {
            weights.set(tasks.get(t), given[t] * coverage.factor(t));
        }
    }

    /** Puts back the weights remembered at construction. */
    void restore() {
        for (int t = 0; t < tasks.size(); t++) {
            weights.set(tasks.get(t), given[t]);
        }
    }

    /**
     * {@code source}'s batches that have some label, the weights set for each as it is returned. DL4J's {@code fit}
     * steps on a batch before asking for the next one when the iterator does not prefetch, which this one does not.
     */
    MultiDataSetIterator scaling(MultiDataSetIterator source) {
        return new MultiDataSetIterator() {
            private MultiDataSet pending;
            private LabelCoverage pendingCoverage;

            @Override
            public boolean hasNext() {
                while (pending == null && source.hasNext()) {
                    MultiDataSet batch = source.next();
                    LabelCoverage coverage = LabelCoverage.of(batch);
                    if (coverage.anyLabel()) {
                        pending = batch;
                        pendingCoverage = coverage;
                    }
                }
                return pending != null;
            }

            @Override
            public MultiDataSet next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException("no more batches with labels");
                }
                MultiDataSet batch = pending;
                pending = null;
                scale(pendingCoverage);
                return batch;
            }

            @Override
            public MultiDataSet next(int num) {
                throw new UnsupportedOperationException("next(num) is not supported; call next()");
            }

            @Override
            public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
                source.setPreProcessor(preProcessor);
            }

            @Override
            public MultiDataSetPreProcessor getPreProcessor() {
                return source.getPreProcessor();
            }

            @Override
            public boolean resetSupported() {
                return source.resetSupported();
            }

            @Override
            public boolean asyncSupported() {
                return false;
            }

            @Override
            public void reset() {
                pending = null;
                source.reset();
            }
        };
    }
}
