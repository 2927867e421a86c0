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
}
