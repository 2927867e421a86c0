package io.github.mtldl4j.tabular.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingNames;
import io.github.mtldl4j.tabular.TabularSetting;
import java.util.List;
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
}
