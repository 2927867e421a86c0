package io.github.mtldl4j.tabular.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.train.DirectTrainingStep;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/**
 * Dropout from the table pipeline ({@code TabularTraining.Settings.dropout}, {@code mtl train --dropout}): the graph has
 * DL4J's {@code Dropout} on its output layers (tasks without heads read the trunk) and is one the trainer takes the
 * direct step for ({@code DirectTrainingStep.unsupportedReason} empty: the trainer's test), for a loss weighting and for
 * gradient methods (per-task passes; MGDA-UB's representation tap).
 */
class TabularDropoutTest {
    private static final List<TaskSpec> TASKS = List.of(TaskSpec.parse("level:regression:level"), TaskSpec.parse("rare:binary:rare"));

    private static CsvTable table() {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("x1,x2,level,rare\n");
        for (int r = 0; r < 40; r++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            csv.append(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%s%n", x1, x2, x1 - x2, x1 > 0 ? "1" : "0"));
        }
        return CsvTable.parse(csv.toString(), "dropout.csv");
    }

    @Test
    void dropoutGraphsTakeTheDirectStep() {
        for (String method : List.of("fixed", "pcgrad", "mgda")) {
            TabularTraining.Settings settings = TabularTraining.Settings.builder(TASKS).shared(List.of(8, 8)).epochs(1)
                    .method(method).dropout(0.2).build();
            TabularTraining.Result result = TabularTraining.train(table(), settings, null);
            ComputationGraph graph = result.model().graph();
            for (String output : List.of("level", "rare")) {
                Dropout dropout = (Dropout) ((org.deeplearning4j.nn.conf.layers.BaseLayer) graph.getLayer(output).conf().getLayer())
                        .getIDropout();
                assertEquals(0.8, dropout.getP(), 1e-12, method + " " + output + ": DL4J keeps 1 - rate");
            }
            assertEquals(Optional.empty(), DirectTrainingStep.unsupportedReason(graph, RepresentationTapVertex.class), method);
            assertTrue(result.history().epochs().get(0).task("level").trainLoss() > 0, method);
        }
    }
}
