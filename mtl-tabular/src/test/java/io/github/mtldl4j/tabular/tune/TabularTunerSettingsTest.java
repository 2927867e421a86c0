package io.github.mtldl4j.tabular.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingNames;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tuner's checks name the API and the setting, and read in a front end's words when it names them its own way. */
class TabularTunerSettingsTest {
    /** Names as a command line would: a flag per setting, values as is. */
    private static final SettingNames FLAGS = s -> "--" + ((Enum<?>) s).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');

    @Test
    void checksNameTheApiAndTheSetting() {
        InvalidSettingException candidates = assertThrows(InvalidSettingException.class,
                () -> TabularTuner.sample(TabularTuner.SearchSpace.standard(), 0, 1));
        assertEquals(TabularSetting.CANDIDATES, candidates.setting());
        assertEquals("TabularTuner.sample(count) must be >= 1, received 0.", candidates.getMessage());
        assertEquals("--candidates must be >= 1, received 0.", candidates.message(FLAGS));
        InvalidSettingException lrs = assertThrows(InvalidSettingException.class, () -> new TabularTuner.SearchSpace(List.of("hard"),
                List.of("fixed"), List.of(List.of(8)), List.of(-0.5)));
        assertEquals("TabularTuner.SearchSpace.learningRates: learning rates must be finite and > 0, received -0.5.", lrs.getMessage());
        assertEquals("--tuned-learning-rates: learning rates must be finite and > 0, received -0.5.", lrs.message(FLAGS));
    }

    /**
     * Dropout is searched like the other dimensions: the standard space takes 0 and 0.2 (the grid twice its old 108),
     * the default keeps none, every configuration of the grid appears once with each rate, a candidate's rate reaches
     * the training settings and its description, and rates outside [0, 1) are refused naming the flag.
     */
    @Test
    void dropoutIsADimensionOfTheSearch() {
        TabularTuner.SearchSpace space = TabularTuner.SearchSpace.standard();
        assertEquals(List.of(0.0, 0.2), space.dropouts());
        assertEquals(3 * 4 * 3 * 3 * 2, space.size());
        List<TabularTuner.Candidate> all = TabularTuner.sample(space, 1000, 3);
        assertEquals(space.size(), all.size(), "the whole grid, the default included");
        assertEquals(0.0, all.get(0).dropout(), "the default trains without dropout, as mtl train");
        assertEquals(space.size() / 2, all.stream().filter(c -> c.dropout() == 0.2).count(), "half the grid with dropout 0.2");
        assertEquals(space.size() / 2, all.stream().map(c -> c.architecture() + c.weighting() + c.shared() + c.learningRate())
                .distinct().count(), "each other setting with both rates");

        TabularTuner.Candidate dropped = all.stream().filter(c -> c.dropout() == 0.2).findFirst().orElseThrow();
        assertTrue(dropped.describe().endsWith("/dropout=0.2"), dropped.describe());
        TabularTuner.Problem problem = new TabularTuner.Problem(List.of(TaskSpec.parse("a:regression:a")), null, Set.of(), 16,
                0.2, 0.2, 1);
        assertEquals(0.2, TabularTuner.settings(problem, dropped, 3).dropout());
        assertEquals(0.0, TabularTuner.settings(problem, TabularTuner.DEFAULT, 3).dropout());
        assertEquals(List.of(0.0), new TabularTuner.SearchSpace(List.of("hard"), List.of("fixed"), List.of(List.of(8)),
                List.of(0.01)).dropouts(), "without the dimension: no dropout");

        InvalidSettingException rate = assertThrows(InvalidSettingException.class, () -> new TabularTuner.SearchSpace(List.of("hard"),
                List.of("fixed"), List.of(List.of(8)), List.of(0.01), List.of(0.0, 1.0)));
        assertEquals(TabularSetting.TUNED_DROPOUTS, rate.setting());
        assertEquals("--tuned-dropouts: dropout rates must be probabilities in [0, 1) (0: none), received 1.0.", rate.message(FLAGS));
    }
}
