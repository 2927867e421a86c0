package io.github.mtldl4j.graph;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every refusal says what was expected, what was received and how to fix it. */
class BuilderValidationTest {

    private static void refused(Executable action, String... fragments) {
        RuntimeException e = assertThrows(RuntimeException.class, action);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "message lacks '" + fragment + "': " + e.getMessage());
        }
    }

    private static MultiTaskGraphBuilder twoTasks() {
        return MultiTaskGraphBuilder.forInputs(3).tasks(Task.regression("a"), Task.binary("b"));
    }

    @Test
    void noTasks() {
        refused(() -> MultiTaskGraphBuilder.forInputs(3).build(), "No tasks", "task(Task.regression(");
    }

    @Test
    void duplicateNames() {
        refused(() -> MultiTaskGraphBuilder.forInputs(3).tasks(Task.regression("a"), Task.binary("a")).build(),
                "Duplicate task name 'a'", "[a, a]", "rename");
    }

    @Test
    void badNames() {
        refused(() -> Task.regression("body mass"), "letters, digits", "'body mass'", "rename");
        refused(() -> Task.regression(""), "letters, digits", "''");
        refused(() -> Task.regression(null), "received null");
    }

    @Test
    void badWeights() {
        refused(() -> Task.regression("a").withWeight(Double.NaN), "Task 'a'", "finite and >= 0", "NaN");
        refused(() -> Task.regression("a").withWeight(-1), "Task 'a'", "finite and >= 0", "-1.0");
    }

    @Test
    void widthsBelowOne() {
        refused(() -> Task.regression("a", 0), "Task 'a'", ">= 1", "received 0");
        refused(() -> Task.regression("a").withHead(4, 0), "Task 'a'", "head layer widths", "[4, 0]");
        refused(() -> MultiTaskGraphBuilder.forInputs(0), "Input width", "received 0");
        refused(() -> twoTasks().sharedLayers(8, 0).build(), "Shared layer widths", "[8, 0]");
    }

    @Test
    void binaryWithWidthOtherThanOne() {
        refused(() -> new Task("b", TaskType.BINARY, 2, null, null, 1, List.of()), "BINARY", "received width 2", "MULTICLASS", "MULTILABEL");
        refused(() -> Task.multiclass("m", 1), "at least 2 classes", "BINARY");
    }

    @Test
    void badDropout() {
        refused(() -> twoTasks().dropout(1.0).build(), "[0, 1)", "1.0");
        refused(() -> twoTasks().l2(-1).build(), "l2", "-1.0");
    }

    @Test
    void cascadeToUnknownTask() {
        refused(() -> twoTasks().cascade("b", "c").build(), "unknown task 'c'", "[a, b]");
        refused(() -> twoTasks().cascade("z", "a").build(), "unknown task 'z'");
    }

    @Test
    void cascadeCycles() {
        refused(() -> twoTasks().cascade("a", "a").build(), "its own output");
        refused(() -> twoTasks().cascade("a", "b").cascade("b", "a").build(), "cycle", "remove one cascade");
        MultiTaskGraphBuilder three = MultiTaskGraphBuilder.forInputs(3).tasks(Task.regression("a"), Task.regression("b"), Task.regression("c"));
        refused(() -> three.cascade("b", "a").cascade("c", "b").cascade("a", "c").build(), "cycle");
        refused(() -> twoTasks().cascade("b", "a").cascade("b", "a"), "declared twice");
    }

    @Test
    void taskNamedLikeAnotherVertex() {
        refused(() -> MultiTaskGraphBuilder.forInputs(3).sharedLayers(4).tasks(Task.regression("trunk_0")).build(),
                "'trunk_0'", "Rename the task");
        refused(() -> MultiTaskGraphBuilder.forInputs(3).tasks(Task.regression("input")).build(), "'input'", "network input");
        refused(() -> MultiTaskGraphBuilder.forInputs(3).tasks(Task.regression("a").withHead(2), Task.regression("a_head_0")).build(),
                "'a_head_0'", "task 'a'");
    }
}
