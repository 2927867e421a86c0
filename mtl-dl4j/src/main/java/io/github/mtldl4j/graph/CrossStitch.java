package io.github.mtldl4j.graph;

import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.model.VertexNames;
import io.github.mtldl4j.task.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;

/**
 * Cross-stitch networks (Misra, Shrivastava, Gupta and Hebert, "Cross-stitch Networks for Multi-task Learning",
 * CVPR 2016) as a {@link SharingMode}: every task has its own tower of the builder's trunk widths
 * ({@code <task>_tower_<i>}), and after each tower layer a {@link CrossStitchLayer} mixes the towers linearly with a
 * learned T x T matrix: task t's next layer reads {@code sum_s alpha[t, s] x_s}. The towers' layers belong to their
 * tasks, the alpha matrices are shared.
 *
 * <p>Per depth i the graph has {@code cross_stitch_<i>_in} (merge of the towers), the layer {@code cross_stitch_<i>}
 * and one {@code <task>_stitch_<i>} per task (its slice of the mixed output, the input of its next layer or head).
 *
 * @param selfWeight the initial weight of a task's own tower in each alpha matrix (the paper: 0.9; the other tasks share
 *                   {@code 1 - selfWeight} equally)
 */
public record CrossStitch(double selfWeight) implements SharingMode {

    /** The stored name of this mode. */
    public static final String NAME = "cross-stitch";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<SharingMode> INFO = MethodInfo.sharingMode(NAME, CrossStitch.class, o -> new CrossStitch());

    /** Validates the initial weight. */
    public CrossStitch {
        if (!(selfWeight >= 0 && selfWeight <= 1)) {
            throw new IllegalArgumentException("The initial self weight of cross-stitch units must be in [0, 1], received "
                    + selfWeight + "; the paper uses 0.9.");
        }
    }

    /** The paper's initialization: 0.9 on the diagonal. */
    public CrossStitch() {
        this(0.9);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Representation> wire(GraphWiring wiring) {
        List<Integer> widths = wiring.trunk().widths();
        if (widths.isEmpty()) {
            throw new IllegalArgumentException("Cross-stitch needs tower layers to stitch, received no shared layer widths; "
                    + "set them with sharedLayers(...), e.g. sharedLayers(32, 16).");
        }
        List<Task> tasks = wiring.tasks();
        Map<String, Representation> current = new LinkedHashMap<>();
        tasks.forEach(t -> current.put(t.name(), wiring.input()));
        for (int i = 0; i < widths.size(); i++) {
            int width = widths.get(i);
            String[] towers = new String[tasks.size()];
            for (int t = 0; t < tasks.size(); t++) {
                String task = tasks.get(t).name();
                towers[t] = wiring.addDense(VertexNames.towerPrefix(task) + i, task, current.get(task), width,
                        wiring.trunk().activation()).vertex();
            }
            int total = width * tasks.size();
            Representation merged = wiring.addVertex(VertexNames.crossStitchInput(i), null, total, new MergeVertex(), towers);
            Representation stitched = wiring.addPrepared(VertexNames.crossStitch(i), null, total,
                    new CrossStitchLayer(tasks.size(), width, selfWeight), merged.vertex());
            for (int t = 0; t < tasks.size(); t++) {
                String task = tasks.get(t).name();
                current.put(task, wiring.addTrunkVertex(VertexNames.stitchSlice(task, i), task, width,
                        new SubsetVertex(t * width, (t + 1) * width - 1), stitched.vertex()));
            }
        }
        return current;
    }
}
