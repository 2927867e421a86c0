package io.github.mtldl4j.setting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mtldl4j.affinity.TaskGrouping;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A message naming settings reads in the API's words, and in a front end's when it names them its own way. */
class SettingMessageTest {
    /** Names as a command line would: a flag per setting, values as is. */
    private static final SettingNames FLAGS = s -> "--" + ((Enum<?>) s).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');

    /** Settings of a module above the library, as mtl-tabular defines its own. */
    private enum ExampleSetting implements Setting {
        WEIGHTING("Settings.method"), ARCHITECTURE("Settings.architecture"), EPOCHS("Settings.epochs");

        private final String api;

        ExampleSetting(String api) {
            this.api = api;
        }

        @Override
        public String api() {
            return api;
        }
    }

    @Test
    void rendersSettingsAndValuesInEitherWords() {
        SettingMessage message = SettingMessage.of(ExampleSetting.WEIGHTING.is("mgda-ub"), " needs ", ExampleSetting.ARCHITECTURE.is("hard", "mmoe", "cgc"),
                "; received ", 3, " in ", ExampleSetting.EPOCHS, ".");
        assertEquals("Settings.method \"mgda-ub\" needs Settings.architecture \"hard\", \"mmoe\" or \"cgc\"; "
                + "received 3 in Settings.epochs.", message.toString());
        assertEquals("--weighting mgda-ub needs --architecture hard, mmoe or cgc; received 3 in --epochs.", message.render(FLAGS));
        assertEquals(List.of(ExampleSetting.WEIGHTING, ExampleSetting.ARCHITECTURE, ExampleSetting.EPOCHS), message.settings());
    }

    @Test
    void libraryChecksNameTheApiAndTheSetting() {
        // The tuner's checks (mtl-tabular): TabularTunerSettingsTest.
        InvalidSettingException groups = assertThrows(InvalidSettingException.class,
                () -> new TaskGrouping(List.of("a", "b"), new double[][] {{0, 1}, {1, 0}}).best(3));
        assertEquals("TaskGrouping.best(count) must be between 1 and the number of tasks (2), received 3.", groups.getMessage());
    }

    @Test
    void survivesSerializationWithItsParts() throws Exception {
        InvalidSettingException e = new InvalidSettingException(TrainingSetting.CLIP_NORM,
                SettingMessage.of(TrainingSetting.CLIP_NORM, " must be > 0, received ", -1.0, "."));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(e);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            InvalidSettingException back = (InvalidSettingException) in.readObject();
            assertEquals("MultiTaskTrainer.Builder.clipGradientNorm must be > 0, received -1.0.", back.getMessage());
            assertEquals("--clip-norm must be > 0, received -1.0.", back.message(FLAGS));
            assertEquals(TrainingSetting.CLIP_NORM, back.setting());
        }
    }
}
