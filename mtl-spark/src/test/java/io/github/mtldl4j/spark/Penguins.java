package io.github.mtldl4j.spark;

import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.EarlyStopping;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The bundled penguins and the settings the scale-out tests share. */
public final class Penguins {
    private Penguins() {
    }

    /** The penguins CSV text. */
    public static String text() {
        try (InputStream in = Penguins.class.getResourceAsStream("/data/penguins.csv")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The penguins table. */
    public static CsvTable table() {
        return CsvTable.parse(text(), "penguins.csv");
    }

    /** Species (multi-class), sex (binary, some missing), body mass (regression); hard sharing 32,32. */
    public static List<TaskSpec> tasks() {
        return List.of(TaskSpec.parse("species:multiclass:species"), TaskSpec.parse("sex:binary:sex"),
                TaskSpec.parse("mass:regression:body_mass_g"));
    }

    /** Settings with {@code method}, {@code weights} and {@code epochs}; batch 32, Adam 0.01, 20 % validation, seed 7. */
    public static TabularTraining.Settings settings(String method, Map<String, Double> weights, int epochs) {
        // Every epoch: these tests compare data-parallel runs with one-machine runs epoch by epoch and count the epochs,
        // so a stop decided by a near-tie must not end one of them early.
        return TabularTraining.Settings.builder(tasks()).shared(List.of(32, 32)).method(method).weights(weights).epochs(epochs)
                .seed(7).earlyStopping(EarlyStopping.none()).build();
    }
}
