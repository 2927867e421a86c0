package io.github.mtldl4j.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidLabelsException;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/** {@link MultiTaskModel#fit} checks labels on every call; a task's soft-label opt-out is saved with the model. */
class LabelCheckTest {
    private static final int ROWS = 6;
    private static final Task PRICE = Task.regression("price");
    private static final Task CHURN = Task.binary("churn");
    private static final Task SEGMENT = Task.multiclass("segment", 3);

    @TempDir
    Path dir;

    private static MultiTaskModel model(Task... tasks) {
        return MultiTaskGraphBuilder.forInputs(4).sharedLayers(5).updater(new Adam(0.01)).seed(3).tasks(tasks).build();
    }

    /** Seeded features, price and churn labels, and the given segment labels (FLOAT, ROWS rows). */
    private static MultiDataSet batch(double[][] churn, double[][] segment) {
        Random random = new Random(11);
        double[][] x = new double[ROWS][4];
        double[][] price = new double[ROWS][1];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < 4; c++) {
                x[r][c] = random.nextGaussian();
            }
            price[r][0] = random.nextGaussian();
        }
        return new MultiDataSet(new INDArray[] {floats(x)}, new INDArray[] {floats(price), floats(churn), floats(segment)});
    }

    private static INDArray floats(double[][] values) {
        return Nd4j.create(values).castTo(DataType.FLOAT);
    }

    private static double[][] hardChurn() {
        return new double[][] {{0}, {1}, {1}, {0}, {1}, {0}};
    }

    private static double[][] oneHot() {
        double[][] y = new double[ROWS][3];
        for (int r = 0; r < ROWS; r++) {
            y[r][r % 3] = 1;
        }
        return y;
    }

    @Test
    void fitRefusesTheQuickstartsLabelsBeforeAnyStep() {
        MultiTaskModel model = model(PRICE, CHURN, SEGMENT);
        INDArray before = model.graph().params().dup();
        double[][] allOnes = new double[ROWS][];
        java.util.Arrays.setAll(allOnes, r -> new double[] {1, 1, 1});
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class, () -> model.fit(batch(hardChurn(), allOnes)));
        assertTrue(e.getMessage().startsWith("task 'segment' (multiclass, 3 classes), row 0 of the batch: labels [1, 1, 1] are not "
                + "one-hot"), e.getMessage());
        assertEquals(before, model.graph().params(), "nothing trained");
        assertEquals(0, model.graph().getConfiguration().getIterationCount());

        model.fit(batch(hardChurn(), oneHot()));
        assertNotEquals(before, model.graph().params(), "one-hot labels train");
    }

    @Test
    void everyCallIsCheckedNotOnlyTheFirst() {
        MultiTaskModel model = model(PRICE, CHURN, SEGMENT);
        model.fit(batch(hardChurn(), oneHot()));
        double[][] churn = hardChurn();
        churn[5][0] = 2;
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class, () -> model.fit(batch(churn, oneHot())));
        assertTrue(e.getMessage().startsWith("task 'churn' (binary), row 5 of the batch: label 2 is not 0 or 1"), e.getMessage());
    }

    @Test
    void anEpochOverAnIteratorChecksEachBatch() {
        double[][] segment = oneHot();
        segment[4] = new double[] {0, 0, 0};
        MultiDataSet data = batch(hardChurn(), segment);
        MultiTaskModel model = model(PRICE, CHURN, SEGMENT);
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class,
                () -> model.fit(new InMemoryMultiDataSetIterator(data, 3)));
        assertTrue(e.getMessage().contains("row 1 of batch 1 of this epoch"), e.getMessage());

        // A source that DL4J would prefetch on its own thread: the refusal still reaches the caller as such.
        InvalidLabelsException prefetched = assertThrows(InvalidLabelsException.class,
                () -> model.fit(new Prefetchable(new InMemoryMultiDataSetIterator(data, 3))));
        assertEquals(e.getMessage(), prefetched.getMessage());
        INDArray before = model.graph().params().dup();
        model.fit(new Prefetchable(new InMemoryMultiDataSetIterator(batch(hardChurn(), oneHot()), 3)));
        assertNotEquals(before, model.graph().params(), "valid batches train");
        assertEquals(1 + 1 + 2, model.graph().getConfiguration().getIterationCount(),
                "one step on the valid batch before each refusal, then two");
    }

    @Test
    void softLabelsNeedTheOptOutAndItSurvivesSaveAndLoad() throws IOException {
        double[][] soft = new double[ROWS][];
        java.util.Arrays.setAll(soft, r -> new double[] {0.8, 0.1, 0.1});
        double[][] softChurn = {{0.9}, {0.1}, {0.5}, {0}, {1}, {0.2}};
        MultiDataSet data = batch(softChurn, soft);
        assertThrows(InvalidLabelsException.class, () -> model(PRICE, CHURN, SEGMENT).fit(data));
        assertThrows(InvalidLabelsException.class, () -> model(PRICE, CHURN, SEGMENT.withSoftLabels()).fit(data), "churn is hard");

        MultiTaskModel model = model(PRICE, CHURN.withSoftLabels().withWeight(0.5), SEGMENT.withSoftLabels().withHead(3));
        model.fit(data);
        Path file = dir.resolve("soft.zip");
        model.save(file);
        MultiTaskModel loaded = MultiTaskModel.load(file);
        assertEquals(List.of(false, true, true), loaded.tasks().stream().map(Task::softLabels).toList());
        assertEquals(List.of(3), loaded.task("segment").headWidths());
        loaded.fit(data);
    }

    @Test
    void aModelSavedBeforeSoftLabelsExistedLoadsWithHardLabels() throws IOException {
        Path file = dir.resolve("model.zip");
        model(PRICE, CHURN.withSoftLabels(), SEGMENT.withSoftLabels()).save(file);
        Path old = dir.resolve("old.zip");
        ObjectMapper json = new ObjectMapper();
        // The metadata as an earlier version wrote it: no "soft_labels" field. One pass with ZipOutputStream (docs/dl4j-notes.md).
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(old))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (entry.getName().equals(ModelMetadata.ENTRY)) {
                    ObjectNode root = (ObjectNode) json.readTree(bytes);
                    root.withArray("tasks").forEach(t -> assertTrue(((ObjectNode) t).remove("soft_labels") != null));
                    bytes = json.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
                    assertFalse(new String(bytes, StandardCharsets.UTF_8).contains("soft"));
                }
                out.putNextEntry(new ZipEntry(entry.getName()));
                out.write(bytes);
                out.closeEntry();
            }
        }
        MultiTaskModel loaded = MultiTaskModel.load(old);
        assertEquals(List.of(false, false, false), loaded.tasks().stream().map(Task::softLabels).toList());
        double[][] soft = new double[ROWS][];
        java.util.Arrays.setAll(soft, r -> new double[] {0.8, 0.1, 0.1});
        assertThrows(InvalidLabelsException.class, () -> loaded.fit(batch(hardChurn(), soft)));
        loaded.fit(batch(hardChurn(), oneHot()));
    }

    /** An iterator that offers asynchronous prefetch, as file-backed DL4J iterators do. */
    private static final class Prefetchable implements MultiDataSetIterator {
        private final MultiDataSetIterator source;

        Prefetchable(MultiDataSetIterator source) {
            this.source = source;
        }

        @Override
        public org.nd4j.linalg.dataset.api.MultiDataSet next(int num) {
            return source.next(num);
        }

        @Override
        public org.nd4j.linalg.dataset.api.MultiDataSet next() {
            return source.next();
        }

        @Override
        public boolean hasNext() {
            return source.hasNext();
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
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return true;
        }

        @Override
        public void reset() {
            source.reset();
        }
    }
}
