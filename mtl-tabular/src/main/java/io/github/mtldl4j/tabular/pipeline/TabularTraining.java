package io.github.mtldl4j.tabular.pipeline;

import io.github.mtldl4j.data.InMemoryMultiDataSetIterator;
import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.graph.Aitm;
import io.github.mtldl4j.graph.DSelectKLayer;
import io.github.mtldl4j.eval.TaskEvaluator;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.graph.IndependentTowers;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.MultiTaskGraphBuilder;
import io.github.mtldl4j.graph.SharingMode;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.MethodOptions;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.baseline.LinearBaselines;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.DataSplit;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskTables;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.task.Task;
import io.github.mtldl4j.task.TaskType;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.train.KeptParameters;
import io.github.mtldl4j.train.MeanTaskLosses;
import io.github.mtldl4j.train.MultiTaskTrainer;
import io.github.mtldl4j.train.LearningRateSchedule;
import io.github.mtldl4j.train.PlateauSchedule;
import io.github.mtldl4j.train.WarmupCosineSchedule;
import io.github.mtldl4j.train.StepListener;
import io.github.mtldl4j.train.TrainingHistory;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * From a table to a trained, evaluated multi-task model: split (stratified on the first classification task),
 * preprocessing fitted on the training rows, graph built, trained with the chosen method, metrics on the validation
 * rows in the labels' own units. The command line's {@code train} and {@code demo} run exactly this.
 *
 * <p>The trained model keeps the best validation epoch's parameters unless the settings say
 * {@link KeptParameters#LAST} ({@link Settings#kept}); every figure of the {@link Result} (loss included) is
 * measured on that kept model after training, so it equals {@link #evaluate} of the saved model on the validation rows.
 */
public final class TabularTraining {
    /** Name of the model attachment holding the fitted preprocessing. */
    public static final String PREPROCESSING = "preprocessing.json";

    private TabularTraining() {
    }

    /**
     * What to train. Build it with {@link #builder(List)}, which holds the defaults (those of {@code mtl train}); the
     * record's constructor lists every component and validates them.
     *
     * @param tasks the tasks with their label columns
     * @param features feature columns, or null for all non-label columns
     * @param categorical columns to one-hot encode even if numeric
     * @param architecture a name of {@link MethodRegistry#architectureNames()}
     * @param cascades for {@code cascade}: target task to the tasks whose predictions it reads
     * @param experts number of (shared) experts for the mixture-of-experts architectures
     * @param taskExperts task-specific experts per task for {@code cgc} and {@code ple}
     * @param shared trunk widths (each expert's and each cross-stitch tower's widths too)
     * @param head hidden head widths for every task
     * @param method a name of {@link MethodRegistry#weightingNames()}; the builder's default is
     *               {@link #defaultMethod(String, int, Map)}
     * @param weights fixed weights by task name (tasks not named: 1)
     * @param epochs maximum epochs
     * @param batch minibatch rows
     * @param learningRate Adam's learning rate
     * @param validFraction fraction of rows held out for validation
     * @param seed seed of split, initialization, shuffling and random methods
     * @param earlyStopping when training stops before {@code epochs}: never, after a given patience, or after a patience
     *                      scaled to {@code epochs} (the default; {@link #patience()} resolves it)
     * @param fusedHeads the tasks' first hidden head layers as one layer ({@code MultiTaskGraphBuilder.fusedHeads()}:
     *                   the same function, faster steps; needs hard sharing and hidden head layers)
     * @param kept whose parameters the model keeps: the best validation epoch's ({@link KeptParameters#BEST}) or the
     *             last epoch's
     * @param classWeight the positive-class weight of every binary task not named in {@code classWeights}
     * @param classWeights positive-class weights of binary tasks by name ({@code Task.withPositiveWeight})
     * @param baselines whether linear and single-task baselines are fitted too ({@link Result#baselines()})
     * @param learningRateSchedule reduce-on-plateau of the learning rate ({@link PlateauSchedule}), warm-up then
     *                             cosine decay over the run's epochs ({@link WarmupCosineSchedule}), or null for a
     *                             constant rate
     * @param taskSampling how often each task's own table is drawn when tasks come from tables of their own
     *                     ({@link TaskTables}); one table is always read once per epoch
     * @param topK experts each example may use in {@code dselect-k} (its selectors k)
     * @param calibratorWeight alpha of {@code aitm}'s behavioural expectation calibrator (the paper's: 0.6)
     * @param dropout probability of dropping each trunk output in training ({@code MultiTaskGraphBuilder.dropout}, Keras'
     *                meaning), 0 for none
     * @param l2 L2 regularization coefficient of every layer ({@code MultiTaskGraphBuilder.l2}), 0 for none
     * @param dselectGate per-example or static DSelect-k gates ({@code dselect-k} only)
     * @param dselectEntropy lambda of DSelect-k's entropy regularizer (0: none; static gates only)
     * @param defaultWeighting whether {@code method} is the default of {@link #defaultMethod(String, int, Map)} because
     *                         none was chosen (false when a chosen method differs from it), so that a copy with another
     *                         architecture, and {@link #forDataParallel()}, choose the default again
     */
    public record Settings(List<TaskSpec> tasks, List<String> features, Set<String> categorical, String architecture,
                           Map<String, List<String>> cascades, int experts, int taskExperts, List<Integer> shared, List<Integer> head, String method,
                           Map<String, Double> weights, int epochs, int batch, double learningRate, double validFraction,
                           long seed, EarlyStopping earlyStopping, boolean fusedHeads, KeptParameters kept, ClassWeight classWeight,
                           Map<String, ClassWeight> classWeights, Baselines baselines, LearningRateSchedule learningRateSchedule,
                           TaskSampling taskSampling, int topK, double calibratorWeight, DSelectKLayer.Routing dselectGate,
                           double dselectEntropy, double dropout, double l2, boolean defaultWeighting) {

        /** The positive-class weight setting of a task: its own, else {@link #classWeight()} for binary tasks. */
        public ClassWeight classWeightOf(TaskSpec task) {
            return task.type() != TaskType.BINARY ? ClassWeight.none() : classWeights.getOrDefault(task.name(), classWeight);
        }

        /** The early-stopping patience of this run in epochs ({@link EarlyStopping#patience(int)}), or null for none. */
        public Integer patience() {
            return earlyStopping.patience(epochs);
        }

        /**
         * These settings for data-parallel training (mtl-spark's parameter averaging, {@code mtl train --spark} and
         * {@code --workers}): fixed weights when no weighting was chosen, since the default for hard sharing,
         * uncertainty weighting, updates its weights after every step, which parameter averaging cannot do (on Spark it
         * would run as synchronous gradient steps, one broadcast per step); otherwise these settings.
         */
        public Settings forDataParallel() {
            return defaultWeighting && !FixedWeighting.NAME.equals(method) ? toBuilder().method(FixedWeighting.NAME).build() : this;
        }

        /** Validates what can be checked without data. */
        public Settings {
            // Only a method that is the default can be the default (the canonical constructor may be given anything).
            defaultWeighting = defaultWeighting && method != null && tasks != null
                    && method.equals(defaultMethod(architecture, tasks.size(), weights == null ? Map.of() : weights));
            java.util.Objects.requireNonNull(kept, "kept: expected KeptParameters.BEST or KeptParameters.LAST.");
            java.util.Objects.requireNonNull(earlyStopping, "earlyStopping: expected EarlyStopping.none(), after(n) or scaled().");
            MethodInfo<?> sharing = MethodRegistry.architecture(architecture);
            if (experts < 1 || taskExperts < 0) {
                throw new InvalidSettingException(experts < 1 ? TabularSetting.EXPERTS : TabularSetting.TASK_EXPERTS, SettingMessage.of(
                        TabularSetting.EXPERTS, " must be >= 1 and ", TabularSetting.TASK_EXPERTS, " >= 0, received " + experts + " and "
                        + taskExperts + "."));
            }
            if (!Double.isFinite(calibratorWeight) || calibratorWeight < 0) {
                throw new InvalidSettingException(TabularSetting.CALIBRATOR_WEIGHT, SettingMessage.of(TabularSetting.CALIBRATOR_WEIGHT,
                        " must be finite and >= 0 (0 turns aitm's calibrator off; its paper uses 0.6), received " + calibratorWeight + "."));
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new InvalidSettingException(TabularSetting.DROPOUT, SettingMessage.of(TabularSetting.DROPOUT,
                        " must be a probability in [0, 1) of dropping each trunk output (0: none), received " + dropout + "."));
            }
            if (!(l2 >= 0) || Double.isInfinite(l2)) {
                throw new InvalidSettingException(TabularSetting.L2, SettingMessage.of(TabularSetting.L2,
                        " must be a finite number >= 0 (0: none), received " + l2 + "."));
            }
            java.util.Objects.requireNonNull(dselectGate, "dselectGate: expected DSelectKLayer.Routing.PER_EXAMPLE or STATIC.");
            boolean dselect = io.github.mtldl4j.graph.MixtureOfExperts.DSELECT_K.name().equals(architecture);
            if (!dselect && (dselectGate != DSelectKLayer.Routing.PER_EXAMPLE || dselectEntropy != 0)) {
                throw new InvalidSettingException(dselectEntropy != 0 ? TabularSetting.DSELECT_ENTROPY : TabularSetting.DSELECT_GATE,
                        SettingMessage.of(dselectEntropy != 0 ? TabularSetting.DSELECT_ENTROPY : TabularSetting.DSELECT_GATE,
                                " applies to ", TabularSetting.ARCHITECTURE.is(io.github.mtldl4j.graph.MixtureOfExperts.DSELECT_K.name()),
                                " only, received it with ", TabularSetting.ARCHITECTURE.is(architecture), "."));
            }
            if (!(dselectEntropy >= 0) || Double.isInfinite(dselectEntropy)
                    || dselectEntropy > 0 && dselectGate != DSelectKLayer.Routing.STATIC) {
                throw new InvalidSettingException(TabularSetting.DSELECT_ENTROPY, SettingMessage.of(TabularSetting.DSELECT_ENTROPY,
                        " must be finite and >= 0, and above 0 only with the static gate (", TabularSetting.DSELECT_GATE,
                        " static), received " + dselectEntropy + " with the " + dselectGate.name().toLowerCase(java.util.Locale.ROOT)
                        .replace('_', '-') + " gate."));
            }
            if (topK < 1) {
                throw new InvalidSettingException(TabularSetting.TOP_K, SettingMessage.of(TabularSetting.TOP_K,
                        " must be >= 1, received " + topK + "."));
            }
            if (io.github.mtldl4j.graph.MixtureOfExperts.DSELECT_K.name().equals(architecture)) {
                if (experts < 2 || Integer.bitCount(experts) != 1) {
                    throw new InvalidSettingException(TabularSetting.EXPERTS, SettingMessage.of(TabularSetting.ARCHITECTURE.is(architecture),
                            " encodes experts in binary: ", TabularSetting.EXPERTS, " must be a power of two (2, 4, 8, 16, ...), received "
                            + experts + "."));
                }
                if (topK > experts) {
                    throw new InvalidSettingException(TabularSetting.TOP_K, SettingMessage.of(TabularSetting.TOP_K,
                            " must be at most ", TabularSetting.EXPERTS, " (" + experts + ") for ", TabularSetting.ARCHITECTURE.is(architecture),
                            ", received " + topK + "."));
                }
            }
            if (sharing.needs(Need.CASCADES) && cascades.isEmpty()) {
                throw new InvalidSettingException(TabularSetting.CASCADES, SettingMessage.of(TabularSetting.ARCHITECTURE.is(architecture),
                        " needs at least one cascade in ", TabularSetting.CASCADES, " (target task to the tasks whose predictions it reads)."));
            }
            if (epochs < 1) {
                throw new InvalidSettingException(TabularSetting.EPOCHS, SettingMessage.of(TabularSetting.EPOCHS, " must be >= 1, received " + epochs + "."));
            }
            if (batch < 1) {
                throw new InvalidSettingException(TabularSetting.BATCH, SettingMessage.of(TabularSetting.BATCH, " must be >= 1, received " + batch + "."));
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new InvalidSettingException(TabularSetting.LEARNING_RATE, SettingMessage.of(TabularSetting.LEARNING_RATE,
                        " must be a finite number > 0, received " + learningRate + "."));
            }
            if (!(validFraction > 0 && validFraction < 1)) {
                throw new InvalidSettingException(TabularSetting.VALID_FRACTION, SettingMessage.of(TabularSetting.VALID_FRACTION,
                        " must be a fraction in (0, 1), e.g. 0.2; received " + validFraction + "."));
            }
            if (MethodRegistry.method(method).needs(Need.REPRESENTATION_TAP) && !sharing.offers(Need.REPRESENTATION_TAP)) {
                String[] tapped = MethodRegistry.architecturesOffering(Need.REPRESENTATION_TAP).toArray(String[]::new);
                throw new InvalidSettingException(TabularSetting.WEIGHTING, SettingMessage.of(TabularSetting.WEIGHTING.is(method), " needs ",
                        TabularSetting.ARCHITECTURE.is(tapped), ": it works on the gradient at the one shared representation, which ",
                        TabularSetting.ARCHITECTURE.is(architecture), " does not have; use pcgrad, cagrad, imtl or upgrad there."));
            }
            java.util.Objects.requireNonNull(classWeight, "classWeight: expected ClassWeight.none(), balanced() or fixed(w).");
            java.util.Objects.requireNonNull(baselines, "baselines: expected Baselines.NONE or LINEAR_AND_SINGLE_TASK.");
            java.util.Objects.requireNonNull(taskSampling, "taskSampling: expected TaskSampling.proportional(), equal() or temperature(T).");
            for (String task : classWeights.keySet()) {
                TaskSpec spec = tasks.stream().filter(t -> t.name().equals(task)).findFirst().orElse(null);
                if (spec == null || spec.type() != TaskType.BINARY) {
                    throw new InvalidSettingException(TabularSetting.CLASS_WEIGHTS, SettingMessage.of(TabularSetting.CLASS_WEIGHTS, " names "
                            + (spec == null ? "unknown task '" + task + "'" : "task '" + task + "', which is " + spec.type().name().toLowerCase(java.util.Locale.ROOT))
                            + "; positive-class weights apply to binary tasks, here " + tasks.stream().filter(t -> t.type() == TaskType.BINARY)
                            .map(TaskSpec::name).toList() + "."));
                }
            }
            tasks = List.copyOf(tasks);
            categorical = Set.copyOf(categorical);
            classWeights = Map.copyOf(classWeights);
            shared = List.copyOf(shared);
            head = List.copyOf(head);
            weights = Map.copyOf(weights);
        }

        /**
         * The loss weighting when none is chosen: Kendall et al.'s uncertainty weighting ({@code uncertainty}; "Multi-Task
         * Learning Using Uncertainty to Weigh Losses", CVPR 2018) for hard sharing of two or more tasks, fixed weights
         * of 1 otherwise (one task, other architectures, or fixed weights given). Chosen on the benchmark suite
         * (docs/suite.md, "Uncertainty weighting as the default"): over 8 seeds on held-out rows it was at least as good
         * as the single-task networks on 5 of 7 tables, fixed weights on 3. MMoE, measured the same way, reached 3 of 7
         * with it (1 with fixed weights), not most, and the other architectures were not measured: they keep fixed
         * weights. Data-parallel training (mtl-spark, {@code mtl train --spark} and {@code --workers}) uses fixed weights
         * when none was chosen ({@link Settings#forDataParallel()}): parameter averaging cannot update a per-step
         * weighting such as uncertainty.
         */
        public static String defaultMethod(String architecture, int taskCount, Map<String, Double> weights) {
            return HardSharing.NAME.equals(architecture) && taskCount > 1 && weights.isEmpty()
                    ? UncertaintyWeighting.NAME : FixedWeighting.NAME;
        }

        /**
         * Settings for {@code tasks}, every other component at its default (those of {@code mtl train}): all non-label
         * columns as features, none forced categorical, hard sharing with trunk [64, 64] and no hidden head layers,
         * 4 experts and 1 task expert (for the mixture-of-experts architectures), the loss weighting of
         * {@link #defaultMethod(String, int, Map)}, 50 epochs,
         * batch 32, Adam 0.01, 20 % validation, seed 42, early stopping after a fifth of the epochs without a new best
         * ({@link EarlyStopping#scaled()}), separate heads, the best epoch kept, no
         * positive-class weights, no baselines, a constant learning rate, no dropout, no L2 regularization.
         */
        public static Builder builder(List<TaskSpec> tasks) {
            return new Builder(tasks);
        }

        /** A builder holding these settings, to derive others from them. */
        public Builder toBuilder() {
            return new Builder(tasks).features(features).categorical(categorical).architecture(architecture).cascades(cascades)
                    .experts(experts).taskExperts(taskExperts).shared(shared).head(head).method(defaultWeighting ? null : method).weights(weights)
                    .epochs(epochs).batch(batch).learningRate(learningRate).validFraction(validFraction).seed(seed)
                    .earlyStopping(earlyStopping).fusedHeads(fusedHeads).kept(kept).classWeight(classWeight).classWeights(classWeights)
                    .baselines(baselines).learningRateSchedule(learningRateSchedule).taskSampling(taskSampling).topK(topK)
                    .calibratorWeight(calibratorWeight).dselectGate(dselectGate).dselectEntropy(dselectEntropy).dropout(dropout).l2(l2);
        }

        /**
         * {@link Settings} by name; each method sets the component of the same name. {@link #build()} validates, so a
         * builder may pass through invalid states.
         */
        public static final class Builder {
            private List<TaskSpec> tasks;
            private List<String> features;
            private Set<String> categorical = Set.of();
            private String architecture = HardSharing.NAME;
            private Map<String, List<String>> cascades = Map.of();
            private int experts = 4;
            private int taskExperts = 1;
            private List<Integer> shared = List.of(64, 64);
            private List<Integer> head = List.of();
            private String method;
            private Map<String, Double> weights = Map.of();
            private int epochs = 50;
            private int batch = 32;
            private double learningRate = 0.01;
            private double validFraction = 0.2;
            private long seed = 42;
            private EarlyStopping earlyStopping = EarlyStopping.scaled();
            private boolean fusedHeads;
            private KeptParameters kept = KeptParameters.BEST;
            private ClassWeight classWeight = ClassWeight.none();
            private Map<String, ClassWeight> classWeights = Map.of();
            private Baselines baselines = Baselines.NONE;
            private LearningRateSchedule learningRateSchedule;
            private TaskSampling taskSampling = TaskSampling.proportional();
            private int topK = 2;
            private double calibratorWeight = Aitm.PAPER_CALIBRATOR_WEIGHT;
            private double dropout;
            private double l2;
            private DSelectKLayer.Routing dselectGate = DSelectKLayer.Routing.PER_EXAMPLE;
            private double dselectEntropy;

            private Builder(List<TaskSpec> tasks) {
                this.tasks = tasks;
            }

            /** The tasks with their label columns. */
            public Builder tasks(List<TaskSpec> tasks) {
                this.tasks = tasks;
                return this;
            }

            /** Feature columns, or null for all non-label columns (the default). */
            public Builder features(List<String> features) {
                this.features = features;
                return this;
            }

            /** Columns to one-hot encode even if numeric (default none). */
            public Builder categorical(Set<String> categorical) {
                this.categorical = categorical;
                return this;
            }

            /** A name of {@link MethodRegistry#architectureNames()} (default {@code hard}). */
            public Builder architecture(String architecture) {
                this.architecture = architecture;
                return this;
            }

            /** For {@code cascade}: target task to the tasks whose predictions it reads (default none). */
            public Builder cascades(Map<String, List<String>> cascades) {
                this.cascades = cascades;
                return this;
            }

            /** Number of (shared) experts of the mixture-of-experts architectures (default 4). */
            public Builder experts(int experts) {
                this.experts = experts;
                return this;
            }

            /** Task-specific experts per task for {@code cgc} and {@code ple} (default 1). */
            public Builder taskExperts(int taskExperts) {
                this.taskExperts = taskExperts;
                return this;
            }

            /** Trunk widths, each expert's and each cross-stitch tower's too (default [64, 64]). */
            public Builder shared(List<Integer> shared) {
                this.shared = shared;
                return this;
            }

            /** Hidden head widths for every task (default none). */
            public Builder head(List<Integer> head) {
                this.head = head;
                return this;
            }

            /**
             * A name of {@link MethodRegistry#weightingNames()}; null (the default) for
             * {@link Settings#defaultMethod(String, int, Map)}: uncertainty weighting for hard sharing of several tasks
             * without fixed weights, fixed weights otherwise.
             */
            public Builder method(String method) {
                this.method = method;
                return this;
            }

            /** Fixed weights by task name; tasks not named weigh 1 (default: all 1). */
            public Builder weights(Map<String, Double> weights) {
                this.weights = weights;
                return this;
            }

            /** Maximum epochs (default 50). */
            public Builder epochs(int epochs) {
                this.epochs = epochs;
                return this;
            }

            /** Minibatch rows (default 32). */
            public Builder batch(int batch) {
                this.batch = batch;
                return this;
            }

            /** Adam's learning rate (default 0.01). */
            public Builder learningRate(double learningRate) {
                this.learningRate = learningRate;
                return this;
            }

            /** Fraction of rows held out for validation when no validation table is given (default 0.2). */
            public Builder validFraction(double validFraction) {
                this.validFraction = validFraction;
                return this;
            }

            /** Seed of split, initialization, shuffling and random methods (default 42). */
            public Builder seed(long seed) {
                this.seed = seed;
                return this;
            }

            /**
             * When training stops before {@link #epochs}: {@link EarlyStopping#none()}, {@link EarlyStopping#after(int)}
             * or {@link EarlyStopping#scaled()} (the default: a fifth of the epochs without a new best, at least 5).
             */
            public Builder earlyStopping(EarlyStopping earlyStopping) {
                this.earlyStopping = earlyStopping;
                return this;
            }

            /** Early stopping after {@code patience} epochs without a new best, or none when null. */
            public Builder patience(Integer patience) {
                return earlyStopping(patience == null ? EarlyStopping.none() : EarlyStopping.after(patience));
            }

            /**
             * Whether the tasks' first hidden head layers run as one layer (default false: separate heads); see
             * {@link Settings#fusedHeads()}.
             */
            public Builder fusedHeads(boolean fusedHeads) {
                this.fusedHeads = fusedHeads;
                return this;
            }

            /** Whose parameters the model keeps (default {@link KeptParameters#BEST}). */
            public Builder kept(KeptParameters kept) {
                this.kept = kept;
                return this;
            }

            /** The positive-class weight of every binary task not named in {@link #classWeights} (default none). */
            public Builder classWeight(ClassWeight classWeight) {
                this.classWeight = classWeight;
                return this;
            }

            /** Positive-class weights of binary tasks by name (default none). */
            public Builder classWeights(Map<String, ClassWeight> classWeights) {
                this.classWeights = classWeights;
                return this;
            }

            /** Whether linear and single-task baselines are fitted too (default {@link Baselines#NONE}). */
            public Builder baselines(Baselines baselines) {
                this.baselines = baselines;
                return this;
            }

            /** Experts each example may use in {@code dselect-k}, its selectors k (default 2). */
            public Builder topK(int topK) {
                this.topK = topK;
                return this;
            }

            /** Weight alpha of {@code aitm}'s behavioural expectation calibrator (default 0.6, the paper's). */
            public Builder calibratorWeight(double calibratorWeight) {
                this.calibratorWeight = calibratorWeight;
                return this;
            }

            /** Probability of dropping each trunk output in training (default 0: none). */
            public Builder dropout(double dropout) {
                this.dropout = dropout;
                return this;
            }

            /** L2 regularization coefficient of every layer (default 0: none). */
            public Builder l2(double l2) {
                this.l2 = l2;
                return this;
            }

            /** Per-example (the default) or static gates for {@code dselect-k}. */
            public Builder dselectGate(DSelectKLayer.Routing dselectGate) {
                this.dselectGate = dselectGate;
                return this;
            }

            /** Lambda of DSelect-k's entropy regularizer (default 0: none; static gates only). */
            public Builder dselectEntropy(double dselectEntropy) {
                this.dselectEntropy = dselectEntropy;
                return this;
            }

            /**
             * Reduce-on-plateau of the learning rate, warm-up then cosine decay over {@link #epochs} (an epoch being
             * the training rows in minibatches of {@link #batch}), or null for a constant rate (the default).
             */
            public Builder learningRateSchedule(LearningRateSchedule learningRateSchedule) {
                this.learningRateSchedule = learningRateSchedule;
                return this;
            }

            /**
             * How often each task's own table is drawn ({@link TaskSampling}; default proportional: every training row
             * once per epoch, as if the tables were one).
             */
            public Builder taskSampling(TaskSampling taskSampling) {
                this.taskSampling = taskSampling;
                return this;
            }

            /** The settings, validated by {@link Settings}'s constructor. */
            public Settings build() {
                String chosen = method != null ? method
                        : defaultMethod(architecture, tasks == null ? 0 : tasks.size(), weights == null ? Map.of() : weights);
                return new Settings(tasks, features, categorical, architecture, cascades, experts, taskExperts, shared, head, chosen,
                        weights, epochs, batch, learningRate, validFraction, seed, earlyStopping, fusedHeads, kept, classWeight, classWeights,
                        baselines, learningRateSchedule, taskSampling, topK, calibratorWeight, dselectGate, dselectEntropy, dropout, l2,
                        method == null);
            }
        }
    }

    /**
     * A trained model with everything the command line writes.
     *
     * @param model the model, with the fitted preprocessing attached
     * @param preprocessor the fitted preprocessing
     * @param history every epoch, with the epoch whose parameters the model kept ({@link TrainingHistory#keptEpoch()})
     * @param metrics per task its validation metrics in label units, with {@code loss} (validation, unweighted, in
     *     training units) first, all of the kept model
     * @param trainSeconds wall time of training
     * @param encodedValidation the validation rows as encoded
     * @param trainingEncoding the training rows as encoded, with what was imputed or masked
     * @param baselines the baselines on the same split ({@link Settings#baselines()}), or null when none were fitted
     */
    public record Result(MultiTaskModel model, TabularPreprocessor preprocessor, TrainingHistory history,
                         Map<String, TaskMetrics> metrics, double trainSeconds, MultiDataSet encodedValidation,
                         TabularPreprocessor.Encoded trainingEncoding, BaselineResults baselines) {

        /** A result without baselines. */
        public Result(MultiTaskModel model, TabularPreprocessor preprocessor, TrainingHistory history,
                      Map<String, TaskMetrics> metrics, double trainSeconds, MultiDataSet encodedValidation,
                      TabularPreprocessor.Encoded trainingEncoding) {
            this(model, preprocessor, history, metrics, trainSeconds, encodedValidation, trainingEncoding, null);
        }

        /** This result with baselines. */
        public Result withBaselines(BaselineResults fitted) {
            return new Result(model, preprocessor, history, metrics, trainSeconds, encodedValidation, trainingEncoding, fitted);
        }

        /** Per binary task, the positive-class weight the model was trained with (1: none). */
        public Map<String, Double> positiveWeights() {
            Map<String, Double> weights = new LinkedHashMap<>();
            model.tasks().stream().filter(t -> t.type() == TaskType.BINARY).forEach(t -> weights.put(t.name(), t.positiveWeight()));
            return weights;
        }

        /**
         * One line on the training rows' missing values, e.g. {@code training rows: missing feature values imputed:
         * bill_length_mm 2 (training mean), sex 9 ("unknown" level); missing labels (left out of that task's loss):
         * sex 11}, or {@code training rows: no missing feature values, no missing labels}.
         */
        public String fillSummary() {
            StringBuilder imputed = new StringBuilder();
            Map<String, Long> unknown = trainingEncoding.unknownLevels();
            trainingEncoding.imputedFeatures().forEach((column, rows) -> {
                if (rows > 0) {
                    imputed.append(imputed.isEmpty() ? "" : ", ").append(column).append(' ').append(rows)
                            .append(unknown.containsKey(column) ? " (\"unknown\" level)" : " (training mean)");
                }
            });
            unknown.forEach((column, rows) -> {
                if (rows > 0) {
                    imputed.append(imputed.isEmpty() ? "" : ", ").append(column).append(' ').append(rows).append(" (level unseen when fitted: \"unknown\")");
                }
            });
            StringBuilder labels = new StringBuilder();
            trainingEncoding.missingLabels().forEach((task, rows) -> {
                if (rows > 0) {
                    labels.append(labels.isEmpty() ? "" : ", ").append(task).append(' ').append(rows);
                }
            });
            return "training rows: " + (imputed.isEmpty() ? "no missing feature values" : "missing feature values imputed: " + imputed)
                    + (labels.isEmpty() ? ", no missing labels" : "; missing labels (left out of that task's loss): " + labels);
        }
    }

    /**
     * What the caller wants to hear of, or add, during training.
     *
     * @param epochs told of every epoch, or null
     * @param steps told of every step (and first of the batches per epoch), or null
     * @param beforeTraining called with the built model before the first step (e.g. to add DL4J listeners), or null
     * @param trainer called with the trainer's builder after the settings are applied (e.g. to measure task affinity),
     *     or null
     */
    public record Hooks(EpochListener epochs, ProgressListener steps, java.util.function.Consumer<MultiTaskModel> beforeTraining,
                        java.util.function.Consumer<MultiTaskTrainer.Builder> trainer) {
        /** Hooks that leave the trainer as the settings make it. */
        public Hooks(EpochListener epochs, ProgressListener steps, java.util.function.Consumer<MultiTaskModel> beforeTraining) {
            this(epochs, steps, beforeTraining, null);
        }

        /** No hooks. */
        public static Hooks none() {
            return new Hooks(null, null, null);
        }
    }

    /**
     * Checkpoints, resume and gradient clipping of a run ({@link MultiTaskTrainer.Builder#checkpoints},
     * {@link MultiTaskTrainer.Builder#resumeFrom}, {@link MultiTaskTrainer.Builder#clipGradientNorm}).
     *
     * @param checkpointDir where checkpoints go, or null for none
     * @param checkpointEvery epochs between checkpoints (used with {@code checkpointDir})
     * @param resumeFrom checkpoint directory to continue from, or null to start afresh
     * @param clipNorm per-layer gradient L2 norm limit, or null for none
     */
    public record Safeguards(java.nio.file.Path checkpointDir, int checkpointEvery, java.nio.file.Path resumeFrom, Double clipNorm) {
        /** No checkpoints, no resume, no clipping. */
        public static Safeguards none() {
            return new Safeguards(null, 1, null, null);
        }
    }

    /** Splits, fits, trains and evaluates. */
    public static Result train(CsvTable table, Settings settings, EpochListener listener) {
        return train(table, null, settings, new Hooks(listener, null, null));
    }

    /**
     * As {@link #train(CsvTable, Settings, EpochListener)}, with a separate validation table (null: split off
     * {@code validFraction} of {@code table}) and hooks.
     */
    public static Result train(CsvTable table, CsvTable validation, Settings settings, Hooks hooks) {
        return train(table, validation, settings, hooks, Safeguards.none());
    }

    /** As {@link #train(CsvTable, CsvTable, Settings, Hooks)}, with checkpoints, resume or gradient clipping. */
    public static Result train(CsvTable table, CsvTable validation, Settings settings, Hooks hooks, Safeguards safeguards) {
        return train(TaskTables.of(table), validation, settings, hooks, safeguards);
    }

    /**
     * As {@link #train(CsvTable, CsvTable, Settings, Hooks, Safeguards)}, with tasks from tables of their own: the
     * tables' rows stacked with the other tasks' labels masked, each table split on its own (stratified on its first
     * classification task) unless {@code validation} is given, the preprocessing fitted on all training rows, and the
     * tables drawn at the rates of {@link Settings#taskSampling()}.
     */
    public static Result train(TaskTables tables, CsvTable validation, Settings settings, Hooks hooks, Safeguards safeguards) {
        EpochListener listener = hooks.epochs();
        ProgressListener stepListener = hooks.steps();
        Prepared prepared = prepare(tables, validation, settings);
        TabularPreprocessor preprocessor = prepared.preprocessor();
        TabularPreprocessor.Encoded trainEncoding = prepared.trainEncoding();
        MultiDataSet trainData = trainEncoding.data();
        MultiDataSet validData = prepared.validData();
        MultiTaskModel model = prepared.model();
        MultiTaskTrainer.Builder trainer = MultiTaskTrainer.builder(model).epochs(settings.epochs()).seed(settings.seed())
                .weighting(MethodRegistry.weighting(settings.method(), settings.weights()))
                .aggregator(MethodRegistry.aggregator(settings.method())).metricsInLabelUnits(preprocessor::toLabelUnits)
                .keep(settings.kept());
        if (settings.patience() != null) {
            trainer.earlyStopping(settings.patience());
        }
        if (settings.learningRateSchedule() instanceof PlateauSchedule plateau) {
            trainer.learningRateSchedule(plateau);
        }
        if (safeguards.checkpointDir() != null) {
            trainer.checkpoints(safeguards.checkpointDir(), safeguards.checkpointEvery());
        }
        if (safeguards.resumeFrom() != null) {
            trainer.resumeFrom(safeguards.resumeFrom());
        }
        if (safeguards.clipNorm() != null) {
            trainer.clipGradientNorm(safeguards.clipNorm());
        }
        if (listener != null) {
            trainer.listener(listener);
        }
        if (stepListener != null) {
            stepListener.batchesPerEpoch((trainData.getFeatures(0).size(0) + settings.batch() - 1) / settings.batch());
            trainer.stepListener(stepListener);
        }
        if (hooks.trainer() != null) {
            hooks.trainer().accept(trainer);
        }
        if (hooks.beforeTraining() != null) {
            hooks.beforeTraining().accept(model);
        }
        long start = System.nanoTime();
        // The trainer is done with a batch before it asks for the next: both iterators write into arrays of their own.
        InMemoryMultiDataSetIterator batches = (prepared.trainTables() == null || settings.taskSampling().isProportional()
                ? new InMemoryMultiDataSetIterator(trainData, settings.batch(), settings.seed())
                : InMemoryMultiDataSetIterator.ordered(trainData, settings.batch(), settings.taskSampling().order(prepared.trainTables(), settings.seed())))
                .reusingBatchBuffers();
        TrainingHistory history = trainer.build().fit(batches,
                new InMemoryMultiDataSetIterator(validData, evaluationBatch(validData)).reusingBatchBuffers());
        double seconds = (System.nanoTime() - start) / 1e9;
        // Measured afresh on the model as it is now (the kept epoch's), the same call mtl evaluate makes on the saved model.
        Map<String, TaskMetrics> metrics = evaluate(model, preprocessor, validData);
        Result result = new Result(model, preprocessor, history, metrics, seconds, validData, trainEncoding);
        return settings.baselines() == Baselines.NONE ? result : result.withBaselines(baselines(prepared, settings));
    }

    /**
     * The baselines of docs/baselines.md on the prepared split: per task a linear model on the same encoded rows, and a
     * single-task network (independent towers, fixed weights of 1, no cascades, otherwise the same settings) trained on
     * the same training rows and measured on the same validation rows.
     */
    public static BaselineResults baselines(Prepared prepared, Settings settings) {
        long start = System.nanoTime();
        Map<String, LinearBaselines.TaskFit> linear = LinearBaselines.fit(prepared.model().tasks(), prepared.trainEncoding().data(),
                prepared.validData(), prepared.preprocessor()::toLabelUnits);
        double linearSeconds = (System.nanoTime() - start) / 1e9;
        Settings single = settings.toBuilder().architecture(IndependentTowers.NAME).method(FixedWeighting.NAME).weights(Map.of())
                .cascades(Map.of()).fusedHeads(false).baselines(Baselines.NONE).build();
        Result singleTask = train(prepared.train(), prepared.validation(), single, Hooks.none());
        return new BaselineResults(linear, singleTask.metrics(), singleTask.model().parameterCounts().total(),
                singleTask.history().keptEpoch().map(io.github.mtldl4j.train.EpochReport::epoch).orElse(singleTask.history().epochs().size()),
                linearSeconds, singleTask.trainSeconds(), singleTask.model());
    }

    /**
     * The trained model, and its baselines when it has them, measured once on rows none of them saw in training or
     * selection (a held-out test file): the model as {@link #evaluate} measures it, each linear model refitted with
     * the regularization chosen on the validation rows ({@link LinearBaselines#measure}), the single-task network as
     * it was kept. The figures a careful comparison reports, since the kept epochs and the linear penalties were all
     * chosen on the validation rows.
     *
     * @param result a training's result
     * @param rows the held-out rows, with the model's feature and label columns
     * @return the metrics on {@code rows}
     */
    public static HeldOutResults heldOut(Result result, CsvTable rows) {
        MultiDataSet encoded = result.preprocessor().encode(rows).data();
        Map<String, TaskMetrics> metrics = evaluate(result.model(), result.preprocessor(), encoded);
        BaselineResults fitted = result.baselines();
        if (fitted == null) {
            return new HeldOutResults(rows.rowCount(), metrics, null);
        }
        if (result.trainingEncoding() == null || fitted.singleTaskModel() == null) {
            throw new IllegalStateException("the baselines of this result cannot be measured again: their training rows or "
                    + "single-task network were not kept.");
        }
        Map<String, LinearBaselines.TaskFit> linear = LinearBaselines.measure(result.model().tasks(), result.trainingEncoding().data(),
                fitted.linear(), encoded, result.preprocessor()::toLabelUnits);
        MultiTaskModel single = fitted.singleTaskModel();
        TabularPreprocessor singlePreprocessor = preprocessorOf(single, "the single-task baseline");
        Map<String, TaskMetrics> singleMetrics = evaluate(single, singlePreprocessor, singlePreprocessor.encode(rows).data());
        return new HeldOutResults(rows.rowCount(), metrics, new BaselineResults(linear, singleMetrics, fitted.singleTaskParameters(),
                fitted.singleTaskKeptEpoch(), fitted.linearSeconds(), fitted.singleTaskSeconds(), single));
    }

    /**
     * What every tabular training does before its epochs, on one machine or data-parallel: the label columns checked,
     * the split, the preprocessing fitted on the training rows, both splits encoded, the model built with the
     * preprocessing attached.
     *
     * @param train the training rows
     * @param validation the validation rows
     * @param trainEncoding the training rows encoded, with what was imputed or masked
     * @param validData the validation rows encoded
     * @param trainTables per training row the index of the table it came from ({@link TaskTables#parts}), or null
     *                    for one table
     */
    public record Prepared(CsvTable train, CsvTable validation, TabularPreprocessor preprocessor,
                           TabularPreprocessor.Encoded trainEncoding, MultiDataSet validData, MultiTaskModel model,
                           int[] trainTables) {
        /** Rows of one table. */
        public Prepared(CsvTable train, CsvTable validation, TabularPreprocessor preprocessor,
                        TabularPreprocessor.Encoded trainEncoding, MultiDataSet validData, MultiTaskModel model) {
            this(train, validation, preprocessor, trainEncoding, validData, model, null);
        }
    }

    /**
     * ESMM and AITM train every funnel stage on every row, its label meaning "reached this stage": refuses a missing label
     * (it would mask the row) and a stage reached without the previous one, naming the line and column.
     */
    private static void checkFunnelLabels(CsvTable table, MultiDataSet encoded, List<TaskSpec> tasks, String architecture) {
        for (int k = 0; k < tasks.size(); k++) {
            INDArray labels = encoded.getLabels(k);
            INDArray mask = encoded.getLabelsMaskArray(k);
            String column = tasks.get(k).columns().get(0);
            for (int r = 0; r < labels.rows(); r++) {
                String where = table.source() + ": line " + table.line(r) + ", column '" + column + "': ";
                if (mask != null && mask.getDouble(r, 0) == 0) {
                    throw new InvalidDataException(SettingMessage.of(where + "no label for task '" + tasks.get(k).name() + "'; ",
                            TabularSetting.ARCHITECTURE.is(architecture), " trains every funnel stage on every row, so fill 0 where the "
                            + "row did not reach this stage."));
                }
                if (k > 0 && labels.getDouble(r, 0) == 1 && encoded.getLabels(k - 1).getDouble(r, 0) == 0) {
                    throw new InvalidDataException(SettingMessage.of(where + "task '" + tasks.get(k).name() + "' is positive but "
                            + "the previous funnel stage '" + tasks.get(k - 1).name() + "' is not; with ", TabularSetting.ARCHITECTURE.is(architecture),
                            " a stage's label means the row reached it (e.g. click AND conversion): give the tasks in funnel order and "
                            + "fix the row."));
                }
            }
        }
    }

    /** The preparation of {@link #train(CsvTable, CsvTable, Settings, Hooks, Safeguards)}, for data-parallel training. */
    public static Prepared prepare(CsvTable table, CsvTable validation, Settings settings) {
        return prepare(TaskTables.of(table), validation, settings);
    }

    /** As {@link #prepare(CsvTable, CsvTable, Settings)} for tasks from tables of their own (one table: the same). */
    public static Prepared prepare(TaskTables tables, CsvTable validation, Settings settings) {
        Split split = split(tables, validation, settings);
        TabularPreprocessor preprocessor = TabularPreprocessor.fit(split.train(), settings.tasks(), settings.features(), settings.categorical());
        TabularPreprocessor.Encoded trainEncoding = preprocessor.encode(split.train());
        MultiDataSet validData = preprocessor.encode(split.validation()).data();
        if (MethodRegistry.architecture(settings.architecture()).needs(Need.FUNNEL)
                && settings.tasks().stream().allMatch(t -> t.type() == TaskType.BINARY)) {
            checkFunnelLabels(split.train(), trainEncoding.data(), settings.tasks(), settings.architecture());
            checkFunnelLabels(split.validation(), validData, settings.tasks(), settings.architecture());
        }
        MultiTaskModel model = build(preprocessor, settings, positiveWeights(settings, trainEncoding.data()),
                trainEncoding.data().getFeatures(0).size(0));
        model.attach(PREPROCESSING, preprocessor.toJson());
        return new Prepared(split.train(), split.validation(), preprocessor, trainEncoding, validData, model, split.trainTables());
    }

    /**
     * Training and validation rows of tables per task, stacked.
     *
     * @param train the training rows of every table, one table after another
     * @param validation the validation rows (the given validation table, or each table's split-off rows stacked)
     * @param trainTables per training row the index of its table in {@link TaskTables#parts}, or null for one table
     */
    public record Split(CsvTable train, CsvTable validation, int[] trainTables) {
    }

    /**
     * The training and validation rows of {@code tables}: for one table {@link #split(CsvTable, CsvTable, Settings)};
     * else each table split on its own (stratified on its first classification task, seeded) unless
     * {@code validation} is given, then stacked with the other tasks' labels missing.
     *
     * @throws io.github.mtldl4j.data.InvalidDataException for an unknown task, a task without a table, or a table
     *     without a label or feature column
     */
    public static Split split(TaskTables tables, CsvTable validation, Settings settings) {
        List<TaskTables.Part> parts = tables.parts(settings.tasks());
        if (tables.single()) {
            CsvTable[] split = split(tables.shared(), validation, settings);
            return new Split(split[0], split[1], null);
        }
        List<String> featureColumns = TaskTables.featureColumns(parts, settings.tasks(), settings.features());
        List<TaskTables.Part> trainParts = new java.util.ArrayList<>();
        List<TaskTables.Part> validParts = new java.util.ArrayList<>();
        for (TaskTables.Part part : parts) {
            if (validation != null) {
                trainParts.add(part);
            } else {
                CsvTable[] own = split(part.table(), part.stratifyColumn(), settings);
                trainParts.add(new TaskTables.Part(own[0], part.tasks()));
                validParts.add(new TaskTables.Part(own[1], part.tasks()));
            }
        }
        int[] trainTables = new int[trainParts.stream().mapToInt(p -> p.table().rowCount()).sum()];
        for (int p = 0, row = 0; p < trainParts.size(); p++) {
            for (int r = 0; r < trainParts.get(p).table().rowCount(); r++) {
                trainTables[row++] = p;
            }
        }
        return new Split(TaskTables.stack(trainParts, settings.tasks(), featureColumns),
                validation != null ? validation : TaskTables.stack(validParts, settings.tasks(), featureColumns), trainTables);
    }

    /**
     * Per task {@code losses}' value as {@code loss} first, then its metrics, as {@code metrics.json} reports them; for
     * metrics computed elsewhere (e.g. on Spark executors) with the model's mean losses ({@link MeanTaskLosses}).
     */
    public static Map<String, TaskMetrics> withLoss(Map<String, TaskMetrics> metrics, Map<String, Double> losses) {
        Map<String, TaskMetrics> withLoss = new LinkedHashMap<>();
        metrics.forEach((task, m) -> {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("loss", losses.getOrDefault(task, Double.NaN));
            m.metrics().forEach((name, value) -> {
                if (!"loss".equals(name)) {
                    values.put(name, value);
                }
            });
            withLoss.put(task, new TaskMetrics(m.type(), m.count(), values));
        });
        return withLoss;
    }

    /**
     * The training and validation rows: {@code validation} if given, else {@code validFraction} of {@code table} split
     * off, stratified on the first classification task and seeded.
     *
     * @return the training table, then the validation table
     */
    public static CsvTable[] split(CsvTable table, CsvTable validation, Settings settings) {
        if (validation != null) {
            return new CsvTable[] {table, validation};
        }
        String stratify = settings.tasks().stream()
                .filter(t -> t.type() == TaskType.BINARY || t.type() == TaskType.MULTICLASS)
                .map(t -> t.columns().get(0)).findFirst().orElse(null);
        return split(table, stratify, settings);
    }

    private static CsvTable[] split(CsvTable table, String stratify, Settings settings) {
        DataSplit split = DataSplit.of(table, settings.validFraction(), settings.seed(), stratify);
        return new CsvTable[] {table.rows(split.train()), table.rows(split.validation())};
    }

    /** A step listener that also learns how many batches an epoch has. */
    public interface ProgressListener extends StepListener {
        /** Called once before training. */
        void batchesPerEpoch(long batches);
    }

    /**
     * Per binary task, its positive-class weight for these training rows: {@link ClassWeight#resolve} with the counts
     * of positive and negative labels among the labelled rows.
     */
    public static Map<String, Double> positiveWeights(Settings settings, MultiDataSet train) {
        Map<String, Double> weights = new LinkedHashMap<>();
        for (int t = 0; t < settings.tasks().size(); t++) {
            TaskSpec spec = settings.tasks().get(t);
            ClassWeight weight = settings.classWeightOf(spec);
            if (weight.kind() == ClassWeight.Kind.NONE) {
                continue;
            }
            double[] labels = train.getLabels(t).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(-1).toDoubleVector();
            INDArray maskArray = train.getLabelsMaskArray(t);
            double[] mask = maskArray == null ? null : maskArray.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(-1).toDoubleVector();
            long positives = 0;
            long negatives = 0;
            for (int r = 0; r < labels.length; r++) {
                if (mask == null || mask[r] > 0) {
                    if (labels[r] >= 0.5) {
                        positives++;
                    } else {
                        negatives++;
                    }
                }
            }
            weights.put(spec.name(), weight.resolve(positives, negatives));
        }
        return weights;
    }

    /** Adam at the settings' rate, on the warm-up + cosine curve over the run if the settings choose it. */
    private static Adam adam(Settings settings, long trainRows) {
        if (!(settings.learningRateSchedule() instanceof WarmupCosineSchedule cosine)) {
            return new Adam(settings.learningRate());
        }
        if (trainRows < 1) {
            throw new IllegalStateException("A warm-up + cosine learning-rate schedule needs the number of training rows; build the "
                    + "model with TabularTraining.prepare or build(preprocessor, settings, weights, trainRows).");
        }
        long batchesPerEpoch = (trainRows + settings.batch() - 1) / settings.batch();
        return new Adam(cosine.over(settings.learningRate(), batchesPerEpoch * settings.epochs()));
    }

    /**
     * The graph for the settings (also used by the data-parallel pipeline of mtl-spark), with fixed positive-class
     * weights only: balanced ones need the training rows ({@link #build(TabularPreprocessor, Settings, Map)}).
     */
    public static MultiTaskModel build(TabularPreprocessor preprocessor, Settings settings) {
        Map<String, Double> fixed = new LinkedHashMap<>();
        for (TaskSpec spec : settings.tasks()) {
            ClassWeight weight = settings.classWeightOf(spec);
            if (weight.kind() == ClassWeight.Kind.BALANCED) {
                throw new IllegalStateException("Task '" + spec.name() + "': a balanced positive-class weight needs the training rows; "
                        + "build the model with TabularTraining.prepare or pass the weights to build(preprocessor, settings, weights).");
            }
            if (weight.kind() == ClassWeight.Kind.FIXED) {
                fixed.put(spec.name(), weight.fixed());
            }
        }
        return build(preprocessor, settings, fixed);
    }

    /**
     * The graph for the settings, binary tasks weighted by {@code positiveWeights} (task name to weight; others 1).
     * A warm-up + cosine schedule needs the number of training rows ({@link #build(TabularPreprocessor, Settings, Map, long)}).
     */
    public static MultiTaskModel build(TabularPreprocessor preprocessor, Settings settings, Map<String, Double> positiveWeights) {
        return build(preprocessor, settings, positiveWeights, -1);
    }

    /**
     * As {@link #build(TabularPreprocessor, Settings, Map)}, for {@code trainRows} training rows (the length of a
     * warm-up + cosine schedule: epochs x minibatches per epoch; ignored otherwise, may be -1 then).
     */
    public static MultiTaskModel build(TabularPreprocessor preprocessor, Settings settings, Map<String, Double> positiveWeights,
                                       long trainRows) {
        Map<String, Double> weights = settings.weights();
        for (String task : weights.keySet()) {
            if (settings.tasks().stream().noneMatch(t -> t.name().equals(task))) {
                throw new InvalidDataException(SettingMessage.of(TabularSetting.WEIGHTS, " names unknown task '" + task + "'; the tasks are "
                        + settings.tasks().stream().map(TaskSpec::name).toList() + "."));
            }
        }
        MultiTaskGraphBuilder builder = MultiTaskGraphBuilder.forInputs(preprocessor.inputWidth())
                .sharedLayers(settings.shared().stream().mapToInt(Integer::intValue).toArray())
                .updater(adam(settings, trainRows)).seed(settings.seed());
        if (settings.dropout() > 0) {
            builder.dropout(settings.dropout());
        }
        if (settings.l2() > 0) {
            builder.l2(settings.l2());
        }
        int[] head = settings.head().stream().mapToInt(Integer::intValue).toArray();
        for (Task task : preprocessor.tasks()) {
            Task weighted = task.withHead(head).withWeight(weights.getOrDefault(task.name(), 1.0));
            double positive = positiveWeights.getOrDefault(task.name(), 1.0);
            builder.task(positive == 1.0 ? weighted : weighted.withPositiveWeight(positive));
        }
        SharingMode sharing = MethodRegistry.architecture(settings.architecture())
                .create(new MethodOptions(weights, settings.experts(), settings.taskExperts(), settings.topK(),
                        settings.calibratorWeight()));
        if (settings.dselectGate() == DSelectKLayer.Routing.STATIC) {
            sharing = MixtureOfExperts.dselectKStatic(settings.experts(), settings.topK());
        }
        if (settings.dselectEntropy() > 0) {
            sharing = ((MixtureOfExperts) sharing).withSelectorEntropy(settings.dselectEntropy());
        }
        builder.sharing(sharing);
        settings.cascades().forEach((target, sources) -> sources.forEach(source -> builder.cascade(target, source)));
        if (MethodRegistry.method(settings.method()).needs(Need.REPRESENTATION_TAP)) {
            builder.representationTap();
        }
        if (settings.fusedHeads()) {
            builder.fusedHeads();
        }
        return builder.build();
    }

    /** Most rows of a batch when losses and metrics are measured: {@link #evaluationBatch}. */
    static final int EVALUATION_BATCH = 4096;

    /** Feature values of a batch when losses and metrics are measured (about 16 MB in FLOAT). */
    static final long EVALUATION_BATCH_VALUES = 1L << 22;

    /**
     * Rows per batch when the trainer's validation pass and {@link #evaluate} measure {@code data} (the same batches in
     * both, so the kept epoch's validation loss in the history and {@code metrics.json}'s agree): up to
     * {@link #EVALUATION_BATCH} rows and {@link #EVALUATION_BATCH_VALUES} feature values, at least 256 rows. Measuring
     * costs a few dozen native calls per batch and task (DL4J's scoring and evaluation classes): in 256-row batches the
     * validation pass of a 100,000-row table took as long as its training epoch (docs/performance.md, "The data path").
     */
    static int evaluationBatch(MultiDataSet data) {
        long width = Math.max(1, data.getFeatures(0).columns());
        return (int) Math.max(256, Math.min(EVALUATION_BATCH, EVALUATION_BATCH_VALUES / width));
    }

    /**
     * Per-task metrics of a model on encoded rows: {@code loss} first (the mean loss over labelled rows, unweighted, in
     * training units: {@link MeanTaskLosses}), then the metrics in the labels' own units (regression de-standardized).
     * {@code metrics.json}, {@code mtl evaluate} and the tuner all measure with this.
     */
    public static Map<String, TaskMetrics> evaluate(MultiTaskModel model, TabularPreprocessor preprocessor, MultiDataSet data) {
        Map<String, Double> losses = MeanTaskLosses.of(model, new InMemoryMultiDataSetIterator(data, evaluationBatch(data)));
        Map<String, INDArray> predictions = model.predict(data.getFeatures(0));
        Map<String, TaskMetrics> metrics = new LinkedHashMap<>();
        for (int t = 0; t < model.tasks().size(); t++) {
            Task task = model.tasks().get(t);
            TaskEvaluator evaluator = new TaskEvaluator(task.type(), task.width());
            INDArray labels = preprocessor.toLabelUnits(task.name(), data.getLabels(t));
            INDArray predicted = preprocessor.toLabelUnits(task.name(), predictions.get(task.name()));
            evaluator.add(labels.castTo(predicted.dataType()), predicted, data.getLabelsMaskArray(t));
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("loss", losses.get(task.name()));
            values.putAll(evaluator.metrics());
            metrics.put(task.name(), new TaskMetrics(task.type(), evaluator.count(), values));
        }
        return metrics;
    }

    /** The preprocessing stored with a model trained by this pipeline. */
    public static TabularPreprocessor preprocessorOf(MultiTaskModel model, String modelSource) {
        String json = model.attachment(PREPROCESSING).orElseThrow(() -> new InvalidDataException(modelSource
                + ": the model has no tabular preprocessing; it was not trained from a table by 'mtl train'."));
        return TabularPreprocessor.fromJson(json);
    }
}
