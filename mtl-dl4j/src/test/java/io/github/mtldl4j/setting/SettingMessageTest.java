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
    private static final SettingNames FLAGS = s -> "--" + s.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');

    @Test
    void rendersSettingsAndValuesInEitherWords() {
        SettingMessage message = SettingMessage.of(Setting.WEIGHTING.is("mgda-ub"), " needs ", Setting.ARCHITECTURE.is("hard", "mmoe", "cgc"),
                "; received ", 3, " in ", Setting.EPOCHS, ".");
        assertEquals("TabularTraining.Settings.method \"mgda-ub\" needs TabularTraining.Settings.architecture \"hard\", \"mmoe\" or \"cgc\"; "
                + "received 3 in TabularTraining.Settings.epochs.", message.toString());
        assertEquals("--weighting mgda-ub needs --architecture hard, mmoe or cgc; received 3 in --epochs.", message.render(FLAGS));
        assertEquals(List.of(Setting.WEIGHTING, Setting.ARCHITECTURE, Setting.EPOCHS), message.settings());
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
        InvalidSettingException e = new InvalidSettingException(Setting.LEARNING_RATE,
                SettingMessage.of(Setting.LEARNING_RATE, " must be > 0, received ", -1.0, "."));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(e);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            InvalidSettingException back = (InvalidSettingException) in.readObject();
            assertEquals("TabularTraining.Settings.learningRate must be > 0, received -1.0.", back.getMessage());
            assertEquals("--learning-rate must be > 0, received -1.0.", back.message(FLAGS));
            assertEquals(Setting.LEARNING_RATE, back.setting());
        }
    }
}
