package io.github.mtldl4j.graph;

import io.github.mtldl4j.task.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hard parameter sharing (Caruana, "Multitask Learning", Machine Learning 28, 1997): one dense trunk
 * {@code trunk_0 ... trunk_{n-1}} reads the input and every task head reads its last layer.
 * With no trunk layers the heads read the input directly. When the builder asks for a representation tap
 * ({@link MultiTaskGraphBuilder#representationTap()}), the heads read the identity vertex {@code shared} after the trunk.
 */
public final class HardSharing implements SharingMode {

    /** The stored name of this mode. */
    public static final String NAME = "hard";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        Representation shared = wiring.addTrunk(VertexNames.SHARED_TRUNK_PREFIX, null);
        if (wiring.tapRepresentation()) {
            shared = wiring.addVertex(VertexNames.SHARED_REPRESENTATION, null, shared.width(), new RepresentationTapVertex(),
                    shared.vertex());
        }
        Map<String, Representation> byTask = new LinkedHashMap<>();
        for (Task task : wiring.tasks()) {
            byTask.put(task.name(), shared);
        }
        return byTask;
    }
}
