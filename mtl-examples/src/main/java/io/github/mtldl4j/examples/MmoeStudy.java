package io.github.mtldl4j.examples;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.examples.data.MmoeSyntheticData;
import io.github.mtldl4j.examples.data.MmoeSyntheticData.Setting;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.RepresentationTapVertex;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.model.TaskLosses;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.train.DirectTrainingStep;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.MultiTaskTrainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The MMoE paper's synthetic study (Ma et al., KDD 2018, Section 4, Figure 3) at a fixed step budget: hard sharing
 * (the paper's shared-bottom), OMoE and MMoE on {@link MmoeSyntheticData} for each setting, p and seed, held-out MSE
 * every {@code --eval-every} steps. Each finished run is one line of {@code runs.tsv} in the output directory, which is
 * rewritten atomically (a temporary file moved over it) after every run; a rerun skips the runs already there. After
 * every run the directory also gets {@code table.txt} (final held-out MSE, mean ± sd over seeds) and {@code curves.svg}
 * (mean held-out MSE against steps, one panel per setting and p), both written atomically.
 */
@Command(name = "mmoe-study", mixinStandardHelpOptions = true,
        description = "MMoE paper's synthetic study at a fixed step budget, resumable: loss curves and final held-out MSE.")
public final class MmoeStudy implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, description = "Output directory (runs.tsv, table.txt, curves.svg); a rerun resumes.")
    Path out;

    @Option(names = "--setting", split = ",", defaultValue = "google,third-party",
            description = "Generator settings: google (c=1, m=10, alpha_i=i, beta_i=(i-1)^2, noise 0.01), third-party "
                    + "(c=0.3, m=5, noise 0.1) (default ${DEFAULT-VALUE}).")
    List<String> settings;

    @Option(names = "--p", split = ",", defaultValue = "1.0,0.9,0.5", description = "Task correlations (default ${DEFAULT-VALUE}).")
    List<Double> correlations;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds per setting and p (default ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--seed", defaultValue = "1", description = "First seed (default ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(names = "--rows", defaultValue = "100000", description = "Training rows (default ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--test-rows", defaultValue = "10000", description = "Held-out rows (default ${DEFAULT-VALUE}).")
    int testRows;

    @Option(names = "--steps", defaultValue = "20000", description = "Training steps per run (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--eval-every", defaultValue = "1000", description = "Held-out MSE every this many steps (default ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--batch", defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--scale", description = "Override the setting's scale c (for experiments on c).")
    Double scale;

    @Option(names = "--models", split = ",", defaultValue = "hard,omoe,mmoe", description = "Models (default ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--experts", defaultValue = "8", description = "Experts (default ${DEFAULT-VALUE}).")
    int experts;

    @Option(names = "--expert-width", defaultValue = "16", description = "Units per expert (default ${DEFAULT-VALUE}).")
    int expertWidth;

    @Option(names = "--bottom", defaultValue = "126", split = ",", paramLabel = "W",
            description = "Widths of the shared bottom's layers (default ${DEFAULT-VALUE}: one layer, MMoE's parameter "
                    + "count; e.g. 64,64 for two).")
    int[] bottom;

    @Option(names = "--tower", defaultValue = "8", description = "Units of each task tower (default ${DEFAULT-VALUE}).")
    int tower;

    @Option(names = "--report-only",
            description = "Train nothing: rewrite table.txt and curves.svg from runs.tsv (e.g. after merging the runs.tsv lines of "
                    + "studies run in parallel).")
    boolean reportOnly;

    /**
     * One finished run: its key, the final held-out MSE per task, the held-out mean-over-tasks MSE after every
     * {@code evalEvery} steps and the final mean-over-tasks MSE on the first {@code --test-rows} training rows (NaN for
     * runs recorded before it was measured): held-out far above it means overfitting, close to it underfitting.
     */
    record Run(String setting, double p, String model, long seed, int steps, double y1, double y2, double seconds,
            TreeMap<Integer, Double> curve, double train) {
        String key() {
            return key(setting, p, model, seed, steps);
        }

        static String key(String setting, double p, String model, long seed, int steps) {
            return String.format(Locale.ROOT, "%s\t%.2f\t%s\t%d\t%d", setting, p, model, seed, steps);
        }

        String line() {
            StringBuilder c = new StringBuilder();
            curve.forEach((s, v) -> c.append(c.length() == 0 ? "" : ";").append(s).append(':').append(String.format(Locale.ROOT, "%.6g", v)));
            return key() + String.format(Locale.ROOT, "\t%.6g\t%.6g\t%.1f\t", y1, y2, seconds) + c
                    + (Double.isNaN(train) ? "" : String.format(Locale.ROOT, "\t%.6g", train));
        }

        static Run parse(String line) {
            String[] f = line.split("\t");
            TreeMap<Integer, Double> curve = new TreeMap<>();
            if (f.length > 8 && !f[8].isEmpty()) {
                for (String point : f[8].split(";")) {
                    String[] sv = point.split(":");
                    curve.put(Integer.parseInt(sv[0]), Double.parseDouble(sv[1]));
                }
            }
            return new Run(f[0], Double.parseDouble(f[1]), f[2], Long.parseLong(f[3]), Integer.parseInt(f[4]),
                    Double.parseDouble(f[5]), Double.parseDouble(f[6]), Double.parseDouble(f[7]), curve,
                    f.length > 9 ? Double.parseDouble(f[9]) : Double.NaN);
        }
    }

    @Override
    public Integer call() throws IOException {
        if (seeds < 1 || rows < 10 || testRows < 1 || steps < 1 || evalEvery < 1 || steps % evalEvery != 0 || batch < 1
                || !(lr > 0) || experts < 1 || expertWidth < 1 || Arrays.stream(bottom).anyMatch(w -> w < 1) || tower < 1
                || (scale != null && !(scale > 0))
                || correlations.isEmpty()) {
            throw new IllegalArgumentException("need --seeds, --batch, --experts, --expert-width, every --bottom width, "
                    + "--tower, --test-rows >= 1, --rows >= 10, --steps a multiple of --eval-every, --lr > 0, --scale > 0 "
                    + "and at least one --p; received seeds="
                    + seeds + ", rows=" + rows + ", steps=" + steps + ", eval-every=" + evalEvery + ", lr=" + lr + ".");
        }
        List<Setting> chosen = settings.stream().map(Setting::of).toList();
        for (double p : correlations) {
            if (!(p >= -1 && p <= 1)) {
                throw new IllegalArgumentException("--p values are correlations in [-1, 1], received " + p + ".");
            }
        }
        for (String m : models) {
            model(m, 1);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(BackendInfo.describe());
        Files.createDirectories(out);
        Path results = out.resolve("runs.tsv");
        Map<String, Run> done = new LinkedHashMap<>();
        if (Files.exists(results)) {
            for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    Run r = Run.parse(line);
                    done.put(r.key(), r);
                }
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf(Locale.ROOT, "MMoE study: settings %s, p %s, models %s, seeds %d..%d; %d train / %d held-out rows; %d steps "
                + "of batch %d, Adam(%s), held-out MSE every %d steps; %d runs already in %s%n", settings, correlations, models,
                firstSeed, firstSeed + seeds - 1, rows, testRows, steps, batch, lr, evalEvery, done.size(), results);
        for (String m : models) {
            MultiTaskModel model = model(m, firstSeed);
            stdout.printf(Locale.ROOT, "  %-5s %6d parameters; step: %s%n", m, model.parameterCounts().total(),
                    DirectTrainingStep.unsupportedReason(model.graph(), RepresentationTapVertex.class)
                            .map(r -> "ComputationGraph.fit (" + r + ")").orElse("direct (DirectTrainingStep)"));
        }
        stdout.flush();
        for (Setting setting : reportOnly ? List.<Setting>of() : chosen) {
            for (double p : correlations) {
                for (int s = 0; s < seeds; s++) {
                    long seed = firstSeed + s;
                    MultiDataSet train = null;
                    MultiDataSet test = null;
                    MultiDataSet trainSample = null;
                    for (String m : models) {
                        String key = Run.key(setting.label(), p, m, seed, steps);
                        if (done.containsKey(key)) {
                            continue;
                        }
                        if (train == null) {
                            MmoeSyntheticData data = scale == null ? setting.data(p, seed) : setting.data(p, seed, scale);
                            train = data.sample(rows, seed * 1000 + 1);
                            test = data.sample(testRows, seed * 1000 + 2);
                            trainSample = firstRows(train, Math.min(rows, testRows));
                        }
                        Run run = run(setting.label(), p, m, seed, train, test, trainSample);
                        done.put(key, run);
                        writeAtomically(results, linesOf(done));
                        writeAtomically(out.resolve("table.txt"), table(done.values()));
                        writeAtomically(out.resolve("curves.svg"), svg(done.values()));
                        stdout.printf(Locale.ROOT, "%-11s p=%.2f %-5s seed %d: held-out MSE %.5f / %.5f, training rows %.5f "
                                + "(%.0f s, %.0f steps/s)%n", setting.label(), p, m, seed, run.y1(), run.y2(), run.train(),
                                run.seconds(), steps / run.seconds());
                        stdout.flush();
                    }
                }
            }
        }
        writeAtomically(out.resolve("table.txt"), table(done.values()));
        writeAtomically(out.resolve("curves.svg"), svg(done.values()));
        stdout.print(table(done.values()));
        stdout.flush();
        return 0;
    }

    MultiTaskModel model(String architecture, long seed) {
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(100).activation(Activation.RELU)
                .updater(new Adam(lr)).seed(seed)
                .task(Task.regression("y1").withHead(tower)).task(Task.regression("y2").withHead(tower));
        return switch (architecture) {
            case HardSharing.NAME -> builder.sharedLayers(bottom).build();
            case "mmoe" -> builder.sharing(MixtureOfExperts.mmoe(experts, expertWidth)).build();
            case "omoe" -> builder.sharing(MixtureOfExperts.omoe(experts, expertWidth)).build();
            default -> throw new IllegalArgumentException("unknown model '" + architecture + "' in --models; expected hard, omoe or mmoe.");
        };
    }

    private Run run(String setting, double p, String architecture, long seed, MultiDataSet train, MultiDataSet test,
            MultiDataSet trainSample) {
        MultiTaskModel model = model(architecture, seed);
        TreeMap<Integer, Double> curve = new TreeMap<>();
        int chunks = steps / evalEvery;
        long start = System.nanoTime();
        MultiTaskTrainer.builder(model).epochs(chunks).seed(seed).metrics(false).keep(KeptParameters.LAST)
                .listener(report -> {
                    TaskLosses l = model.losses(test);
                    curve.put(report.epoch() * evalEvery, (l.unweighted().get("y1") + l.unweighted().get("y2")) / 2);
                })
                .build().fit(fixedSteps(train, seed));
        double seconds = (System.nanoTime() - start) / 1e9;
        TaskLosses losses = model.losses(test);
        TaskLosses fit = model.losses(trainSample);
        return new Run(setting, p, architecture, seed, steps, losses.unweighted().get("y1"), losses.unweighted().get("y2"),
                seconds, curve, (fit.unweighted().get("y1") + fit.unweighted().get("y2")) / 2);
    }

    /**
     * Batches in "epochs" of exactly {@code evalEvery} steps, walking through the training rows in a fresh seeded
     * permutation per pass over the data, so a run is a fixed number of steps whatever the row count.
     */
    private InMemoryMultiDataSetIterator fixedSteps(MultiDataSet train, long seed) {
        int n = (int) train.getFeatures(0).size(0);
        long chunkRows = (long) evalEvery * batch;
        Map<Long, int[]> permutations = new HashMap<>();
        // The iterator draws order 0 when it is built and the trainer resets it before every epoch, so training epoch e
        // (from 1) reads order e: step s of the run is global row position (s - 1) x batch whatever --eval-every is.
        return InMemoryMultiDataSetIterator.ordered(train, batch, chunk -> {
            int[] picked = new int[(int) chunkRows];
            for (int i = 0; i < picked.length; i++) {
                long g = Math.max(0, chunk - 1) * chunkRows + i;
                int[] perm = permutations.computeIfAbsent(g / n, pass -> permutation(n, new Random(seed * 7919 + pass)));
                picked[i] = perm[(int) (g % n)];
            }
            return picked;
        });
    }

    private static int[] permutation(int n, Random random) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** The first {@code n} rows of every feature and label array. */
    static MultiDataSet firstRows(MultiDataSet data, int n) {
        INDArray[] features = Arrays.stream(data.getFeatures())
                .map(a -> a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup()).toArray(INDArray[]::new);
        INDArray[] labels = Arrays.stream(data.getLabels())
                .map(a -> a.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup()).toArray(INDArray[]::new);
        return new MultiDataSet(features, labels);
    }

    private static String linesOf(Map<String, Run> done) {
        StringBuilder b = new StringBuilder("# setting\tp\tmodel\tseed\tsteps\tmse_y1\tmse_y2\tseconds\tcurve (step:mean held-out MSE)"
                + "\ttrain_mse (mean of the tasks on the first --test-rows training rows)\n");
        done.values().forEach(r -> b.append(r.line()).append('\n'));
        return b.toString();
    }

    /** Writes {@code text} to a temporary file in the same directory, then moves it over {@code target} atomically. */
    static void writeAtomically(Path target, String text) {
        try {
            Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName() + ".", ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Final held-out MSE per setting, p and model: mean ± sd over seeds, and the paired difference to hard sharing. */
    static String table(Iterable<Run> runs) {
        Map<String, List<Run>> groups = new TreeMap<>();
        for (Run r : runs) {
            groups.computeIfAbsent(String.format(Locale.ROOT, "%s\t%.2f\t%s", r.setting(), -r.p(), order(r.model())), k -> new ArrayList<>()).add(r);
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-11s %-5s %-5s %5s %6s %18s %18s %18s %18s %18s%n",
                "setting", "p", "model", "seeds", "steps", "y1", "y2", "mean", "mean - hard", "training rows"));
        groups.forEach((k, list) -> {
            Run first = list.get(0);
            List<Double> paired = new ArrayList<>();
            for (Run r : list) {
                for (Run h : runs) {
                    if (h.model().equals(HardSharing.NAME) && h.setting().equals(r.setting()) && h.p() == r.p() && h.seed() == r.seed()
                            && h.steps() == r.steps()) {
                        paired.add((r.y1() + r.y2()) / 2 - (h.y1() + h.y2()) / 2);
                    }
                }
            }
            List<Double> train = list.stream().map(Run::train).toList();
            b.append(String.format(Locale.ROOT, "%-11s %-5.2f %-5s %5d %6d %18s %18s %18s %18s %18s%n", first.setting(), first.p(),
                    first.model(), list.size(), first.steps(), meanSd(list.stream().map(Run::y1).toList()),
                    meanSd(list.stream().map(Run::y2).toList()), meanSd(list.stream().map(r -> (r.y1() + r.y2()) / 2).toList()),
                    paired.isEmpty() ? "-" : meanSd(paired), train.stream().anyMatch(v -> v.isNaN()) ? "-" : meanSd(train)));
        });
        return b.toString();
    }

    private static String order(String model) {
        return switch (model) {
            case HardSharing.NAME -> "0" + model;
            case "omoe" -> "1" + model;
            default -> "2" + model;
        };
    }

    private static String meanSd(List<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.size() - 1);
        return String.format(Locale.ROOT, "%.5f ± %.5f", mean, Math.sqrt(var));
    }

    /**
     * Mean held-out MSE (over seeds, mean of the two tasks) against steps: one panel per (setting, p), one line per
     * model, logarithmic MSE axis, as the paper's Figure 3.
     */
    static String svg(Iterable<Run> runs) {
        Map<String, Map<String, List<Run>>> panels = new TreeMap<>();
        for (Run r : runs) {
            panels.computeIfAbsent(String.format(Locale.ROOT, "%s\t%.2f", r.setting(), -r.p()), k -> new TreeMap<>())
                    .computeIfAbsent(order(r.model()), k -> new ArrayList<>()).add(r);
        }
        int w = 360;
        int h = 260;
        int cols = 3;
        int rowsOfPanels = Math.max(1, (panels.size() + cols - 1) / cols);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w * cols, h * rowsOfPanels + 20));
        String[] colors = {"#d62728", "#2ca02c", "#1f77b4"};
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">held-out MSE (mean of y1, y2; mean over seeds; log scale) "
                + "against training steps. red: hard (shared-bottom), green: omoe, blue: mmoe</text>%n", h * rowsOfPanels + 14));
        int index = 0;
        for (Map.Entry<String, Map<String, List<Run>>> panel : panels.entrySet()) {
            int ox = (index % cols) * w;
            int oy = (index / cols) * h;
            index++;
            String[] key = panel.getKey().split("\t");
            Map<String, TreeMap<Integer, Double>> means = new LinkedHashMap<>();
            double lo = Double.MAX_VALUE;
            double hi = 0;
            int maxStep = 1;
            for (Map.Entry<String, List<Run>> model : panel.getValue().entrySet()) {
                TreeMap<Integer, Double> mean = new TreeMap<>();
                Map<Integer, Integer> counts = new HashMap<>();
                for (Run r : model.getValue()) {
                    r.curve().forEach((s, v) -> {
                        mean.merge(s, v, Double::sum);
                        counts.merge(s, 1, Integer::sum);
                    });
                }
                mean.replaceAll((s, v) -> v / counts.get(s));
                means.put(model.getKey(), mean);
                for (Map.Entry<Integer, Double> e : mean.entrySet()) {
                    if (e.getValue() > 0 && Double.isFinite(e.getValue())) {
                        lo = Math.min(lo, e.getValue());
                        hi = Math.max(hi, e.getValue());
                    }
                    maxStep = Math.max(maxStep, e.getKey());
                }
            }
            if (hi <= 0) {
                continue;
            }
            double logLo = Math.log10(lo) - 0.02;
            double logHi = Math.max(Math.log10(hi) + 0.02, logLo + 0.1);
            int px = ox + 55;
            int py = oy + 25;
            int pw = w - 70;
            int ph = h - 60;
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s, p = %s</text>%n", px, oy + 16,
                    key[0], String.format(Locale.ROOT, "%.2f", -Double.parseDouble(key[1]))));
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                    px, py, pw, ph));
            for (int t = 0; t <= 4; t++) {
                double lv = logLo + (logHi - logLo) * t / 4;
                int y = (int) Math.round(py + ph - ph * (lv - logLo) / (logHi - logLo));
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>%n", px - 3, y + 4,
                        Math.pow(10, lv)));
                b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>%n", px, y, px + pw, y));
            }
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d steps</text>%n",
                    px, py + ph + 14, px + pw, py + ph + 14, maxStep));
            for (Map.Entry<String, TreeMap<Integer, Double>> model : means.entrySet()) {
                StringBuilder pts = new StringBuilder();
                for (Map.Entry<Integer, Double> e : model.getValue().entrySet()) {
                    if (!(e.getValue() > 0) || !Double.isFinite(e.getValue())) {
                        continue;
                    }
                    double x = px + pw * (double) e.getKey() / maxStep;
                    double y = py + ph - ph * (Math.log10(e.getValue()) - logLo) / (logHi - logLo);
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                }
                String color = colors[Math.min(colors.length - 1, model.getKey().charAt(0) - '0')];
                b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"><title>%s</title></polyline>%n",
                        color, pts.toString().trim(), model.getKey().substring(1)));
            }
        }
        return b.append("</svg>\n").toString();
    }
}
