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
                .seed(11).patience(4).fusedHeads(true).kept(KeptParameters.LAST).build();
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
