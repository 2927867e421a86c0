package io.github.mtldl4j.cli;

import io.github.mtldl4j.model.MultiTaskModel;
import java.io.PrintWriter;
import org.deeplearning4j.optimize.api.TrainingListener;

/**
 * DL4J's own training UI (UIServer with a StatsListener) for {@code mtl train --ui}. DL4J's UI is an optional
 * dependency (Maven profile {@code ui}, +~64 MB), so it is reached by reflection: the default build neither needs
 * nor ships it.
 */
final class TrainingUi {
    private static final String UI_SERVER = "org.deeplearning4j.ui.api.UIServer";

    private TrainingUi() {
    }

    /** Fails with what to do when the UI is not on the class path. */
    static void checkAvailable() {
        try {
            Class.forName(UI_SERVER);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("--ui needs DL4J's UI, which this build leaves out; rebuild with it: "
                    + "MTL_MAVEN_ARGS=-Pui ./mtl train ... --ui", e);
        }
    }

    /** Starts (or reuses) the UI server and streams the model's training statistics to it. */
    static void attach(MultiTaskModel model, PrintWriter out) {
        try {
            Class<?> uiServer = Class.forName(UI_SERVER);
            Object server = uiServer.getMethod("getInstance").invoke(null);
            Object storage = Class.forName("org.deeplearning4j.ui.model.storage.InMemoryStatsStorage").getConstructor().newInstance();
            uiServer.getMethod("attach", Class.forName("org.deeplearning4j.core.storage.StatsStorage")).invoke(server, storage);
            Object listener = Class.forName("org.deeplearning4j.ui.model.stats.StatsListener")
                    .getConstructor(Class.forName("org.deeplearning4j.core.storage.StatsStorageRouter")).newInstance(storage);
            model.graph().addListeners((TrainingListener) listener);
            out.println("DL4J training UI: " + uiServer.getMethod("getAddress").invoke(server));
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("DL4J's training UI could not be started: " + e, e);
        }
    }
}
