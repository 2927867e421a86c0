package io.github.mtldl4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.gradient.DbMtl;
import io.github.mtldl4j.gradient.ExcessMtl;
import io.github.mtldl4j.gradient.GradVac;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.MoCo;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.gradient.SdmGrad;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.Famo;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.ImtlL;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.RandomLossWeighting;
import io.github.mtldl4j.weighting.SmoothTchebycheff;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Stopping after epoch k and resuming to epoch n gives exactly the parameters, optimizer state and history of an
 * uninterrupted n-epoch run with the same seed; a corrupt newest checkpoint is skipped for the one before.
 */
class CheckpointResumeTest {
    private static final List<Task> TASKS = List.of(Task.regression("price"), Task.binary("churn"), Task.multiclass("segment", 3));
    private static final int INPUTS = 4;
    private static final int EPOCHS = 4;
    private static final int STOP_AFTER = 2;

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiTaskModel model(boolean dropout) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(6, 5).activation(Activation.TANH)
                .updater(new Adam(0.02)).dataType(DataType.DOUBLE).seed(3).tasks(TASKS.toArray(Task[]::new));
        if (dropout) {
            builder.dropout(0.2);
        }
        return builder.build();
    }

    private static InMemoryMultiDataSetIterator shuffled(long seed) {
        return new InMemoryMultiDataSetIterator(TestData.batch(TASKS, INPUTS, 48, seed), 8, 11L);
    }

    /** name, weighting, with PCGrad, with dropout, with early stopping. */
    static Stream<Arguments> runs() {
        return Stream.of(
                Arguments.of("fixed", (Supplier<LossWeighting>) FixedWeighting::new, false, false, false),
                Arguments.of("dwa", (Supplier<LossWeighting>) DynamicWeightAverage::new, false, false, false),
                Arguments.of("uncertainty + dropout", (Supplier<LossWeighting>) UncertaintyWeighting::new, false, true, false),
                Arguments.of("rlw + early stopping", (Supplier<LossWeighting>) RandomLossWeighting::new, false, false, true),
                Arguments.of("gradnorm", (Supplier<LossWeighting>) GradNorm::new, false, false, false),
                Arguments.of("pcgrad", (Supplier<LossWeighting>) FixedWeighting::new, true, false, false),
                Arguments.of("famo", (Supplier<LossWeighting>) Famo::new, false, false, false),
                Arguments.of("imtl-l", (Supplier<LossWeighting>) ImtlL::new, false, false, false),
                // Dropout on the output layers too (tasks without heads); the nadir is set at the checkpoint, after epoch 2.
                Arguments.of("stch + dropout", (Supplier<LossWeighting>) () -> new SmoothTchebycheff(1.0, 2), false, true, false));
    }

    private static MultiTaskTrainer.Builder trainer(MultiTaskModel model, int epochs, Supplier<LossWeighting> weighting, boolean pcgrad,
                                                    boolean earlyStopping) {
        MultiTaskTrainer.Builder builder = MultiTaskTrainer.builder(model).epochs(epochs).seed(5).weighting(weighting.get());
        if (pcgrad) {
            builder.aggregator(new PcGrad());
        }
        if (earlyStopping) {
            builder.earlyStopping(1);
        }
        return builder;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void resumedRunEqualsUninterruptedRun(String name, Supplier<LossWeighting> weighting, boolean pcgrad, boolean dropout,
                                          boolean earlyStopping) throws Exception {
        MultiTaskModel uninterrupted = model(dropout);
        TrainingHistory full = trainer(uninterrupted, EPOCHS, weighting, pcgrad, earlyStopping)
                .build().fit(shuffled(1), shuffled(2));

        Path checkpoints = dir.resolve("checkpoints");
        MultiTaskModel first = model(dropout);
        trainer(first, STOP_AFTER, weighting, pcgrad, earlyStopping).checkpoints(checkpoints, 1).build().fit(shuffled(1), shuffled(2));
        // A fresh model and fresh iterators, as in a new process: everything else comes from the checkpoint.
        Nd4j.getRandom().setSeed(999);
        MultiTaskModel resumed = model(dropout);
        TrainingHistory continued = trainer(resumed, EPOCHS, weighting, pcgrad, earlyStopping).checkpoints(checkpoints, 1)
                .resumeFrom(checkpoints).build().fit(shuffled(1), shuffled(2));

        assertArrayEquals(uninterrupted.graph().params().toDoubleVector(), resumed.graph().params().toDoubleVector(), 0.0, name);
        assertArrayEquals(uninterrupted.graph().getUpdater().getStateViewArray().toDoubleVector(),
                resumed.graph().getUpdater().getStateViewArray().toDoubleVector(), 0.0, name + " optimizer state");
        assertEquals(full.epochs().size(), continued.epochs().size(), name);
        for (int e = 0; e < full.epochs().size(); e++) {
            EpochReport a = full.epochs().get(e);
            EpochReport b = continued.epochs().get(e);
            assertEquals(a.epoch(), b.epoch());
            assertEquals(a.best(), b.best());
            assertEquals(a.criterion(), b.criterion(), 0.0);
            for (Task task : TASKS) {
                assertEquals(a.task(task.name()).trainLoss(), b.task(task.name()).trainLoss(), 0.0, name + " epoch " + a.epoch());
                assertEquals(a.task(task.name()).weight(), b.task(task.name()).weight(), 0.0, name + " epoch " + a.epoch());
            }
        }
        if (!earlyStopping) {
            assertEquals(List.of("checkpoint-epoch-000004.zip", "checkpoint-epoch-000003.zip"),
                    new CheckpointDirectory(checkpoints).checkpoints().stream().map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(Files.isRegularFile(checkpoints.resolve(CheckpointDirectory.BEST)));
    }

    @Test
    void resumingIsNotALongerRun() throws Exception {
        // Guard against a test that passes trivially: a model trained 2 epochs then 5 more from scratch differs. The last
        // epoch's parameters are compared (by default both would keep their best epoch, which can be the same early one).
        MultiTaskModel uninterrupted = model(false);
        trainer(uninterrupted, EPOCHS, FixedWeighting::new, false, false).keep(KeptParameters.LAST).build().fit(shuffled(1), shuffled(2));
        MultiTaskModel restarted = model(false);
        trainer(restarted, EPOCHS - STOP_AFTER, FixedWeighting::new, false, false).keep(KeptParameters.LAST).build()
                .fit(shuffled(1), shuffled(2));
        assertFalse(java.util.Arrays.equals(uninterrupted.graph().params().toDoubleVector(), restarted.graph().params().toDoubleVector()));
    }

    @Test
    void corruptNewestCheckpointIsSkippedForThePreviousOne() throws Exception {
        Path checkpoints = dir.resolve("c");
        trainer(model(false), 3, DynamicWeightAverage::new, false, false).checkpoints(checkpoints, 1).build()
                .fit(shuffled(1), shuffled(2));
        CheckpointDirectory directory = new CheckpointDirectory(checkpoints);
        Path newest = directory.checkpoints().get(0);
        assertEquals("checkpoint-epoch-000003.zip", newest.getFileName().toString());
        byte[] bytes = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // truncated, as by a crash of a non-atomic write

        MultiTaskModel resumed = model(false);
        TrainingHistory history = trainer(resumed, 3, DynamicWeightAverage::new, false, false).resumeFrom(checkpoints).build()
                .fit(shuffled(1), shuffled(2));
        assertEquals(3, history.epochs().size());
        assertTrue(Files.exists(checkpoints.resolve("checkpoint-epoch-000003.zip.corrupt")), "the corrupt file is set aside");
        MultiTaskModel uninterrupted = model(false);
        trainer(uninterrupted, 3, DynamicWeightAverage::new, false, false).build().fit(shuffled(1), shuffled(2));
        assertArrayEquals(uninterrupted.graph().params().toDoubleVector(), resumed.graph().params().toDoubleVector(), 0.0);
    }

    @Test
    void flippedByteFailsTheChecksum() throws Exception {
        Path checkpoints = dir.resolve("f");
        trainer(model(false), 1, FixedWeighting::new, false, false).checkpoints(checkpoints, 1).build().fit(shuffled(1), null);
        Path only = new CheckpointDirectory(checkpoints).checkpoints().get(0);
        CheckpointDirectory.read(only);
        // Rewrite the trainer entry with one changed character but keep the manifest: the zip is valid, the checksum is not.
        java.util.Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(only))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        byte[] trainer = entries.get("trainer.json");
        trainer[trainer.length / 2] ^= 1;
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(only))) {
            for (var e : entries.entrySet()) {
                out.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        java.io.IOException failure = assertThrows(java.io.IOException.class, () -> CheckpointDirectory.read(only));
        assertTrue(failure.getMessage().contains("SHA-256 of trainer.json"), failure.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () ->
                trainer(model(false), 2, FixedWeighting::new, false, false).resumeFrom(checkpoints).build().fit(shuffled(1), null));
        assertTrue(none.getMessage().contains("No usable checkpoint"), none.getMessage());
    }

    @Test
    void resumeRefusesAnotherModelOrMethod() throws Exception {
        Path checkpoints = dir.resolve("m");
        trainer(model(false), 1, FixedWeighting::new, false, false).checkpoints(checkpoints, 1).build().fit(shuffled(1), null);
        MultiTaskModel wider = MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(7, 5).dataType(DataType.DOUBLE)
                .tasks(TASKS.toArray(Task[]::new)).build();
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () ->
                MultiTaskTrainer.builder(wider).epochs(2).resumeFrom(checkpoints).build().fit(shuffled(1), null));
        assertTrue(other.getMessage().contains("another model"), other.getMessage());
        IllegalArgumentException method = assertThrows(IllegalArgumentException.class, () ->
                trainer(model(false), 2, DynamicWeightAverage::new, false, false).resumeFrom(checkpoints).build().fit(shuffled(1), null));
        assertTrue(method.getMessage().contains("'fixed'") && method.getMessage().contains("'dwa'"), method.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () ->
                trainer(model(false), 2, FixedWeighting::new, false, false).resumeFrom(dir.resolve("nothing")).build().fit(shuffled(1), null));
        assertTrue(empty.getMessage().contains("No checkpoint to resume from"), empty.getMessage());
    }

    /** GradVac's target cosines travel in the checkpoint: resuming gives the uninterrupted run's parameters exactly. */
    @Test
    void gradVacTargetsAreResumed() throws Exception {
        MultiTaskModel uninterrupted = model(false);
        MultiTaskTrainer.builder(uninterrupted).epochs(EPOCHS).seed(5).aggregator(new GradVac(0.5)).build().fit(shuffled(1), null);
        Path checkpoints = dir.resolve("gradvac");
        MultiTaskTrainer.builder(model(false)).epochs(STOP_AFTER).seed(5).aggregator(new GradVac(0.5)).checkpoints(checkpoints, 1)
                .build().fit(shuffled(1), null);
        MultiTaskModel resumed = model(false);
        MultiTaskTrainer.builder(resumed).epochs(EPOCHS).seed(5).aggregator(new GradVac(0.5)).resumeFrom(checkpoints).build()
                .fit(shuffled(1), null);
        assertArrayEquals(uninterrupted.graph().params().toDoubleVector(), resumed.graph().params().toDoubleVector(), 0.0);
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> MultiTaskTrainer.builder(model(false))
                .epochs(EPOCHS).seed(5).aggregator(new PcGrad()).resumeFrom(checkpoints).build().fit(shuffled(1), null));
        assertTrue(other.getMessage().startsWith("pcgrad: ") && other.getMessage().contains("[targets]"), other.getMessage());
    }

    /** The K x S gradient buffers of DB-MTL, ExcessMTL and MoCo travel in the checkpoint: resuming is exact. */
    @Test
    void gradientBuffersAreResumed() throws Exception {
        for (java.util.function.Supplier<GradientAggregator> method : List.<java.util.function.Supplier<GradientAggregator>>of(
                DbMtl::new, () -> new ExcessMtl(0.5), MoCo::new)) {
            MultiTaskModel uninterrupted = model(false);
            MultiTaskTrainer.builder(uninterrupted).epochs(EPOCHS).seed(5).aggregator(method.get()).build().fit(shuffled(1), null);
            Path checkpoints = dir.resolve(method.get().name());
            MultiTaskTrainer.builder(model(false)).epochs(STOP_AFTER).seed(5).aggregator(method.get()).checkpoints(checkpoints, 1)
                    .build().fit(shuffled(1), null);
            MultiTaskModel resumed = model(false);
            MultiTaskTrainer.builder(resumed).epochs(EPOCHS).seed(5).aggregator(method.get()).resumeFrom(checkpoints).build()
                    .fit(shuffled(1), null);
            assertArrayEquals(uninterrupted.graph().params().toDoubleVector(), resumed.graph().params().toDoubleVector(), 0.0,
                    method.get().name());
        }
    }

    /**
     * SDMGrad's weights travel in the checkpoint, and the seeded split of each batch repeats: resuming is exact (MoDo keeps
     * its weights the same way: MoDoTest resumes them).
     */
    @Test
    void sampledWeightsAreResumed() throws Exception {
        for (Supplier<GradientAggregator> method : List.<Supplier<GradientAggregator>>of(SdmGrad::new)) {
            MultiTaskModel uninterrupted = model(false);
            MultiTaskTrainer.builder(uninterrupted).epochs(EPOCHS).seed(5).aggregator(method.get()).build().fit(shuffled(1), null);
            Path checkpoints = dir.resolve(method.get().name());
            MultiTaskTrainer.builder(model(false)).epochs(STOP_AFTER).seed(5).aggregator(method.get()).checkpoints(checkpoints, 1)
                    .build().fit(shuffled(1), null);
            MultiTaskModel resumed = model(false);
            MultiTaskTrainer.builder(resumed).epochs(EPOCHS).seed(5).aggregator(method.get()).resumeFrom(checkpoints).build()
                    .fit(shuffled(1), null);
            assertArrayEquals(uninterrupted.graph().params().toDoubleVector(), resumed.graph().params().toDoubleVector(), 0.0,
                    method.get().name());
        }
    }
}
