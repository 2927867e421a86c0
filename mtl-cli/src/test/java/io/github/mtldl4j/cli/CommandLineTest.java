package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** train, evaluate and predict end to end on the penguins, and every bad input of the CLI issue: exit 2, one line, nothing written. */
class CommandLineTest {
    @TempDir
    Path dir;
    Path penguins;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeEach
    void copyPenguins() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            penguins = dir.resolve("penguins.csv");
            Files.copy(in, penguins);
        }
    }

    private String[] train(Path data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--task", "species:multiclass:species",
                "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--out", out.toString()));
        if (!Arrays.asList(extra).contains("--epochs")) {
            args.addAll(List.of("--epochs", "3"));
        }
        args.addAll(Arrays.asList(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void trainEvaluatePredict() throws Exception {
        Path out = dir.resolve("run");
        CliRun trained = run(train(penguins, out));
        assertEquals(0, trained.code(), trained.err());
        assertEquals(3, trained.out().lines().filter(l -> l.startsWith("epoch ")).count(), trained.out());
        assertTrue(trained.out().contains("tasks [species, sex, mass], hard sharing, uncertainty weighting (default)"), trained.out());
        // 2 penguins without measurements and 11 without sex; which of them fall into the training rows depends on the split.
        assertTrue(trained.out().contains("training rows: missing feature values imputed: bill_length_mm "), trained.out());
        assertTrue(trained.out().contains("; missing labels (left out of that task's loss): sex "), trained.out());
        for (String file : List.of("model.zip", "metrics.json", "history.csv", "report.html")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"species\"") && metrics.contains("\"macro_f1\"") && metrics.contains("\"rmse\"")
                && metrics.contains("\"architecture\" : \"hard\""), metrics);
        assertTrue(Files.readString(out.resolve("report.html")).contains("uncertainty (loss weighting)"),
                "the report names the method's kind (uncertainty: the default for hard sharing of several tasks)");

        CliRun evaluated = run("evaluate", "--model", out.resolve("model.zip").toString(), "--data", penguins.toString(), "--json");
        assertEquals(0, evaluated.code(), evaluated.err());
        assertTrue(evaluated.out().contains("\"n\" : 344") || evaluated.out().contains("\"n\" : 342"), evaluated.out());

        Path predictions = dir.resolve("pred.csv");
        CliRun predicted = run("predict", "--model", out.resolve("model.zip").toString(), "--data", penguins.toString(),
                "--out", predictions.toString());
        assertEquals(0, predicted.code(), predicted.err());
        List<String> lines = Files.readAllLines(predictions);
        assertEquals("species,species_p_Adelie,species_p_Chinstrap,species_p_Gentoo,sex,sex_p_female,sex_p_male,mass", lines.get(0));
        assertEquals(345, lines.size());
        double mass = Double.parseDouble(lines.get(1).split(",")[7]);
        assertTrue(mass > 2000 && mass < 7000, "mass is reported in grams: " + mass);
    }

    @Test
    void baselinesAndClassWeightsFromTheCommandLine() throws Exception {
        Path out = dir.resolve("baselines");
        CliRun run = run(train(penguins, out, "--baselines", "--class-weights", "sex=balanced", "--epochs", "2", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("linear") && run.out().contains("single-task") && run.out().contains("this model"), run.out());
        assertTrue(run.out().contains("this model's delta-m vs linear "), run.out());
        assertTrue(run.out().contains("linear sex: logistic regression, C = "), run.out());
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        for (String baseline : List.of("linear", "single_task")) {
            for (String task : List.of("species", "sex", "mass")) {
                assertEquals(metrics.get("tasks").get(task).get("n").asLong(), metrics.get("baselines").get(baseline).get(task).get("n").asLong(),
                        baseline + " " + task);
            }
            assertTrue(metrics.get("baselines").get("delta_m").has(baseline), metrics.get("baselines").toString());
        }
        assertTrue(metrics.get("positive_weights").get("sex").asDouble() > 0, metrics.toString());
        assertTrue(Files.readString(out.resolve("report.html")).contains("<h2>Baselines</h2>"));

        Path never = dir.resolve("never-cw");
        refused(train(penguins, never, "--class-weights", "sex=lots"), never, "--class-weights 'sex=lots'", "balanced");
        refused(train(penguins, never, "--class-weights", "species=balanced"), never, "--class-weights", "species", "binary");
    }

    /**
     * {@code --test-data}: the model and both baselines measured once on held-out rows; the model's figures there are
     * what {@code mtl evaluate} gives for the saved model on the same file; a test file without a label column is
     * refused before training.
     */
    @Test
    void heldOutTestRowsFromTheCommandLine() throws Exception {
        List<String> rows = Files.readAllLines(penguins);
        StringBuilder train = new StringBuilder(rows.get(0)).append('\n');
        StringBuilder test = new StringBuilder(rows.get(0)).append('\n');
        for (int r = 1; r < rows.size(); r++) {
            (r % 5 == 0 ? test : train).append(rows.get(r)).append('\n');
        }
        Path trainFile = csv("dev.csv", train.toString());
        Path testFile = csv("test.csv", test.toString());
        long testRows = test.toString().lines().count() - 1;
        Path out = dir.resolve("held-out");
        CliRun run = run(train(trainFile, out, "--baselines", "--test-data", testFile.toString(), "--epochs", "2", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("held-out test rows (" + testFile + ", " + testRows + " rows;"), run.out());
        JsonNode block = new ObjectMapper().readTree(out.resolve("metrics.json").toFile()).get("test");
        assertEquals(testRows, block.get("rows").asLong(), block.toString());
        assertEquals(testFile.toString(), block.get("data").asText());
        for (String baseline : List.of("linear", "single_task")) {
            for (String task : List.of("species", "sex", "mass")) {
                assertEquals(block.get("tasks").get(task).get("n").asLong(), block.get("baselines").get(baseline).get(task).get("n").asLong(),
                        baseline + " " + task);
            }
            assertTrue(block.get("baselines").get("delta_m").has(baseline), block.toString());
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("<h2>Held-out test rows</h2>"));

        CliRun evaluated = run("evaluate", "--model", out.resolve("model.zip").toString(), "--data", testFile.toString(), "--json");
        assertEquals(0, evaluated.code(), evaluated.err());
        JsonNode reloaded = new ObjectMapper().readTree(evaluated.out()).get("tasks");
        for (String task : List.of("species", "sex", "mass")) {
            JsonNode expected = reloaded.get(task);
            JsonNode measured = block.get("tasks").get(task);
            assertEquals(expected.get("n").asLong(), measured.get("n").asLong(), task);
            expected.fieldNames().forEachRemaining(metric -> {
                if (expected.get(metric).isNumber()) {
                    double value = expected.get(metric).asDouble();
                    assertEquals(value, measured.get(metric).asDouble(), 1e-6 * Math.max(1, Math.abs(value)), task + " " + metric);
                }
            });
        }

        Path never = dir.resolve("never-test");
        Path noMass = csv("test-no-mass.csv", test.toString().replace("body_mass_g", "mass_g"));
        refused(train(trainFile, never, "--test-data", noMass.toString()), never, noMass.toString(), "body_mass_g", "--test-data");
        // Values the model cannot read are found before training (no epoch line printed), with the file, row and column.
        String[] testLines = test.toString().split("\n");
        String[] fields = testLines[2].split(",", -1);
        int massColumn = java.util.Arrays.asList(testLines[0].split(",")).indexOf("\"body_mass_g\"");
        fields[massColumn] = "heavy";
        testLines[2] = String.join(",", fields);
        Path wordInMass = csv("test-word.csv", String.join("\n", testLines) + "\n");
        CliRun word = run(train(trainFile, never, "--test-data", wordInMass.toString()));
        assertFalse(word.out().contains("epoch"), word.out());
        refused(train(trainFile, never, "--test-data", wordInMass.toString()), never, wordInMass.toString(), "line 3", "body_mass_g",
                "heavy");
        refused(train(trainFile, never, "--test-data", "file://" + testFile), never, "--test-data file://" + testFile, "path on this machine");
    }

    /** {@code --dropout} and {@code --l2} reach every layer reading the trunk (dropout) and every layer (L2) of the saved model. */
    @Test
    void dropoutAndL2FromTheCommandLine() throws Exception {
        Path out = dir.resolve("regularized");
        CliRun run = run(train(penguins, out, "--dropout", "0.25", "--l2", "0.001", "--epochs", "1", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        org.deeplearning4j.nn.graph.ComputationGraph graph = io.github.mtldl4j.model.MultiTaskModel.load(out.resolve("model.zip")).graph();
        int layers = 0;
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            org.deeplearning4j.nn.conf.layers.BaseLayer conf = (org.deeplearning4j.nn.conf.layers.BaseLayer) layer.conf().getLayer();
            String name = conf.getLayerName();
            assertTrue(conf.getRegularization().stream().anyMatch(r -> r instanceof org.nd4j.linalg.learning.regularization.L2Regularization
                    l2 && l2.getL2().valueAt(0, 0) == 0.001), name + ": " + conf.getRegularization());
            if (!name.equals("trunk_0")) {
                // DL4J's Dropout holds the retain probability: 1 - 0.25.
                assertEquals(0.75, ((org.deeplearning4j.nn.conf.dropout.Dropout) conf.getIDropout()).getP(), 1e-12, name);
            }
            layers++;
        }
        assertEquals(4, layers, "trunk_0 (--shared 8) and three outputs");
        JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(0.25, metrics.get("dropout").asDouble());
        assertEquals(0.001, metrics.get("l2").asDouble());
        Path never = dir.resolve("never-dropout");
        refused(train(penguins, never, "--dropout", "1"), never, "--dropout", "[0, 1)");
        refused(train(penguins, never, "--l2", "-1"), never, "--l2", ">= 0");
    }

    @Test
    void warmupCosineScheduleTrainsAndIsNamedInTheReport() throws Exception {
        Path out = dir.resolve("cosine");
        CliRun run = run(train(penguins, out, "--lr-schedule", "warmup-cosine", "--epochs", "2", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        assertTrue(Files.readString(out.resolve("report.html")).contains("warmup-cosine"), "the report names the schedule");
        Path never = dir.resolve("never-schedule");
        refused(train(penguins, never, "--lr-schedule", "cosine"), never, "--lr-schedule 'cosine'", "warmup-cosine");
    }

    @Test
    void helpListsEveryRegisteredName() {
        CliRun help = run("train", "--help");
        assertEquals(0, help.code(), help.err());
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("fixed, uncertainty, dwa, rlw, gradnorm, famo, gls, imtl-l, stch, sum, pcgrad, mgda, cagrad, imtl, upgrad,"
                + " aligned-mtl, aligned-mtl-ub, config, nash-mtl, dualproj, gradvac, imtl-hybrid, fairgrad, db-mtl, excess-mtl, moco, graddrop, sdmgrad, modo (default: uncertainty for hard sharing of several tasks without --weights; fixed otherwise"), text);
        assertTrue(text.contains("hard, independent, cascade, esmm, aitm, mmoe, omoe, cgc, ple, dselect-k, cross-stitch (default hard)"), text);
    }

    @Test
    void everyArchitectureTrainsFromTheCommandLine() throws Exception {
        for (String arch : List.of("independent", "mmoe", "omoe", "cgc", "ple", "dselect-k", "cross-stitch")) {
            Path out = dir.resolve(arch);
            CliRun run = run(train(penguins, out, "--arch", arch, "--epochs", "1", "--shared", "8", "--experts", "2"));
            assertEquals(0, run.code(), arch + ": " + run.err());
            String report = Files.readString(out.resolve("report.html"));
            boolean gated = List.of("mmoe", "omoe", "cgc", "ple", "dselect-k").contains(arch);
            assertEquals(gated, report.contains("Gate utilization"), arch + " report gate section");
        }
        CliRun cascade = run(train(penguins, dir.resolve("cascade"), "--arch", "cascade", "--cascade", "sex=species", "--epochs", "1"));
        assertEquals(0, cascade.code(), cascade.err());
        CliRun noEdge = run(train(penguins, dir.resolve("c2"), "--arch", "cascade", "--epochs", "1"));
        assertEquals(2, noEdge.code());
        assertTrue(noEdge.err().contains("--cascade TARGET=SOURCE"), noEdge.err());
    }

    @Test
    void dselectKStaticGateWithTheEntropyRegularizerTrains() throws Exception {
        Path out = dir.resolve("static");
        CliRun run = run(train(penguins, out, "--arch", "dselect-k", "--experts", "4", "--top-k", "2", "--dselect-gate", "static",
                "--dselect-entropy", "1e-3", "--epochs", "1", "--shared", "8"));
        assertEquals(0, run.code(), run.err());
        io.github.mtldl4j.model.MultiTaskModel model = io.github.mtldl4j.model.MultiTaskModel.load(out.resolve("model.zip"));
        org.deeplearning4j.nn.conf.graph.GraphVertex gate = model.graph().getConfiguration().getVertices()
                .get(io.github.mtldl4j.model.VertexNames.gate("species", 0));
        io.github.mtldl4j.graph.DSelectKLayer layer = (io.github.mtldl4j.graph.DSelectKLayer)
                ((org.deeplearning4j.nn.conf.graph.LayerVertex) gate).getLayerConf().getLayer();
        assertEquals(io.github.mtldl4j.graph.DSelectKLayer.Routing.STATIC, layer.routing());
        assertEquals(1e-3, layer.entropy());
    }

    @Test
    void fusedHeadsTrainAndTheModelEvaluates() throws Exception {
        Path out = dir.resolve("fused");
        CliRun run = run(train(penguins, out, "--head", "8", "--fused-heads", "--epochs", "2"));
        assertEquals(0, run.code(), run.err());
        CliRun evaluated = run("evaluate", "--model", out.resolve("model.zip").toString(), "--data", penguins.toString(), "--json");
        assertEquals(0, evaluated.code(), evaluated.err());
        assertTrue(evaluated.out().contains("\"macro_f1\""), evaluated.out());

        CliRun noHead = run(train(penguins, dir.resolve("f2"), "--fused-heads", "--epochs", "1"));
        assertEquals(2, noHead.code());
        assertTrue(noHead.err().contains("--fused-heads") && noHead.err().contains("--head"), noHead.err());
        CliRun towers = run(train(penguins, dir.resolve("f3"), "--fused-heads", "--head", "8", "--arch", "mmoe", "--epochs", "1"));
        assertEquals(2, towers.code());
        assertTrue(towers.err().contains("--arch hard"), towers.err());
        assertTrue(!Files.exists(dir.resolve("f2")) && !Files.exists(dir.resolve("f3")), "a refused run writes nothing");
    }

    @Test
    void separateValidationFile() throws Exception {
        List<String> lines = Files.readAllLines(penguins);
        List<String> training = new ArrayList<>(List.of(lines.get(0)));
        List<String> validation = new ArrayList<>(List.of(lines.get(0)));
        for (int i = 1; i < lines.size(); i++) {
            (i % 4 == 0 ? validation : training).add(lines.get(i));
        }
        Path train = Files.write(dir.resolve("train.csv"), training);
        Path valid = Files.write(dir.resolve("valid.csv"), validation);
        Path out = dir.resolve("sep");
        CliRun run = run(train(train, out, "--valid-data", valid.toString()));
        assertEquals(0, run.code(), run.err());
        String metrics = Files.readString(out.resolve("metrics.json"));
        assertTrue(metrics.contains("\"n\" : 86"), "every 4th of 344 rows validates: " + metrics);
    }

    /** A funnel table: 120 impressions, ~20 % clicks, ~10 % of clicks convert; {@code broken} replaces line 3. */
    private Path funnel(String name, String broken) throws Exception {
        java.util.Random random = new java.util.Random(3);
        StringBuilder text = new StringBuilder("visits,price,click,conversion\n");
        for (int r = 0; r < 120; r++) {
            int visits = random.nextInt(20);
            boolean click = random.nextDouble() < 0.1 + 0.02 * visits * 0.5;
            boolean conversion = click && random.nextDouble() < 0.1;
            text.append(r == 1 && broken != null ? broken : visits + "," + random.nextInt(100) + "," + (click ? 1 : 0) + ","
                    + (conversion ? 1 : 0)).append('\n');
        }
        return csv(name, text.toString());
    }

    @Test
    void esmmTrainsAFunnelInTaskOrderAndRefusesRowsThatBreakIt() throws Exception {
        Path out = dir.resolve("esmm");
        String[] tasks = {"--task", "click:binary:click", "--task", "conversion:binary:conversion", "--arch", "esmm", "--epochs", "1"};
        CliRun run = run(concat(new String[] {"train", "--data", funnel("funnel.csv", null).toString(), "--out", out.toString()}, tasks));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("esmm sharing"), run.out());
        Path never = dir.resolve("never");
        refused(concat(new String[] {"train", "--data", funnel("skip.csv", "5,10,0,1").toString(), "--out", never.toString()}, tasks),
                never, "skip.csv: line 3, column 'conversion'", "previous funnel stage 'click'");
        refused(concat(new String[] {"train", "--data", funnel("gap.csv", "5,10,0,").toString(), "--out", never.toString()}, tasks),
                never, "gap.csv: line 3, column 'conversion'", "fill 0");
    }

    @Test
    void aitmTrainsAFunnelAndRefusesABadCalibratorWeightAndRowsThatBreakTheFunnel() throws Exception {
        Path out = dir.resolve("aitm");
        String[] tasks = {"--task", "click:binary:click", "--task", "conversion:binary:conversion", "--arch", "aitm", "--epochs", "1"};
        CliRun run = run(concat(new String[] {"train", "--data", funnel("funnel.csv", null).toString(), "--out", out.toString(),
                "--calibrator-weight", "0.3"}, tasks));
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("aitm sharing"), run.out());
        Path never = dir.resolve("never");
        refused(concat(new String[] {"train", "--data", funnel("skip.csv", "5,10,0,1").toString(), "--out", never.toString()}, tasks),
                never, "skip.csv: line 3, column 'conversion'", "previous funnel stage 'click'", "--arch aitm");
        refused(concat(new String[] {"train", "--data", funnel("ok.csv", null).toString(), "--out", never.toString(),
                "--calibrator-weight", "-1"}, tasks), never, "--calibrator-weight must be finite and >= 0", "received -1.0");
    }

    private static String[] concat(String[] first, String[] second) {
        List<String> all = new ArrayList<>(Arrays.asList(first));
        all.addAll(Arrays.asList(second));
        return all.toArray(String[]::new);
    }

    private void refused(String[] args, Path out, String... fragments) {
        CliRun run = run(args);
        assertEquals(2, run.code(), String.join(" ", args) + "\n" + run.err());
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("ND4J backend")).toList();
        assertEquals(1, lines.size(), run.err());
        for (String fragment : fragments) {
            assertTrue(lines.get(0).contains(fragment), "'" + fragment + "' missing in: " + lines.get(0));
        }
        if (out != null) {
            assertFalse(Files.exists(out), "nothing written for a refused run: " + out);
        }
    }

    private Path csv(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void badInputsExitTwoWithOneLineAndWriteNothing() throws Exception {
        Path out = dir.resolve("never");
        refused(train(dir.resolve("missing.csv"), out), out, "missing.csv", "no such file");
        refused(train(csv("empty.csv", ""), out), out, "empty.csv", "empty file");
        refused(train(csv("header.csv", "species,sex,body_mass_g\n"), out), out, "header.csv", "no data rows");
        refused(train(csv("ragged.csv", "species,sex,body_mass_g,x\nAdelie,male,3000,1\nGentoo,male\n"), out), out,
                "ragged.csv", "line 3", "2 fields");
        refused(new String[] {"train", "--data", penguins.toString(), "--task", "x:binary:nope", "--out", out.toString()}, out,
                "no column 'nope'", "task 'x'");
        refused(new String[] {"train", "--data", penguins.toString(), "--task", "x:ordinal:sex", "--out", out.toString()}, out,
                "unknown type 'ordinal'");
        refused(new String[] {"train", "--data", penguins.toString(), "--task", "x:binary", "--out", out.toString()}, out,
                "expected NAME:TYPE:COLUMN");
        refused(new String[] {"train", "--data", penguins.toString(), "--task", "x:binary:sex", "--task", "x:multiclass:species",
                "--out", out.toString()}, out, "'x' is given twice");
        refused(train(penguins, out, "--features", "island,sex"), out, "'sex' is both a feature and a label");
        refused(new String[] {"train", "--data", csv("one.csv", "y,x\na,1\na,2\na,3\na,4\na,5\n").toString(), "--task", "y:binary:y",
                "--out", out.toString()}, out, "task 'y'", "only one class");
        refused(new String[] {"train", "--data", csv("text.csv", "y,x\n1,1\nheavy,2\n3,3\n4,4\n5,5\n").toString(), "--task",
                "y:regression:y", "--out", out.toString()}, out, "text.csv", "line 3", "column 'y'", "'heavy'");
        refused(new String[] {"train", "--data", csv("nolabels.csv", "y,x\n,1\nNA,2\n,3\n,4\n,5\n").toString(), "--task",
                "y:regression:y", "--out", out.toString()}, out, "task 'y'", "every training row lacks");
        refused(train(penguins, out, "--valid", "1.5"), out, "--valid", "(0, 1)");
        refused(train(penguins, out, "--epochs", "0"), out, "--epochs must be >= 1");
        refused(train(penguins, out, "--ui"), out, "-Pui");
        refused(train(penguins, out, "--arch", "mmoe", "--weighting", "mgda"), out, "--weighting mgda", "--arch hard");
        refused(train(penguins, out, "--arch", "cross-stitch", "--weighting", "gradnorm"), out, "gradnorm", "no shared layer");
        refused(train(penguins, out, "--arch", "dselect-k", "--experts", "6"), out, "--experts", "power of two", "received 6");
        refused(train(penguins, out, "--arch", "dselect-k", "--experts", "4", "--top-k", "5"), out, "--top-k", "at most --experts");
        refused(train(penguins, out, "--arch", "mmoe", "--dselect-gate", "static"), out, "--dselect-gate", "--arch dselect-k only");
        refused(train(penguins, out, "--arch", "dselect-k", "--experts", "4", "--dselect-entropy", "1e-3"), out, "--dselect-entropy",
                "static gate", "per-example gate");
        Path notModel = csv("model.zip", "not a model");
        refused(new String[] {"evaluate", "--model", notModel.toString(), "--data", penguins.toString()}, null, "model.zip", "not a");
        CliRun trained = run(train(penguins, dir.resolve("ok")));
        assertEquals(0, trained.code(), trained.err());
        Path withoutBill = csv("nobill.csv", "species,island,sex,body_mass_g,bill_depth_mm,flipper_length_mm\n"
                + "Adelie,Dream,male,3000,18,190\n");
        refused(new String[] {"evaluate", "--model", dir.resolve("ok/model.zip").toString(), "--data", withoutBill.toString()}, null,
                "nobill.csv", "no column 'bill_length_mm'");
        Path predictions = dir.resolve("p.csv");
        refused(new String[] {"predict", "--model", dir.resolve("ok/model.zip").toString(), "--data", withoutBill.toString(),
                "--out", predictions.toString()}, predictions, "no column 'bill_length_mm'");
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }
}
