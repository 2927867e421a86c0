package io.github.mtldl4j.tabular.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** {@link Baselines#LINEAR_AND_SINGLE_TASK} and balanced positive-class weights through {@link TabularTraining}. */
class BaselinesTest {
    private static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("level:regression:level"), TaskSpec.parse("rare:binary:rare"),
            TaskSpec.parse("kind:multiclass:kind"));

    /** 80 rows: level = 3 x1 - 2 x2 + 100 exactly; rare is 1 on about a fifth of the rows, missing on some; kind by x1. */
    private static CsvTable table() {
        Random random = new Random(7);
        StringBuilder csv = new StringBuilder("x1,x2,level,rare,kind\n");
        for (int r = 0; r < 80; r++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian() * 5;
            String rare = r % 9 == 4 ? "" : (x1 + 0.3 * random.nextGaussian() > 0.9 ? "1" : "0");
            String kind = x1 < -0.5 ? "a" : x1 < 0.5 ? "b" : "c";
            csv.append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%s,%s%n", x1, x2, 3 * x1 - 2 * x2 + 100, rare, kind));
        }
        return CsvTable.parse(csv.toString(), "baselines.csv");
    }

    @Test
    void baselinesAreMeasuredOnTheModelsValidationRowsAndWrittenToMetricsJson() throws Exception {
        CsvTable table = table();
        TabularTraining.Settings settings = TabularTraining.Settings.builder(TASKS).shared(List.of(8)).epochs(2)
                .classWeight(ClassWeight.balanced()).baselines(Baselines.LINEAR_AND_SINGLE_TASK).build();
        TabularTraining.Result result = TabularTraining.train(table, settings, null);

        // Balanced: negatives / positives of the labelled training rows, counted here from the split's table.
        CsvTable train = TabularTraining.split(table, null, settings)[0];
        int rare = train.column("rare", "test");
        long positives = 0;
        long negatives = 0;
        for (int r = 0; r < train.rowCount(); r++) {
            String value = train.value(r, rare).trim();
            positives += value.equals("1") ? 1 : 0;
            negatives += value.equals("0") ? 1 : 0;
        }
        assertTrue(positives > 0 && negatives > positives, positives + " positives, " + negatives + " negatives");
        assertEquals((double) negatives / positives, result.positiveWeights().get("rare"), 1e-12);
        assertEquals((double) negatives / positives, result.model().tasks().get(1).positiveWeight(), 1e-12);

        BaselineResults baselines = result.baselines();
        assertNotNull(baselines);
        assertEquals(List.of("level", "rare", "kind"), List.copyOf(baselines.linear().keySet()));
        assertEquals(List.of("level", "rare", "kind"), List.copyOf(baselines.singleTask().keySet()));
        for (String task : List.of("level", "rare", "kind")) {
            TaskMetrics model = result.metrics().get(task);
            assertEquals(model.count(), baselines.linear().get(task).metrics().count(), task + ": the same labelled validation rows");
            assertEquals(model.count(), baselines.singleTask().get(task).count(), task);
            assertEquals(model.metrics().keySet(), baselines.linear().get(task).metrics().metrics().keySet(), task + ": the same metrics");
        }
        // An exactly linear target: ridge with the smallest penalties fits it almost exactly, in the label's own units
        // (the label's standard deviation is about 10; a prediction left standardized would miss by about 100).
        TaskMetrics level = baselines.linear().get("level").metrics();
        assertTrue(level.get("rmse") < 0.05, "linear rmse on an exactly linear target: " + level.get("rmse"));
        assertTrue(baselines.linear().get("rare").model().contains("positive-class weight"), baselines.linear().get("rare").model());

        JsonNode json = new ObjectMapper().readTree(MetricsJson.write(result.metrics(), Map.of("seed", 42L), baselines));
        JsonNode block = json.get("baselines");
        for (String name : List.of("linear", "single_task")) {
            for (String task : List.of("level", "rare", "kind")) {
                JsonNode t = block.get(name).get(task);
                assertEquals(result.metrics().get(task).count(), t.get("n").asLong(), name + " " + task);
                assertTrue(t.has("loss") && t.has("type"), name + " " + task + ": " + t);
            }
            double expected = baselines.deltaM(result.metrics()).get(name);
            JsonNode written = block.get("delta_m").get(name);
            // NaN (undefined: e.g. a two-epoch baseline's F1 of 0) is written as null.
            assertEquals(Double.isNaN(expected), written.isNull(), name + ": " + written);
            if (!written.isNull()) {
                assertEquals(expected, written.asDouble(), 0.0);
            }
        }
        assertTrue(block.get("linear_models").get("level").asText().startsWith("ridge"), block.toString());
        assertNull(TabularTraining.train(table, settings.toBuilder().baselines(Baselines.NONE).build(), null).baselines());
    }

    /**
     * Held-out rows: on the validation rows themselves the model, the linear models and the single-task network give
     * their validation figures again (the same models, not refitted differently); on those rows with every level shifted
     * by +1000 each one's level rmse moves to 1000 within its own validation rmse (triangle inequality), so the rows
     * given are the rows measured.
     */
    @Test
    void heldOutRowsMeasureTheSameModelsOnTheRowsGiven() {
        CsvTable table = table();
        TabularTraining.Settings settings = TabularTraining.Settings.builder(TASKS).shared(List.of(8)).epochs(2)
                .baselines(Baselines.LINEAR_AND_SINGLE_TASK).build();
        TabularTraining.Result result = TabularTraining.train(table, settings, null);
        CsvTable validation = TabularTraining.split(table, null, settings)[1];

        HeldOutResults same = TabularTraining.heldOut(result, validation);
        assertEquals(validation.rowCount(), same.rows());
        BaselineResults fitted = result.baselines();
        for (String task : List.of("level", "rare", "kind")) {
            assertEquals(result.metrics().get(task), same.metrics().get(task), task + ": the model, identical operations");
            assertEquals(fitted.singleTask().get(task), same.baselines().singleTask().get(task), task + ": single-task, identical");
            assertEquals(fitted.linear().get(task).model(), same.baselines().linear().get(task).model(), task);
            TaskMetrics expected = fitted.linear().get(task).metrics();
            TaskMetrics measured = same.baselines().linear().get(task).metrics();
            assertEquals(expected.count(), measured.count(), task);
            // The refit sees the same rows with the same penalty; relative tolerance for a possibly reordered sum.
            expected.metrics().forEach((metric, value) -> assertEquals(value, measured.get(metric), 1e-9 * Math.max(1, Math.abs(value)),
                    task + " linear " + metric));
        }

        int level = validation.column("level", "test");
        StringBuilder shifted = new StringBuilder(String.join(",", validation.header())).append('\n');
        for (int r = 0; r < validation.rowCount(); r++) {
            for (int c = 0; c < validation.header().size(); c++) {
                String value = validation.value(r, c);
                shifted.append(c == 0 ? "" : ",").append(c == level ? Double.toString(Double.parseDouble(value) + 1000) : value);
            }
            shifted.append('\n');
        }
        HeldOutResults moved = TabularTraining.heldOut(result, CsvTable.parse(shifted.toString(), "shifted.csv"));
        Map<String, Double> before = Map.of("this model", result.metrics().get("level").get("rmse"),
                "linear", fitted.linear().get("level").metrics().get("rmse"), "single-task", fitted.singleTask().get("level").get("rmse"));
        Map<String, Double> after = Map.of("this model", moved.metrics().get("level").get("rmse"),
                "linear", moved.baselines().linear().get("level").metrics().get("rmse"),
                "single-task", moved.baselines().singleTask().get("level").get("rmse"));
        before.forEach((model, rmse) -> assertTrue(Math.abs(after.get(model) - 1000) <= rmse * (1 + 1e-9),
                model + ": level rmse " + after.get(model) + " on labels shifted by 1000, validation rmse " + rmse));
        assertEquals(result.metrics().get("kind"), moved.metrics().get("kind"), "the other tasks' rows are unchanged");
    }
}
