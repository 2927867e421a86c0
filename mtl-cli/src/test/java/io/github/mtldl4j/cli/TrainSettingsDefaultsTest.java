package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The library's default settings are those of {@code mtl train}, so the two cannot drift apart. */
class TrainSettingsDefaultsTest {

    @Test
    void trainWithOnlyRequiredOptionsUsesTheBuildersDefaults() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--data", "t.csv", "--task", "price:regression:price", "--task", "churn:binary:churn",
                "--out", "out");
        List<TaskSpec> tasks = List.of(TaskSpec.parse("price:regression:price"), TaskSpec.parse("churn:binary:churn"));
        assertEquals(TabularTraining.Settings.builder(tasks).build(), train.settings());
    }
}
