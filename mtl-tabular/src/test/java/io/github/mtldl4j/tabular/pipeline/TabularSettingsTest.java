package io.github.mtldl4j.tabular.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.train.KeptParameters;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link TabularTraining.Settings}' builder: every component reaches the record, and a copy keeps them all. */
class TabularSettingsTest {
    private static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("a:regression:a"), TaskSpec.parse("b:binary:b"));

    /** Every component set away from its default. */
    private static TabularTraining.Settings everythingSet() {
        return TabularTraining.Settings.builder(TASKS).features(List.of("x", "y")).categorical(Set.of("y")).architecture("mmoe")
                .cascades(Map.of("b", List.of("a"))).experts(3).taskExperts(2).shared(List.of(8)).head(List.of(5, 4))
                .method("uncertainty").weights(Map.of("a", 2.0)).epochs(7).batch(9).learningRate(0.003).validFraction(0.3)
                .seed(11).patience(4).fusedHeads(true).kept(KeptParameters.LAST).classWeight(ClassWeight.balanced())
                .classWeights(Map.of("b", ClassWeight.fixed(3.0))).baselines(Baselines.LINEAR_AND_SINGLE_TASK).build();
    }

    @Test
    void theDefaultWeightingIsUncertaintyOnlyForHardSharingOfSeveralTasksWithoutFixedWeights() {
        assertEquals("uncertainty", TabularTraining.Settings.builder(TASKS).build().method());
        assertEquals("fixed", TabularTraining.Settings.builder(TASKS.subList(0, 1)).build().method(), "one task");
        assertEquals("fixed", TabularTraining.Settings.builder(TASKS).architecture("mmoe").build().method(), "mmoe");
        assertEquals("fixed", TabularTraining.Settings.builder(TASKS).architecture("independent").build().method());
        assertEquals("fixed", TabularTraining.Settings.builder(TASKS).weights(Map.of("a", 2.0)).build().method(),
                "fixed weights given");
        assertEquals("pcgrad", TabularTraining.Settings.builder(TASKS).method("pcgrad").build().method(), "chosen");
        assertEquals("fixed", TabularTraining.Settings.builder(TASKS).method("fixed").build().method(), "chosen");
        // A copy chooses the default again for its own architecture; a chosen weighting stays.
        assertEquals("fixed", TabularTraining.Settings.builder(TASKS).build().toBuilder().architecture("mmoe").build().method());
        assertEquals("uncertainty", TabularTraining.Settings.builder(TASKS).method("uncertainty").build().toBuilder()
                .architecture("mmoe").build().method());
    }

    @Test
    void dataParallelTrainingGetsFixedWeightsOnlyWhenNoWeightingWasChosen() {
        TabularTraining.Settings defaults = TabularTraining.Settings.builder(TASKS).build();
        assertTrue(defaults.defaultWeighting());
        TabularTraining.Settings averaged = defaults.forDataParallel();
        assertEquals("fixed", averaged.method(), "uncertainty steps every batch, which parameter averaging cannot");
        assertEquals(defaults.toBuilder().method("fixed").build(), averaged, "nothing else changes");
        TabularTraining.Settings chosen = TabularTraining.Settings.builder(TASKS).method("uncertainty").build();
        assertEquals(false, chosen.defaultWeighting());
        assertEquals(chosen, chosen.forDataParallel(), "a chosen weighting is kept (on Spark it steps synchronously)");
        TabularTraining.Settings mmoe = TabularTraining.Settings.builder(TASKS).architecture("mmoe").build();
        assertEquals(mmoe, mmoe.forDataParallel(), "mmoe's default is fixed already");
        // The canonical constructor cannot call a chosen method the default.
        TabularTraining.Settings d = defaults;
        TabularTraining.Settings odd = new TabularTraining.Settings(d.tasks(), d.features(), d.categorical(), d.architecture(),
                d.cascades(), d.experts(), d.taskExperts(), d.shared(), d.head(), "pcgrad", d.weights(), d.epochs(), d.batch(),
                d.learningRate(), d.validFraction(), d.seed(), d.earlyStopping(), d.fusedHeads(), d.kept(), d.classWeight(),
                d.classWeights(), d.baselines(), d.learningRateSchedule(), d.taskSampling(), d.topK(), d.calibratorWeight(),
                d.dselectGate(), d.dselectEntropy(), d.dropout(), d.l2(), true);
        assertEquals("pcgrad", odd.forDataParallel().method());
    }

    @Test
    void byDefaultTrainingStopsAfterAFifthOfItsEpochsWithoutANewBestAndACopyRescalesIt() {
        TabularTraining.Settings defaults = TabularTraining.Settings.builder(TASKS).build();
        assertEquals(EarlyStopping.scaled(), defaults.earlyStopping());
        assertEquals(10, defaults.patience(), "50 epochs / 5");
        // The rule, not its value at 50 epochs, is what a copy keeps: a longer run waits longer.
        assertEquals(60, defaults.toBuilder().epochs(300).build().patience(), "300 / 5");
        assertEquals(5, defaults.toBuilder().epochs(12).build().patience(), "12 / 5 rounds to 2, raised to the minimum 5");
        assertEquals(7, defaults.toBuilder().epochs(33).build().patience(), "33 / 5 = 6.6 rounds to 7");
        assertEquals(3, TabularTraining.Settings.builder(TASKS).patience(3).epochs(300).build().patience(), "chosen");
        assertEquals(null, TabularTraining.Settings.builder(TASKS).patience(null).build().patience(), "none");
        assertEquals(EarlyStopping.none(), TabularTraining.Settings.builder(TASKS).earlyStopping(EarlyStopping.none()).build()
                .earlyStopping());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> EarlyStopping.after(0));
        assertTrue(zero.getMessage().contains(">= 1") && zero.getMessage().contains("none()"), zero.getMessage());
        assertThrows(NullPointerException.class, () -> TabularTraining.Settings.builder(TASKS).earlyStopping(null).build());
    }

    @Test
    void eachBuilderMethodSetsItsComponent() {
        TabularTraining.Settings s = everythingSet();
        assertEquals(TASKS, s.tasks());
        assertEquals(List.of("x", "y"), s.features());
        assertEquals(Set.of("y"), s.categorical());
        assertEquals("mmoe", s.architecture());
        assertEquals(Map.of("b", List.of("a")), s.cascades());
        assertEquals(3, s.experts());
        assertEquals(2, s.taskExperts());
        assertEquals(List.of(8), s.shared());
        assertEquals(List.of(5, 4), s.head());
        assertEquals("uncertainty", s.method());
        assertEquals(Map.of("a", 2.0), s.weights());
        assertEquals(7, s.epochs());
        assertEquals(9, s.batch());
        assertEquals(0.003, s.learningRate());
        assertEquals(0.3, s.validFraction());
        assertEquals(11L, s.seed());
        assertEquals(4, s.patience());
        assertTrue(s.fusedHeads());
        assertEquals(KeptParameters.LAST, s.kept());
        assertEquals(ClassWeight.balanced(), s.classWeight());
        assertEquals(Map.of("b", ClassWeight.fixed(3.0)), s.classWeights());
        assertEquals(Baselines.LINEAR_AND_SINGLE_TASK, s.baselines());
        assertEquals(ClassWeight.fixed(3.0), s.classWeightOf(TASKS.get(1)));
        assertEquals(ClassWeight.none(), s.classWeightOf(TASKS.get(0)), "a regression task has no class weight");
    }

    @Test
    void classWeightsNameBinaryTasksOnly() {
        var regression = assertThrows(io.github.mtldl4j.setting.InvalidSettingException.class, () -> TabularTraining.Settings
                .builder(TASKS).classWeights(Map.of("a", ClassWeight.balanced())).build());
        assertTrue(regression.getMessage().contains("task 'a', which is regression"), regression.getMessage());
        var unknown = assertThrows(io.github.mtldl4j.setting.InvalidSettingException.class, () -> TabularTraining.Settings
                .builder(TASKS).classWeights(Map.of("c", ClassWeight.balanced())).build());
        assertTrue(unknown.getMessage().contains("unknown task 'c'") && unknown.getMessage().contains("[b]"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassWeight.fixed(0.0));
        assertEquals(3.0, ClassWeight.balanced().resolve(5, 15));
        assertEquals(1.0, ClassWeight.balanced().resolve(0, 15), "nothing to balance without positives");
    }

    @Test
    void toBuilderCopiesEveryComponentAndDerivesOthers() {
        TabularTraining.Settings s = everythingSet();
        assertEquals(s, s.toBuilder().build());
        TabularTraining.Settings best = s.toBuilder().kept(KeptParameters.BEST).build();
        assertEquals(KeptParameters.BEST, best.kept());
        assertEquals(s, best.toBuilder().kept(KeptParameters.LAST).build());
    }

    @Test
    void buildValidatesLikeTheConstructor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularTraining.Settings.builder(TASKS).epochs(0).build());
        assertTrue(e.getMessage().contains("received 0"), e.getMessage());
    }
}
