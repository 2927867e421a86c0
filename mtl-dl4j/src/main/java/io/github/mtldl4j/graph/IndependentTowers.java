package io.github.mtldl4j.graph;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * No sharing: every task gets its own copy of the trunk ({@code <task>_tower_0 ...}), all in one graph.
 * This is the single-task baseline trained with the same budget, and what hard sharing is compared with.
 */
public final class IndependentTowers implements SharingMode {

    /** The stored name of this mode. */
    public static final String NAME = "independent";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<SharingMode> INFO = MethodInfo.sharingMode(NAME, IndependentTowers.class,
            o -> new IndependentTowers());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        Map<String, Representation> byTask = new LinkedHashMap<>();
        for (Task task : wiring.tasks()) {
            byTask.put(task.name(), wiring.addTrunk(VertexNames.towerPrefix(task.name()), task.name()));
        }
        return byTask;
    }
}
