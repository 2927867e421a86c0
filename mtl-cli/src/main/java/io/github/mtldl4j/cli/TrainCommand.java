package io.github.mtldl4j.cli;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.eval.GateUtilization;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.model.AtomicFile;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.FeatureSelection;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.data.TaskTables;
import io.github.mtldl4j.tabular.pipeline.BaselineResults;
import io.github.mtldl4j.tabular.pipeline.Baselines;
import io.github.mtldl4j.tabular.pipeline.HeldOutResults;
import io.github.mtldl4j.tabular.pipeline.ClassWeight;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import io.github.mtldl4j.tabular.pipeline.EarlyStopping;
import io.github.mtldl4j.tabular.pipeline.MetricsJson;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.tabular.pipeline.TaskSampling;
import io.github.mtldl4j.tabular.report.HtmlReport;
import io.github.mtldl4j.tabular.report.RunSummary;
import io.github.mtldl4j.train.CheckpointDirectory;
import io.github.mtldl4j.train.EpochReport;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.LearningRateSchedule;
import io.github.mtldl4j.train.PlateauSchedule;
import io.github.mtldl4j.train.WarmupCosineSchedule;
import io.github.mtldl4j.train.TrainingHistory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mtl train}: a multi-task model from a CSV file (docs/design.md, "The command line"). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a multi-task model on a CSV file; writes DIR/model.zip, metrics.json, history.csv.")
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TabularDataOptions input;

    @Option(names = "--task-data", paramLabel = "NAME=PATH", description = "A task's own training file (repeat): its rows carry "
            + "only that task's labels (the other tasks' are masked), features matched by column name, each file split for "
            + "validation on its own. --data may be left out when every task has its own file.")
    List<String> taskData = List.of();

    @Option(names = "--task-sampling", defaultValue = "proportional", paramLabel = "proportional|equal|temperature:T",
            description = "With --task-data: how often each file's rows are drawn. proportional (default): every training row "
            + "once per epoch, as one table would be; equal: each file equally often; temperature:T: rates ~ rows^(1/T).")
    String taskSampling;

    @Option(names = "--arch", defaultValue = "hard", completionCandidates = MethodNames.Architectures.class,
            description = "Sharing: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    String architecture;

    @Option(names = "--experts", defaultValue = "4", description = "Experts (shared experts for cgc/ple) of the mixture-of-experts "
            + "architectures (default ${DEFAULT-VALUE}); each has the --shared widths.")
    int experts;

    @Option(names = "--task-experts", defaultValue = "1", description = "Task-specific experts per task for cgc and ple (default ${DEFAULT-VALUE}).")
    int taskExperts;

    @Option(names = "--top-k", defaultValue = "2", description = "Experts each example may use with --arch dselect-k: the "
            + "selectors of its gates (default ${DEFAULT-VALUE}; --experts must be a power of two).")
    int topK;

    /** The values of {@code --dselect-gate}. */
    enum DSelectGate {
        PER_EXAMPLE("per-example"), STATIC("static");

        private final String flag;

        DSelectGate(String flag) {
            this.flag = flag;
        }

        @Override
        public String toString() {
            return flag;
        }
    }

    @Option(names = "--dselect-gate", defaultValue = "per-example", paramLabel = "per-example|static", converter = DSelectGateConverter.class,
            description = "With --arch dselect-k: a selection per example (default) or one per task, the paper's static gate.")
    DSelectGate dselectGate;

    @Option(names = "--dselect-entropy", defaultValue = "0", paramLabel = "LAMBDA", description = "With --arch dselect-k "
            + "--dselect-gate static: coefficient of the paper's entropy regularizer on each selector, which pushes it to a "
            + "single expert (default ${DEFAULT-VALUE}: off; the authors' code uses 1e-6).")
    double dselectEntropy;

    /** Reads {@code per-example} or {@code static}. */
    static final class DSelectGateConverter implements picocli.CommandLine.ITypeConverter<DSelectGate> {
        @Override
        public DSelectGate convert(String value) {
            for (DSelectGate gate : DSelectGate.values()) {
                if (gate.flag.equals(value)) {
                    return gate;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("expected per-example or static, received '" + value + "'");
        }
    }

    @Option(names = "--calibrator-weight", defaultValue = "0.6", description = "With --arch aitm: weight alpha of the "
            + "calibrator term alpha * max(p_t - p_t-1, 0) that penalizes a later funnel step predicted above the earlier one "
            + "(default ${DEFAULT-VALUE}, the paper's; 0 turns it off).")
    double calibratorWeight;

    @Option(names = "--cascade", paramLabel = "B=A", description = "With --arch cascade: task B's head reads task A's prediction (repeat).")
    List<String> cascades = List.of();

    @Option(names = "--shared", split = ",", defaultValue = "64,64", paramLabel = "W1,W2", description = "Trunk widths (default ${DEFAULT-VALUE}).")
    List<Integer> shared;

    @Option(names = "--head", split = ",", paramLabel = "W", description = "Hidden head widths per task (default none).")
    List<Integer> head = List.of();

    @Option(names = "--fused-heads", description = "Run every task's first hidden head layer as one layer: the same "
            + "function as separate heads, faster steps with loss weightings. Needs --arch hard and --head.")
    boolean fusedHeads;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "RATE", description = "Probability of dropping each trunk "
            + "output in training (Keras' meaning, not DL4J's retain probability; default ${DEFAULT-VALUE}: none).")
    double dropout;

    @Option(names = "--l2", defaultValue = "0", paramLabel = "COEF", description = "L2 regularization coefficient of every "
            + "layer's weights (default ${DEFAULT-VALUE}: none).")
    double l2;

    @Option(names = "--weighting", completionCandidates = MethodNames.Weightings.class,
            description = "Loss weighting or gradient aggregator: ${COMPLETION-CANDIDATES} (default: uncertainty for hard "
                    + "sharing of several tasks without --weights; fixed otherwise, and with --spark or --workers, whose "
                    + "parameter averaging takes fixed weights).")
    String weighting;

    @Option(names = "--weights", split = ",", paramLabel = "NAME=W", description = "Fixed task weights (default 1 each).")
    Map<String, Double> weights = new LinkedHashMap<>();

    @Option(names = "--class-weights", split = ",", paramLabel = "W|NAME=W", description = "Positive-class weights of binary "
            + "tasks: balanced (negatives / positives of the training rows) or a number, for every binary task or per task "
            + "(e.g. balanced, or churn=balanced,fraud=5). Default: none.")
    List<String> classWeights = List.of();

    @Option(names = "--baselines", description = "Also fit, per task, a linear model (ridge or logistic regression) and a "
            + "single-task network on the same split, and report them beside the model with delta-m (docs/baselines.md).")
    boolean baselines;

    @Option(names = "--epochs", defaultValue = "50", description = "Maximum epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Minibatch rows (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.01", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--lr-schedule", defaultValue = "none", paramLabel = "none|plateau|warmup-cosine", description = "Learning-rate "
            + "schedule: none (constant), plateau: halve it after max(2, epochs / 10) epochs without a new best validation epoch, "
            + "or warmup-cosine: rise linearly over the first 5%% of the run's steps, then cosine decay to 0 at the last epoch "
            + "(default ${DEFAULT-VALUE}).")
    String learningRateSchedule;

    @Option(names = "--valid", defaultValue = "0.2", description = "Validation fraction, stratified on the first classification task (default ${DEFAULT-VALUE}).")
    double valid;

    Path validData;

    /** {@code --valid-data} as given (a URI keeps its double slash). */
    String validDataText;

    @Option(names = "--valid-data", paramLabel = "FILE.csv", description = "A separate validation file (instead of --valid).")
    void validData(String value) {
        validDataText = value;
        validData = Path.of(value);
    }

    @Option(names = "--test-data", paramLabel = "FILE.csv", description = "Held-out rows with the model's feature and label "
            + "columns, never used for training or for choosing the kept epoch: the model (and with --baselines its baselines) is "
            + "measured on them once at the end, in metrics.json's test block.")
    void testData(String value) {
        testDataText = value;
        testData = Path.of(value);
    }

    Path testData;

    /** {@code --test-data} as given (a URI keeps its double slash, for the message that refuses it). */
    String testDataText;

    @Option(names = "--patience", paramLabel = "N", description = "Stop after N epochs in a row without a new best validation "
            + "loss (default: a fifth of --epochs, at least 5; the model keeps the best epoch either way).")
    Integer patience;

    @Option(names = "--no-early-stopping", description = "Train every one of --epochs (the model still keeps the best validation "
            + "epoch unless --keep-last).")
    boolean noEarlyStopping;

    @Option(names = "--keep-last", description = "Keep the last epoch's parameters in model.zip and metrics.json (default: the best "
            + "validation epoch's, by the mean relative validation loss).")
    boolean keepLast;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of split, initialization and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Write a checkpoint to DIR/checkpoints every N epochs "
            + "(and after the last; the newest two kept, plus best.zip of the best epoch).")
    Integer checkpointEvery;

    @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "DIR", description = "Continue from the newest "
            + "valid checkpoint in DIR (a checkpoints directory or an --out directory; default: --out's), with the same other options.")
    String resume;

    @Option(names = "--clip-norm", paramLabel = "X", description = "Clip each layer's gradient to L2 norm X before the update.")
    Double clipNorm;

    @Option(names = "--affinity-every", paramLabel = "N", description = "Also measure task affinity every N steps (report heatmaps; "
            + "see mtl affinity). Default: off.")
    Integer affinityEvery;

    @Option(names = "--ui", description = "Also show DL4J's training UI (http://localhost:9000); needs the build with "
            + "MTL_MAVEN_ARGS=-Pui (DL4J's UI is an optional dependency).")
    boolean ui;

    @Option(names = "--spark", paramLabel = "MASTER", description = "Train on Spark with parameter averaging (dl4j-spark): a master "
            + "URL such as local[2], spark://host:7077 or yarn. Per-step weightings and gradient aggregators (all but famo) run as "
            + "synchronous gradient steps instead (docs/scale-out.md).")
    String sparkMaster;

    @Option(names = "--workers", paramLabel = "N", description = "Train N model replicas in parallel on this machine (DL4J's "
            + "ParallelWrapper: one per GPU or CPU socket), parameters averaged. Weightings fixed and dwa only.")
    Integer workers;

    @Option(names = "--averaging-frequency", defaultValue = "5", paramLabel = "N", description = "With --spark or --workers: "
            + "minibatches each worker fits between parameter averagings (default ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--spark-mode", paramLabel = "MODE", description = "With --spark: averaging (default: parameter averaging "
            + "every --averaging-frequency minibatches) or gradient-sharing (dl4j-spark's SharedTrainingMaster: threshold-encoded "
            + "updates over UDP port 40123 between the nodes; weightings fixed and dwa).")
    String sparkMode;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        TabularTraining.Settings settings = settings();
        TabularTraining.Safeguards safeguards = safeguards();
        DataParallelTraining.Placement scaleOut = scaleOutMode(settings);
        if (scaleOut != null && (checkpointEvery != null || resume != null || clipNorm != null || affinityEvery != null)) {
            throw new IllegalArgumentException("--checkpoint-every, --resume, --clip-norm and --affinity-every work for training on one machine; "
                    + "leave them out with " + (sparkMaster != null ? "--spark" : "--workers") + ".");
        }
        if (ui) {
            TrainingUi.checkAvailable();
        }
        Map<String, Path> taskFiles = taskFiles(settings);
        if (!taskFiles.isEmpty() && scaleOut != null) {
            throw new IllegalArgumentException("--task-data trains on one machine; leave out " + (sparkMaster != null ? "--spark" : "--workers")
                    + ", or combine the files into one --data file with the other tasks' labels empty.");
        }
        if (readBySpark(scaleOut)) {
            return trainOnExecutors((DataParallelTraining.SparkCluster) scaleOut, settings, stdout);
        }
        OutputDirectory.check(out);
        CsvTable table = input.data == null ? null : CsvTable.read(input.data);
        Map<String, CsvTable> ownTables = new LinkedHashMap<>();
        taskFiles.forEach((task, file) -> ownTables.put(task, CsvTable.read(file)));
        TaskTables tables = new TaskTables(table, ownTables);
        CsvTable validation = validData == null ? null : CsvTable.read(validData);
        // A misspelt column is one line on stderr, before anything else is printed.
        if (tables.single()) {
            requireColumns(table, settings);
        }
        if (validation != null) {
            requireColumns(validation, settings);
        }
        CsvTable test = testTable(settings);
        CsvTable trainingRows = TabularTraining.split(tables, validation, settings).train();
        FeatureSelection features = input.chooseFeatures(trainingRows, settings.tasks(), spec.commandLine().getErr());
        settings = settings.toBuilder().features(features.used()).build();
        requireFeatures(test, settings);
        requireEncodable(test, trainingRows, settings);
        MtlCommand.announceBackend(spec.commandLine().getErr());
        stdout.printf(Locale.ROOT, "%s: %d rows, tasks %s, %s sharing, %s%n", tables.describe(), rows(tables),
                settings.tasks().stream().map(TaskSpec::name).toList(), settings.architecture(), weightingLabel(settings));
        if (!tables.single()) {
            stdout.printf(Locale.ROOT, "tables per task, drawn %s: %s%n", settings.taskSampling(), drawRates(tables, validation, settings));
        }
        stdout.println(TabularDataOptions.describe(features));
        TrainingProgress progress = new TrainingProgress(stdout, epochs);
        if (settings.baselines() != Baselines.NONE) {
            stdout.println("with baselines: per task a linear model and a single-task network, trained after the model");
        }
        DataParallelTraining.Trained trained = scaleOut == null ? null
                : dataParallel(scaleOut.setting()).train(table, validation, settings, scaleOut, progress);
        TabularTraining.Result result = trained != null
                ? withBaselines(trained.result(), table, validation, settings)
                : TabularTraining.train(tables, validation, settings, new TabularTraining.Hooks(progress, progress,
                        ui ? model -> TrainingUi.attach(model, stdout) : null,
                        affinityEvery == null ? null : t -> t.affinityEvery(affinityEvery)), safeguards);
        Map<String, Object> extra = new LinkedHashMap<>();
        if (trained != null) {
            extra.put("scale_out", describe(scaleOut, trained, settings.method()));
        }
        if (!tables.single()) {
            Map<String, String> byTask = new LinkedHashMap<>();
            taskFiles.forEach((task, file) -> byTask.put(task, file.toString()));
            extra.put("task_data", byTask);
            extra.put("task_sampling", settings.taskSampling().toString());
        }
        HeldOutResults heldOut = test == null ? null : TabularTraining.heldOut(result, test);
        write(result, settings, out, tables.describe(), Map.of(), Map.of(), extra, heldOut, testData);
        stdout.println(result.fillSummary());
        if (!tables.single()) {
            stdout.println("  (each --task-data file's rows have no labels for the other tasks: they count as missing labels above)");
        }
        stdout.println(MetricsTable.render(result.metrics()));
        stdout.println(keptLine(result.history()));
        stoppingLine(result.history(), settings).ifPresent(stdout::println);
        if (result.baselines() != null) {
            stdout.println(baselineTable(result));
        }
        printHeldOut(stdout, result, heldOut);
        stdout.printf(Locale.ROOT, "wrote %s (model.zip, metrics.json, history.csv, report.html)%n", out);
        return 0;
    }

    /**
     * Whether Spark reads {@code --data} on the executors: with {@code --spark} and a URI (file://, hdfs://, s3a://);
     * a plain path is read here and its rows shipped. A URI without {@code --spark} is refused.
     */
    private boolean readBySpark(DataParallelTraining.Placement scaleOut) {
        boolean dataUri = TabularDataOptions.isUri(input.dataText);
        boolean validUri = TabularDataOptions.isUri(validDataText);
        if (!dataUri && !validUri) {
            return false;
        }
        String given = dataUri ? "--data " + input.dataText : "--valid-data " + validDataText;
        if (!(scaleOut instanceof DataParallelTraining.SparkCluster)) {
            throw new IllegalArgumentException(given + " is a URI, which Spark reads on the executors: add --spark MASTER (e.g. --spark "
                    + "local[2]), or give a path on this machine.");
        }
        if (!dataUri) {
            throw new IllegalArgumentException(given + " is a URI read by Spark, but --data " + input.dataText + " is a path on this "
                    + "machine: give both as URIs (e.g. file:///data/train.csv) or both as local paths.");
        }
        if (validDataText != null && !validUri) {
            throw new IllegalArgumentException("--data " + input.dataText + " is a URI read by Spark, but --valid-data " + validDataText
                    + " is a path on this machine: give both as URIs (e.g. file:///data/valid.csv) or both as local paths.");
        }
        if (baselines) {
            throw new IllegalArgumentException("--baselines fits on this machine, but --data " + input.dataText + " is read by Spark on "
                    + "the executors: leave out --baselines, or give --data as a path on this machine.");
        }
        return true;
    }

    /** {@code train --spark} on a {@code --data} URI that Spark reads where it lives: only a sample comes to this machine. */
    private int trainOnExecutors(DataParallelTraining.SparkCluster cluster, TabularTraining.Settings given, PrintWriter stdout)
            throws IOException {
        OutputDirectory.check(out);
        try (DataParallelTraining.ExecutorTable table = dataParallel(TabularSetting.SPARK).open(input.dataText, validDataText, given, cluster)) {
            FeatureSelection features = input.chooseFeatures(table.sample(), given.tasks(), spec.commandLine().getErr());
            TabularTraining.Settings settings = given.toBuilder().features(features.used()).build();
            CsvTable test = testTable(settings);
            requireFeatures(test, settings);
            requireEncodable(test, table.sample(), settings);
            MtlCommand.announceBackend(spec.commandLine().getErr());
            stdout.printf(Locale.ROOT, "%s (read by Spark on the executors): %d training rows, %d validation rows (%s), tasks %s, %s "
                    + "sharing, %s%n", table.source(), table.trainingRows(), table.validationRows(), table.validationRule(),
                    settings.tasks().stream().map(TaskSpec::name).toList(), settings.architecture(), weightingLabel(settings));
            stdout.println(TabularDataOptions.describe(features));
            DataParallelTraining.Trained trained = table.train(settings, new TrainingProgress(stdout, epochs));
            TabularTraining.Result result = trained.result();
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("scale_out", describe(cluster, trained, settings.method()));
            extra.put("data_read", String.format(Locale.ROOT, "by Spark on the executors: %d training rows, %d validation rows (%s); "
                    + "preprocessing fitted on a sample of %d training rows", table.trainingRows(), table.validationRows(),
                    table.validationRule(), table.sample().rowCount()));
            HeldOutResults heldOut = test == null ? null : TabularTraining.heldOut(result, test);
            write(result, settings, out, table.source(), Map.of(), Map.of(), extra, heldOut, testData);
            String fill = result.fillSummary();
            stdout.println(table.sample().rowCount() < table.trainingRows() ? fill.replaceFirst("^training rows: ", String.format(Locale.ROOT,
                    "training rows (the sample of %d of %d the preprocessing was fitted on): ", table.sample().rowCount(), table.trainingRows())) : fill);
            stdout.println(MetricsTable.render(result.metrics()));
            stdout.println(keptLine(result.history()));
            stoppingLine(result.history(), settings).ifPresent(stdout::println);
            printHeldOut(stdout, result, heldOut);
            stdout.printf(Locale.ROOT, "wrote %s (model.zip, metrics.json, history.csv, report.html)%n", out);
            return 0;
        }
    }

    /** The {@code --test-data} rows, their label columns checked before any training; null without the option. */
    private CsvTable testTable(TabularTraining.Settings settings) {
        if (testData == null) {
            return null;
        }
        if (TabularDataOptions.isUri(testDataText)) {
            throw new IllegalArgumentException("--test-data " + testDataText + ": give a path on this machine (the held-out rows are "
                    + "measured here, after training).");
        }
        CsvTable test = CsvTable.read(testData);
        for (TaskSpec task : settings.tasks()) {
            for (String column : task.columns()) {
                test.column(column, "label column of task '" + task.name() + "' (--test-data needs the labels to measure the model)");
            }
        }
        return test;
    }

    /** The chosen feature columns must be in the {@code --test-data} rows too. */
    private static void requireFeatures(CsvTable test, TabularTraining.Settings settings) {
        if (test != null && settings.features() != null) {
            for (String column : settings.features()) {
                test.column(column, "feature column the model uses (--test-data)");
            }
        }
    }

    /**
     * A value of the {@code --test-data} rows that the model could not read (a word in a numeric column, a class the
     * training rows never had) stops the command before training, not after it: the rows are encoded once with a
     * preprocessor fitted as training will fit it, on the training rows.
     */
    private static void requireEncodable(CsvTable test, CsvTable trainingRows, TabularTraining.Settings settings) {
        if (test != null) {
            TabularPreprocessor.fit(trainingRows, settings.tasks(), settings.features(), settings.categorical()).encode(test);
        }
    }

    /** The held-out figures: the model's, and beside its baselines' when the run fitted them. */
    private void printHeldOut(PrintWriter stdout, TabularTraining.Result result, HeldOutResults heldOut) {
        if (heldOut == null) {
            return;
        }
        stdout.printf(Locale.ROOT, "held-out test rows (%s, %d rows; not used for training or selection), measured once:%n",
                testData, heldOut.rows());
        stdout.println(heldOut.baselines() == null ? MetricsTable.render(heldOut.metrics())
                : baselineTable(heldOut.baselines(), heldOut.metrics(), result));
    }

    /** A data-parallel result with the baselines fitted on this machine, when the settings ask for them. */
    private static TabularTraining.Result withBaselines(TabularTraining.Result result, CsvTable table, CsvTable validation,
                                                        TabularTraining.Settings settings) {
        if (settings.baselines() == Baselines.NONE || result.baselines() != null) {
            return result;
        }
        return result.withBaselines(TabularTraining.baselines(TabularTraining.prepare(table, validation, settings), settings));
    }

    /** The model beside its baselines, per task and metric, and the model's delta-m against each. */
    static String baselineTable(TabularTraining.Result result) {
        return baselineTable(result.baselines(), result.metrics(), result);
    }

    /** As {@link #baselineTable(TabularTraining.Result)} with the given metrics (e.g. on held-out rows). */
    static String baselineTable(BaselineResults baselines, Map<String, TaskMetrics> modelMetrics, TabularTraining.Result result) {
        Map<String, Map<String, TaskMetrics>> runs = new LinkedHashMap<>();
        runs.put("linear", baselines.linearMetrics());
        runs.put("single-task", baselines.singleTask());
        runs.put("this model", modelMetrics);
        Map<String, Long> parameters = new LinkedHashMap<>();
        parameters.put("linear", baselines.linearParameters());
        parameters.put("single-task", baselines.singleTaskParameters());
        parameters.put("this model", result.model().parameterCounts().total());
        Map<String, Double> seconds = new LinkedHashMap<>();
        seconds.put("linear", baselines.linearSeconds());
        seconds.put("single-task", baselines.singleTaskSeconds());
        seconds.put("this model", result.trainSeconds());
        StringBuilder out = new StringBuilder(Comparison.table(runs, parameters, seconds, null, "this model"));
        Map<String, Double> deltaM = baselines.deltaM(modelMetrics);
        out.append(String.format(Locale.ROOT, "%nthis model's delta-m vs linear %s, vs single-task %s (mean relative gain over tasks; "
                + "positive = this model is better)", percent(deltaM.get(BaselineResults.LINEAR)),
                percent(deltaM.get(BaselineResults.SINGLE_TASK))));
        baselines.linear().forEach((task, fit) -> out.append(String.format(Locale.ROOT, "%n  linear %s: %s", task, fit.model())));
        return out.toString();
    }

    private static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%+.2f %%", 100 * fraction)
                : "undefined (a compared metric of the baseline is 0)";
    }

    /**
     * The {@code --task-data} files by task name, each task named once and declared by {@code --task}; and
     * {@code --data} given unless every task has its own file.
     */
    Map<String, Path> taskFiles(TabularTraining.Settings settings) {
        List<String> names = settings.tasks().stream().map(TaskSpec::name).toList();
        Map<String, Path> files = new LinkedHashMap<>();
        for (String item : taskData) {
            int equals = item.indexOf('=');
            if (equals <= 0 || equals == item.length() - 1) {
                throw new IllegalArgumentException("--task-data '" + item + "': expected NAME=PATH, e.g. mass=penguins-mass.csv.");
            }
            String task = item.substring(0, equals).trim();
            if (!names.contains(task)) {
                throw new IllegalArgumentException("--task-data '" + item + "': unknown task '" + task + "'; the tasks (--task) are " + names + ".");
            }
            if (files.put(task, Path.of(item.substring(equals + 1).trim())) != null) {
                throw new IllegalArgumentException("--task-data names task '" + task + "' twice; give each task one file.");
            }
        }
        if (input.data == null) {
            List<String> without = names.stream().filter(n -> !files.containsKey(n)).toList();
            if (!without.isEmpty()) {
                throw new IllegalArgumentException("Missing required option: '--data=FILE.csv' (the training data of task"
                        + (without.size() == 1 ? " " : "s ") + String.join(", ", without) + (files.isEmpty() ? "" : ", which ha"
                        + (without.size() == 1 ? "s" : "ve") + " no --task-data file") + ").");
            }
        }
        return files;
    }

    private static int rows(TaskTables tables) {
        return (tables.shared() == null ? 0 : tables.shared().rowCount())
                + tables.byTask().values().stream().mapToInt(CsvTable::rowCount).sum();
    }

    /** Per file its training rows and the share of each epoch's rows drawn from it, e.g. {@code a.csv 160 rows (47.1 %)}. */
    private static String drawRates(TaskTables tables, CsvTable validation, TabularTraining.Settings settings) {
        int[] tableOfRow = TabularTraining.split(tables, validation, settings).trainTables();
        List<TaskTables.Part> parts = tables.parts(settings.tasks());
        int[] sizes = new int[parts.size()];
        for (int table : tableOfRow) {
            sizes[table]++;
        }
        double[] rates = settings.taskSampling().rates(sizes);
        List<String> described = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            described.add(String.format(Locale.ROOT, "%s (%s) %d training rows, %.1f %% of each epoch", parts.get(p).table().source(),
                    String.join(", ", parts.get(p).tasks().stream().map(TaskSpec::name).toList()), sizes[p], 100 * rates[p]));
        }
        return String.join("; ", described);
    }

    /** Checkpoints, resume and clipping from the options; checked before any work starts. */
    /** Every label column and every named feature column is in the table, or one error naming the first that is not. */
    static void requireColumns(CsvTable table, TabularTraining.Settings settings) {
        for (TaskSpec task : settings.tasks()) {
            for (String column : task.columns()) {
                table.column(column, "label column of task '" + task.name() + "'");
            }
        }
        if (settings.features() != null) {
            for (String column : settings.features()) {
                table.column(column, "named in --features");
            }
        }
    }

    TabularTraining.Safeguards safeguards() {
        if (checkpointEvery != null && checkpointEvery < 1) {
            throw new IllegalArgumentException("--checkpoint-every must be >= 1 epoch, received " + checkpointEvery + ".");
        }
        if (clipNorm != null && (!(clipNorm > 0) || clipNorm.isInfinite())) {
            throw new IllegalArgumentException("--clip-norm must be a finite number > 0, received " + clipNorm + ".");
        }
        Path resumeFrom = null;
        if (resume != null) {
            Path given = resume.isEmpty() ? out : Path.of(resume);
            resumeFrom = Files.isDirectory(given.resolve("checkpoints")) ? given.resolve("checkpoints") : given;
            if (new CheckpointDirectory(resumeFrom).checkpoints().isEmpty()) {
                throw new IllegalArgumentException("--resume " + given + ": no checkpoint there (expected checkpoint-epoch-*.zip in "
                        + resumeFrom + ", written by a run with --checkpoint-every N).");
            }
        }
        return new TabularTraining.Safeguards(checkpointEvery == null ? null : out.resolve("checkpoints"),
                checkpointEvery == null ? 1 : checkpointEvery, resumeFrom, clipNorm);
    }

    /** {@code --spark} or {@code --workers} checked against the other options, or null to train on one machine. */
    private DataParallelTraining.Placement scaleOutMode(TabularTraining.Settings settings) {
        if (sparkMaster == null && sparkMode != null) {
            throw new IllegalArgumentException("--spark-mode chooses how Spark workers combine their steps: give --spark MASTER too, "
                    + "or leave out --spark-mode.");
        }
        if (sparkMaster == null && workers == null) {
            return null;
        }
        if (sparkMaster != null && workers != null) {
            throw new IllegalArgumentException("--spark and --workers exclude each other: --spark trains on a Spark cluster, --workers on "
                    + "several devices of this machine; choose one.");
        }
        String flag = sparkMaster != null ? "--spark" : "--workers";
        Setting mode = sparkMaster != null ? TabularSetting.SPARK : TabularSetting.WORKERS;
        if (ui) {
            throw new IllegalArgumentException("--ui shows a model trained in this process; with " + flag + " the workers train "
                    + "replicas: leave out --ui (history.csv and report.html have every epoch).");
        }
        DataParallelTraining.Placement placement = sparkMaster != null
                ? new DataParallelTraining.SparkCluster(sparkMaster, averagingFrequency, sparkTraining(sparkMode))
                : new DataParallelTraining.LocalWorkers(workers, averagingFrequency);
        dataParallel(mode).check(settings.method(), settings.weights(), placement);
        return placement;
    }

    /** The --spark-mode value as the training it names. */
    static DataParallelTraining.SparkTraining sparkTraining(String mode) {
        if (mode == null || mode.equals("averaging")) {
            return DataParallelTraining.SparkTraining.PARAMETER_AVERAGING;
        }
        if (mode.equals("gradient-sharing")) {
            return DataParallelTraining.SparkTraining.GRADIENT_SHARING;
        }
        throw new IllegalArgumentException("--spark-mode must be averaging or gradient-sharing, received '" + mode + "'.");
    }

    /** mtl-spark's data-parallel training, which ./mtl puts on the class path only for --spark and --workers. */
    private static DataParallelTraining dataParallel(Setting mode) {
        return DataParallelTraining.find().orElseThrow(() -> new IllegalArgumentException(CommandLineFlags.FLAGS.name(mode)
                + " needs mtl-spark, which is not on the class path: run ./mtl, which adds it for --spark and --workers, or put "
                + "mtl-spark's jar and dependencies on the class path."));
    }

    /**
     * The rows the preprocessing will be fitted on (the same split {@link TabularTraining#train} makes), after the
     * label columns are checked to exist.
     */
    static CsvTable trainingRows(CsvTable table, CsvTable validation, TabularTraining.Settings settings) {
        for (TaskSpec task : settings.tasks()) {
            task.columns().forEach(column -> table.column(column, "label column of task '" + task.name() + "'"));
        }
        return TabularTraining.split(table, validation, settings)[0];
    }

    /** The settings of the options, with the {@code --features} as given (null: the library's default). */
    TabularTraining.Settings settings() {
        Map<String, List<String>> cascadeMap = new LinkedHashMap<>();
        for (String cascade : cascades) {
            String[] parts = cascade.split("=", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException("--cascade '" + cascade + "': expected TARGET=SOURCE, e.g. sex=species.");
            }
            cascadeMap.computeIfAbsent(parts[0].trim(), k -> new ArrayList<>()).add(parts[1].trim());
        }
        if (cascadeMap.isEmpty() && MethodRegistry.architecture(architecture).needs(Need.CASCADES)) {
            throw new IllegalArgumentException("--arch " + architecture + " needs at least one --cascade TARGET=SOURCE, e.g. sex=species.");
        }
        if (fusedHeads && (!HardSharing.NAME.equals(architecture) || head.isEmpty())) {
            throw new IllegalArgumentException("--fused-heads runs the tasks' first hidden head layers as one layer, so it needs "
                    + "--arch hard and --head W (e.g. --head 16); received --arch " + architecture
                    + (head.isEmpty() ? " and no --head" : "") + ".");
        }
        List<TaskSpec> specs = input.taskSpecs();
        ClassWeight every = ClassWeight.none();
        Map<String, ClassWeight> byTask = new LinkedHashMap<>();
        for (String item : classWeights) {
            String[] parts = item.split("=", -1);
            if (parts.length > 2 || parts[0].isBlank()) {
                throw new IllegalArgumentException("--class-weights '" + item + "': expected balanced, a number, or NAME=balanced or "
                        + "NAME=W, e.g. churn=balanced,fraud=5.");
            }
            if (parts.length == 1) {
                every = classWeight(item, item.trim());
            } else {
                byTask.put(parts[0].trim(), classWeight(item, parts[1].trim()));
            }
        }
        TabularTraining.Settings settings = TabularTraining.Settings.builder(specs).classWeight(every).classWeights(byTask)
                .baselines(baselines ? Baselines.LINEAR_AND_SINGLE_TASK : Baselines.NONE).features(input.features).categorical(input.categoricalColumns())
                .architecture(architecture).cascades(cascadeMap).experts(experts).taskExperts(taskExperts).topK(topK).calibratorWeight(calibratorWeight)
                .dselectGate(dselectGate == DSelectGate.STATIC ? io.github.mtldl4j.graph.DSelectKLayer.Routing.STATIC
                        : io.github.mtldl4j.graph.DSelectKLayer.Routing.PER_EXAMPLE).dselectEntropy(dselectEntropy).dropout(dropout).l2(l2).shared(shared).head(head)
                .method(weighting).weights(weights).epochs(epochs).batch(batch).learningRate(learningRate).validFraction(valid)
                .seed(seed).earlyStopping(earlyStopping()).fusedHeads(fusedHeads).kept(keepLast ? KeptParameters.LAST : KeptParameters.BEST)
                .learningRateSchedule(learningRateSchedule())
                .taskSampling(taskSampling())
                .build();
        // Parameter averaging takes fixed weights: without --weighting, --spark and --workers get them.
        return sparkMaster != null || workers != null ? settings.forDataParallel() : settings;
    }

    /** --patience N, --no-early-stopping, or the default patience scaled to --epochs. */
    private EarlyStopping earlyStopping() {
        if (patience != null && noEarlyStopping) {
            throw new IllegalArgumentException("--patience " + patience + " and --no-early-stopping: choose one (--patience N stops "
                    + "after N epochs without a new best; --no-early-stopping trains every epoch).");
        }
        if (patience != null && patience < 1) {
            throw new IllegalArgumentException("--patience " + patience + ": expected a number of epochs >= 1 (--no-early-stopping "
                    + "trains every epoch).");
        }
        return noEarlyStopping ? EarlyStopping.none() : patience != null ? EarlyStopping.after(patience) : EarlyStopping.scaled();
    }

    /** "uncertainty weighting (default)" when --weighting was not given, "pcgrad weighting" when it was. */
    private String weightingLabel(TabularTraining.Settings settings) {
        return settings.method() + " weighting" + (weighting == null ? " (default)" : "");
    }

    /** The schedule as the report names it. */
    static String describe(LearningRateSchedule schedule) {
        if (schedule instanceof PlateauSchedule plateau) {
            return "plateau (x" + plateau.factor() + " after " + plateau.patience() + " epochs without a new best)";
        }
        if (schedule instanceof WarmupCosineSchedule cosine) {
            return "warmup-cosine (" + Math.round(100 * cosine.warmupFraction()) + " % of the steps warming up, then cosine "
                    + "decay to " + cosine.finalFraction() + " x the rate)";
        }
        return "none (constant)";
    }

    private LearningRateSchedule learningRateSchedule() {
        return switch (learningRateSchedule.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> null;
            case "plateau" -> PlateauSchedule.halving(Math.max(2, epochs / 10));
            case "warmup-cosine" -> WarmupCosineSchedule.standard();
            default -> throw new IllegalArgumentException("--lr-schedule '" + learningRateSchedule
                    + "': expected none, plateau or warmup-cosine.");
        };
    }

    private TaskSampling taskSampling() {
        try {
            return TaskSampling.parse(taskSampling);
        } catch (io.github.mtldl4j.data.InvalidDataException e) {
            throw new IllegalArgumentException("--task-sampling '" + taskSampling + "': expected proportional, equal or temperature:T "
                    + "with T >= 1, e.g. temperature:2.");
        }
    }

    private static ClassWeight classWeight(String item, String value) {
        if (value.equalsIgnoreCase("balanced")) {
            return ClassWeight.balanced();
        }
        if (value.equalsIgnoreCase("none")) {
            return ClassWeight.none();
        }
        try {
            double weight = Double.parseDouble(value);
            if (Double.isFinite(weight) && weight > 0) {
                return ClassWeight.fixed(weight);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--class-weights '" + item + "': '" + value + "' is not balanced, none or a number > 0; "
                + "e.g. --class-weights balanced or --class-weights churn=4.");
    }

    /**
     * Which epoch's parameters model.zip and metrics.json hold, e.g. "kept the parameters of epoch 14 of 30, the best
     * by validation loss (mean relative loss 0.6123); --keep-last keeps the last epoch's".
     */
    static String keptLine(TrainingHistory history) {
        EpochReport best = history.bestEpoch();
        int last = history.epochs().get(history.epochs().size() - 1).epoch();
        EpochReport kept = history.keptEpoch().orElse(history.epochs().get(history.epochs().size() - 1));
        if (history.kept() == KeptParameters.LAST) {
            return String.format(Locale.ROOT, "kept the parameters of the last epoch, %d (--keep-last); the best by validation loss was "
                    + "epoch %d (mean relative loss %.4f)", last, best.epoch(), best.criterion());
        }
        return String.format(Locale.ROOT, "kept the parameters of epoch %d of %d, the best by validation loss (mean relative loss %.4f)%s",
                kept.epoch(), last, kept.criterion(), kept.epoch() == last ? "" : "; --keep-last keeps the last epoch's");
    }

    /** Whether early stopping ended the run before its last epoch. */
    static boolean stoppedEarly(TrainingHistory history, TabularTraining.Settings settings) {
        return settings.patience() != null && lastEpoch(history) < settings.epochs();
    }

    private static int lastEpoch(TrainingHistory history) {
        return history.epochs().get(history.epochs().size() - 1).epoch();
    }

    /**
     * When early stopping ended the run, e.g. "stopped early after epoch 24 of 50: no new best validation loss in 10
     * epochs (the default patience: a fifth of --epochs, at least 5; --patience N sets it, --no-early-stopping trains
     * every epoch)".
     */
    static Optional<String> stoppingLine(TrainingHistory history, TabularTraining.Settings settings) {
        if (!stoppedEarly(history, settings)) {
            return Optional.empty();
        }
        int last = lastEpoch(history);
        String rule = settings.earlyStopping().kind() == EarlyStopping.Kind.SCALED
                ? "the default patience: a fifth of --epochs, at least " + EarlyStopping.SCALED_MINIMUM + "; --patience N sets it"
                : "--patience";
        return Optional.of(String.format(Locale.ROOT, "stopped early after epoch %d of %d: no new best validation loss in %d epochs "
                + "(%s, --no-early-stopping trains every epoch)", last, settings.epochs(), settings.patience(), rule));
    }

    /** Writes model.zip, metrics.json, history.csv and report.html, each atomically. */
    static void write(TabularTraining.Result result, TabularTraining.Settings settings, Path out, String dataSource) throws IOException {
        write(result, settings, out, dataSource, Map.of(), Map.of());
    }

    /** As {@link #write(TabularTraining.Result, TabularTraining.Settings, Path, String)}, the report with a comparison of runs. */
    static void write(TabularTraining.Result result, TabularTraining.Settings settings, Path out, String dataSource,
                      Map<String, Map<String, Map<String, Double>>> comparison, Map<String, Double> deltaM) throws IOException {
        write(result, settings, out, dataSource, comparison, deltaM, Map.of());
    }

    /**
     * How a data-parallel run was trained, for metrics.json: {@code placement} (where, and how often parameters were
     * averaged), and with Spark the {@code executors} that ran its tasks.
     */
    private static Map<String, Object> describe(DataParallelTraining.Placement mode, DataParallelTraining.Trained trained, String method) {
        String where = mode instanceof DataParallelTraining.SparkCluster spark ? "spark " + spark.master()
                : ((DataParallelTraining.LocalWorkers) mode).workers() + " ParallelWrapper workers";
        Map<String, Object> scaleOut = new LinkedHashMap<>();
        MethodInfo<?> info = MethodRegistry.method(method);
        if (mode instanceof DataParallelTraining.SparkCluster && (info.needs(Need.TASK_GRADIENTS) || info.needs(Need.STEP_UPDATES))) {
            // Per-step methods run on Spark as synchronous gradient steps (mtl-spark's ScaleOutMethods).
            scaleOut.put("placement", where + ", synchronous gradient steps, each global batch split over the workers");
        } else if (mode instanceof DataParallelTraining.SparkCluster spark && spark.training() == DataParallelTraining.SparkTraining.GRADIENT_SHARING) {
            scaleOut.put("placement", where + ", gradient sharing (threshold-encoded updates with residuals)");
        } else {
            scaleOut.put("placement", where + ", parameters averaged every " + mode.averagingFrequency() + " minibatches per worker");
        }
        if (mode instanceof DataParallelTraining.SparkCluster) {
            scaleOut.put("executors", trained.executors());
        }
        if (!trained.synchronousSteps().isEmpty()) {
            scaleOut.put("synchronous_steps", trained.synchronousSteps());
        }
        return scaleOut;
    }

    /** As above, with further run settings (e.g. how a data-parallel run was trained) in metrics.json and the report. */
    static void write(TabularTraining.Result result, TabularTraining.Settings settings, Path out, String dataSource,
                      Map<String, Map<String, Map<String, Double>>> comparison, Map<String, Double> deltaM,
                      Map<String, Object> extraSettings) throws IOException {
        write(result, settings, out, dataSource, comparison, deltaM, extraSettings, null, null);
    }

    /** As above, with the figures on held-out rows ({@code --test-data}) in metrics.json and the report when not null. */
    static void write(TabularTraining.Result result, TabularTraining.Settings settings, Path out, String dataSource,
                      Map<String, Map<String, Map<String, Double>>> comparison, Map<String, Double> deltaM,
                      Map<String, Object> extraSettings, HeldOutResults heldOut, Path heldOutSource) throws IOException {
        OutputDirectory.create(out);
        result.model().save(out.resolve("model.zip"));
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("architecture", settings.architecture());
        run.put("weighting", settings.method());
        run.put("parameters", result.model().parameterCounts().total());
        run.put("epochs", result.history().epochs().size());
        run.put("best_epoch", result.history().bestEpoch().epoch());
        run.put("max_epochs", settings.epochs());
        // null: every epoch was allowed to run (--no-early-stopping).
        run.put("patience", settings.patience());
        run.put("stopped_early", stoppedEarly(result.history(), settings));
        // Whose parameters model.zip holds and every figure above was measured on.
        run.put("kept", result.history().kept() == null ? "unknown" : result.history().kept().label());
        result.history().keptEpoch().ifPresent(kept -> run.put("kept_epoch", kept.epoch()));
        run.put("train_seconds", result.trainSeconds());
        run.put("seed", settings.seed());
        run.put("data", dataSource);
        run.putAll(extraSettings);
        Map<String, Double> positiveWeights = new LinkedHashMap<>();
        result.positiveWeights().forEach((task, weight) -> {
            if (weight != 1.0) {
                positiveWeights.put(task, weight);
            }
        });
        if (!positiveWeights.isEmpty()) {
            run.put("positive_weights", positiveWeights);
        }
        if (settings.dropout() > 0) {
            run.put("dropout", settings.dropout());
        }
        if (settings.l2() > 0) {
            run.put("l2", settings.l2());
        }
        AtomicFile.writeString(out.resolve("metrics.json"), MetricsJson.write(result.metrics(), run, result.baselines(), heldOut,
                heldOutSource == null ? null : heldOutSource.toString()));
        result.history().writeCsv(out.resolve("history.csv"));
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        result.metrics().forEach((task, m) -> metrics.put(task, m.metrics()));
        RunSummary.Builder summary = RunSummary.builder("mtl train: " + dataSource, result.history())
                .metrics(metrics).parameters(result.model().parameterCounts()).comparison(comparison).deltaM(deltaM);
        if (result.baselines() != null) {
            Map<String, Map<String, Map<String, Double>>> baselineRuns = new LinkedHashMap<>();
            baselineRuns.put("this model", BaselineResults.maps(result.metrics()));
            result.baselines().byBaseline().forEach((name, byTask) -> baselineRuns.put(name.replace('_', '-'), BaselineResults.maps(byTask)));
            Map<String, Double> baselineDeltaM = new LinkedHashMap<>();
            result.baselines().deltaM(result.metrics()).forEach((name, value) -> baselineDeltaM.put(name.replace('_', '-'), value));
            summary.baselines(baselineRuns, baselineDeltaM);
        }
        if (heldOut != null) {
            Map<String, Map<String, Map<String, Double>>> heldOutRuns = new LinkedHashMap<>();
            heldOutRuns.put("this model", BaselineResults.maps(heldOut.metrics()));
            Map<String, Double> heldOutDeltaM = new LinkedHashMap<>();
            if (heldOut.baselines() != null) {
                heldOut.baselines().byBaseline().forEach((name, byTask) -> heldOutRuns.put(name.replace('_', '-'), BaselineResults.maps(byTask)));
                heldOut.deltaM().forEach((name, value) -> heldOutDeltaM.put(name.replace('_', '-'), value));
            }
            summary.heldOut(heldOutRuns, heldOutDeltaM);
            summary.setting("test data", heldOutSource + " (" + heldOut.rows() + " rows, measured once after training)");
        }
        if (GateUtilization.hasGates(result.model())) {
            summary.gateUtilization(GateUtilization.of(result.model(),
                    new InMemoryMultiDataSetIterator(result.encodedValidation(), 256)).byTask());
        }
        run.forEach(summary::setting);
        MethodInfo<?> method = MethodRegistry.method(settings.method());
        summary.setting("weighting", settings.method() + " (" + method.kind().label()
                + (method.weighting() == null ? "" : " with the loss weighting " + method.weighting().name()) + ")");
        summary.setting("tasks", settings.tasks().stream().map(TaskSpec::toString).toList());
        summary.setting("features", settings.features() == null ? "all non-label columns" : settings.features());
        summary.setting("trunk", settings.shared());
        summary.setting("batch", settings.batch());
        summary.setting("learning rate", settings.learningRate());
        summary.setting("learning-rate schedule", describe(settings.learningRateSchedule()));
        summary.setting("patience", settings.patience() == null ? "none: every epoch runs (--no-early-stopping)"
                : settings.patience() + " epochs without a new best validation loss"
                + (settings.earlyStopping().kind() == EarlyStopping.Kind.SCALED ? " (the default: a fifth of the epochs, at least "
                        + EarlyStopping.SCALED_MINIMUM + ")" : "")
                + (stoppedEarly(result.history(), settings) ? "; stopped after epoch " + lastEpoch(result.history()) : ""));
        HtmlReport.write(out.resolve("report.html"), summary.build());
    }
}
