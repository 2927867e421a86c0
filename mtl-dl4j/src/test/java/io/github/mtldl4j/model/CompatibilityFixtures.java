package io.github.mtldl4j.model;

import io.github.mtldl4j.TestData;
import io.github.mtldl4j.graph.Aitm;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.IndependentTowers;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.WarmupCosineSchedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Writes the saved-model fixtures of {@link SavedModelCompatibilityTest} ({@code src/test/resources/models/}): small
 * models saved by the code of the day, with every class DL4J stores by name in a model zip, and beside each a golden
 * file of its inputs and predictions (DOUBLE). They are committed so that later versions prove they still load what
 * this one saved; rewrite them only on purpose (a new fixture for a new class, never to make a failing test pass):
 *
 * <pre>mvn -B -pl mtl-dl4j test -Dtest=CompatibilityFixtures -Dmtl.fixtures.write=true -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * Disabled unless {@code mtl.fixtures.write} is set, so a normal build never rewrites them.
 */
@EnabledIfSystemProperty(named = "mtl.fixtures.write", matches = "true")
class CompatibilityFixtures {
    static final String DIRECTORY = "models";
    static final int INPUTS = 4;

    /**
     * Hard sharing with the representation tap, fused heads (their weight init), a cascade, soft labels and weighted
     * losses of all four task types, one weight changed after building.
     */
    static MultiTaskModel hardSharing() {
        MultiTaskModel model = base().representationTap().fusedHeads().cascade("segment", "price").tasks(
                Task.regression("price", 2).withHead(4).withWeight(0.7),
                Task.binary("churn").withHead(3).withWeight(2.0),
                Task.multiclass("segment", 3).withHead(3).withSoftLabels(),
                Task.multilabel("tags", 2).withHead(3).withWeight(1.3)).build();
        model.weights().set("tags", 0.5);
        return model;
    }

    /** MMoE: experts and the gated-sum vertex of each task's gate. */
    static MultiTaskModel mixtureOfExperts() {
        return base().sharing(MixtureOfExperts.mmoe(2, 3)).tasks(
                Task.regression("amount").withWeight(0.5),
                Task.binary("click").withHead(3)).build();
    }

    /** Cross-stitch: the cross-stitch layer between two towers (its parameter initializer is not stored by name). */
    static MultiTaskModel crossStitch() {
        return base().sharing(new CrossStitch(0.9)).tasks(
                Task.regression("level").withWeight(3.0),
                Task.multiclass("kind", 2).withHead(2)).build();
    }

    /** DSelect-k: the DSelect-k gate layer (its parameter initializer is not stored by name). */
    static MultiTaskModel dselectK() {
        return base().sharing(MixtureOfExperts.dselectK(4, 2, 3)).tasks(
                Task.regression("amount"),
                Task.binary("click").withHead(3).withWeight(2.0)).build();
    }

    /** AITM: the AIT layer, the funnel output layer and the calibrator loss (the AIT initializer is not stored by name). */
    static MultiTaskModel aitm() {
        return base().sharing(Aitm.withCalibratorWeight(0.5)).tasks(
                Task.binary("click").withHead(3),
                Task.binary("buy").withHead(3).withWeight(1.5)).build();
    }

    /** Hard sharing trained on the warm-up + cosine learning-rate schedule (its ISchedule class is stored by name). */
    static MultiTaskModel warmupCosine() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(4).activation(Activation.TANH)
                .updater(new Adam(WarmupCosineSchedule.standard().over(0.01, 100))).dataType(DataType.DOUBLE).seed(42).tasks(
                        Task.regression("amount"),
                        Task.binary("click").withHead(3)).build();
    }

    /** Independent towers with a binary task whose positive class is weighted (its loss class). */
    static MultiTaskModel positiveWeight() {
        return base().sharing(new IndependentTowers()).tasks(
                Task.binary("fraud").withPositiveWeight(4.0).withHead(2),
                Task.regression("amount")).build();
    }

    static final Map<String, Supplier<MultiTaskModel>> FIXTURES = Map.of(
            "hard-sharing", CompatibilityFixtures::hardSharing,
            "mixture-of-experts", CompatibilityFixtures::mixtureOfExperts,
            "cross-stitch", CompatibilityFixtures::crossStitch,
            "dselect-k", CompatibilityFixtures::dselectK,
            "positive-weight", CompatibilityFixtures::positiveWeight,
            "aitm", CompatibilityFixtures::aitm,
            "warmup-cosine", CompatibilityFixtures::warmupCosine);

    private static MultiTaskGraphBuilder base() {
        return MultiTaskGraphBuilder.forInputs(INPUTS).sharedLayers(5).activation(Activation.TANH).updater(new Adam(0.01))
                .dataType(DataType.DOUBLE).seed(42);
    }

    /** Fixed inputs of the golden predictions. */
    static INDArray inputs() {
        Random random = new Random(3);
        INDArray x = Nd4j.create(DataType.DOUBLE, 3, INPUTS);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < INPUTS; c++) {
                x.putScalar(r, c, random.nextDouble() * 2 - 1);
            }
        }
        return x;
    }

    @Test
    void write() throws IOException {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        Path dir = Path.of("src/test/resources", DIRECTORY);
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        // -Dmtl.fixtures.only=NAME writes one new fixture and leaves the others' files as they were saved.
        String only = System.getProperty("mtl.fixtures.only");
        for (var fixture : FIXTURES.entrySet()) {
            if (only != null && !only.equals(fixture.getKey())) {
                continue;
            }
            MultiTaskModel model = fixture.getValue().get();
            List<Task> tasks = model.tasks();
            for (int step = 0; step < 2; step++) {
                // Two Adam steps: the zip then holds trained parameters and a non-zero updater state.
                model.fit(TestData.batch(tasks, INPUTS, 8, step));
            }
            model.save(dir.resolve(fixture.getKey() + ".zip"));
            INDArray x = inputs();
            ObjectNode golden = json.createObjectNode();
            golden.put("fixture", fixture.getKey() + ".zip");
            golden.put("written_by", "mtl-dl4j " + ModelMetadata.LIBRARY_VERSION + ", CompatibilityFixtures");
            golden.put("parameters", model.graph().numParams());
            golden.set("inputs", rows(x));
            ObjectNode predictions = golden.putObject("predictions");
            model.predict(x).forEach((task, p) -> predictions.set(task, rows(p)));
            Files.writeString(dir.resolve(fixture.getKey() + ".golden.json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsString(golden) + "\n", StandardCharsets.UTF_8);
        }
    }

    /** A matrix as JSON rows; Jackson writes doubles with {@code Double.toString}, which reads back exactly. */
    private static ArrayNode rows(INDArray matrix) {
        ArrayNode rows = new ObjectMapper().createArrayNode();
        for (int r = 0; r < matrix.rows(); r++) {
            ArrayNode row = rows.addArray();
            for (int c = 0; c < matrix.columns(); c++) {
                row.add(matrix.getDouble(r, c));
            }
        }
        return rows;
    }
}
