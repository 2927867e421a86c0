package io.github.mtldl4j.graph;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.model.VertexNames;
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

    /** Name, kind and needs, for {@code MethodRegistry}; the one trunk's output can carry a representation tap. */
    public static final MethodInfo<SharingMode> INFO = MethodInfo.<SharingMode>sharingMode(NAME, HardSharing.class,
            o -> new HardSharing()).offering(Need.REPRESENTATION_TAP);

    /**
     * {@code --arch cascade}: hard sharing plus cascade links ({@link MultiTaskGraphBuilder#cascade}), which the builder
     * wires for every mode; the saved model's sharing mode is {@code hard}.
     */
    public static final MethodInfo<SharingMode> CASCADE_INFO = INFO.renamed("cascade").needing(Need.CASCADES);

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
