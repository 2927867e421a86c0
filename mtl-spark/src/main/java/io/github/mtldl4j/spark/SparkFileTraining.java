package io.github.mtldl4j.spark;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.eval.TaskMetrics;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.scaleout.ScaleOutMethods;
import io.github.mtldl4j.scaleout.TaskFigures;
import io.github.mtldl4j.setting.SettingMessage;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.DataParallelTraining;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.train.EpochListener;
import io.github.mtldl4j.train.TrainingHistory;
import io.github.mtldl4j.weighting.LossWeighting;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.commons.csv.CSVFormat;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.TextInputFormat;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

/**
 * Tabular training on a CSV file that Spark reads where it lives ({@code file://} on every node, {@code hdfs://},
 * {@code s3a://}, ...): the driver never opens the file. One pass on the executors counts each partition's lines and
 * the training and validation rows; the validation rows are {@code validFraction} of the rows chosen by a hash of
 * each row's text and the seed (the same rows for a seed however the file is partitioned; identical rows fall on the
 * same side; not stratified), or a separate file. A second pass brings a uniform sample of at most about
 * {@link #SAMPLE_ROWS} training rows to the driver, where the preprocessing is fitted; the executors encode their
 * rows, and every message names the file, line and column of a bad value.
 */
public final class SparkFileTraining implements DataParallelTraining.ExecutorTable {

    /** Training rows brought to the driver, at most about, to fit the preprocessing. */
    public static final int SAMPLE_ROWS = 100_000;
    /** Validation rows brought to the driver, at most about, as {@link TabularTraining.Result#encodedValidation()}. */
    static final int VALIDATION_SAMPLE_ROWS = 10_000;

    /** A data row of a file: the file, its line number (the header is line 1) and its text. */
    public record Line(String file, long number, String text) implements Serializable {
    }

    private final JavaSparkContext spark;
    private final boolean ownsSpark;
    private final ExecutorsSeen executors = new ExecutorsSeen();
    private final int averagingFrequency;
    private final DataParallelTraining.SparkTraining training;
    private final String source;
    private final List<String> header;
    private final JavaRDD<Line> train;
    private final JavaRDD<Line> valid;
    private final long trainCount;
    private final long validCount;
    private final String validationRule;
    private final CsvTable sample;
    private final CsvTable validSample;

    private SparkFileTraining(JavaSparkContext spark, boolean ownsSpark, int averagingFrequency, DataParallelTraining.SparkTraining training,
                              String path, String validationPath, TabularTraining.Settings settings) {
        this.spark = spark;
        this.ownsSpark = ownsSpark;
        this.averagingFrequency = averagingFrequency;
        this.training = training;
        this.source = path;
        spark.sc().addSparkListener(executors);
        long seed = settings.seed();
        double fraction = validationPath == null ? settings.validFraction() : 0;
        Lines rows = lines(spark, path, seed, fraction, settings);
        if (validationPath == null) {
            train = rows.lines().filter(line -> !isValidation(seed, fraction, line.text()));
            valid = rows.lines().filter(line -> isValidation(seed, fraction, line.text()));
            trainCount = rows.rows() - rows.validationRows();
            validCount = rows.validationRows();
            validationRule = String.format(Locale.ROOT, "%s of the rows by a hash of each row and seed %d", percent(fraction), seed);
        } else {
            Lines validation = lines(spark, validationPath, seed, 0, settings);
            if (!validation.header().equals(rows.header())) {
                throw new InvalidDataException(validationPath + ": line 1: the columns " + validation.header() + " differ from "
                        + path + "'s " + rows.header() + "; give the validation file the training file's columns.");
            }
            train = rows.lines();
            valid = validation.lines();
            trainCount = rows.rows();
            validCount = validation.rows();
            validationRule = "the rows of " + validationPath;
        }
        this.header = rows.header();
        if (trainCount == 0 || validCount == 0) {
            throw new InvalidDataException(SettingMessage.of(path + ": " + trainCount + " training and " + validCount + " validation rows; "
                    + "expected at least one of each: give more rows or another ", TabularSetting.VALID_FRACTION, "."));
        }
        double trainShare = Math.min(1.0, SAMPLE_ROWS / (double) trainCount);
        double validShare = Math.min(1.0, VALIDATION_SAMPLE_ROWS / (double) validCount);
        // One pass for both samples, each row kept by a second hash: the same sample for a seed.
        List<Tuple2<Boolean, Line>> sampled = train.filter(line -> sampled(seed, trainShare, line.text())).map(line -> new Tuple2<>(true, line))
                .union(valid.filter(line -> sampled(seed, validShare, line.text())).map(line -> new Tuple2<>(false, line))).collect();
        sample = table(header, sampled.stream().filter(Tuple2::_1).map(Tuple2::_2).toList(), path);
        validSample = table(header, sampled.stream().filter(t -> !t._1()).map(Tuple2::_2).toList(), path);
    }

    /**
     * Opens {@code path} in a Spark context this table starts on {@code placement} and stops on {@link #close()} (or in
     * the running session's context on that master, left running).
     *
     * @throws InvalidDataException naming the file, line and column of what cannot be used
     */
    public static SparkFileTraining open(DataParallelTraining.SparkCluster placement, String path, String validationPath,
                                         TabularTraining.Settings settings) {
        DistributedTabularTraining.OnSpark mode = new DistributedTabularTraining.OnSpark(placement.master(), placement.averagingFrequency(),
                placement.training());
        JavaSparkContext session = DistributedTabularTraining.active(mode.master());
        JavaSparkContext spark = session != null ? session : new JavaSparkContext(DistributedTabularTraining.conf(mode.master()));
        try {
            return new SparkFileTraining(spark, session == null, mode.averagingFrequency(), mode.training(), path, validationPath, settings);
        } catch (Exception e) {
            // Spark's Scala code throws checked exceptions (SparkException, Hadoop's IOExceptions) undeclared.
            if (session == null) {
                spark.stop();
            }
            throw SparkFailures.unwrap(e, path);
        }
    }

    /** As {@link #open(DataParallelTraining.SparkCluster, String, String, TabularTraining.Settings)} in a context the caller owns. */
    public static SparkFileTraining open(JavaSparkContext spark, int averagingFrequency, String path, String validationPath,
                                         TabularTraining.Settings settings) {
        try {
            return new SparkFileTraining(spark, false, averagingFrequency, DataParallelTraining.SparkTraining.PARAMETER_AVERAGING, path,
                    validationPath, settings);
        } catch (Exception e) {
            throw SparkFailures.unwrap(e, path);
        }
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public long trainingRows() {
        return trainCount;
    }

    @Override
    public long validationRows() {
        return validCount;
    }

    @Override
    public String validationRule() {
        return validationRule;
    }

    @Override
    public CsvTable sample() {
        return sample;
    }

    @Override
    public DataParallelTraining.Trained train(TabularTraining.Settings settings, EpochListener listener) {
        try {
            return trainOnExecutors(settings.forDataParallel(), listener);
        } catch (Exception e) {
            throw SparkFailures.unwrap(e, source);
        }
    }

    private DataParallelTraining.Trained trainOnExecutors(TabularTraining.Settings settings, EpochListener listener) {
        LossWeighting weighting = ScaleOutMethods.weighting(settings.method(), settings.weights(), TabularSetting.SPARK);
        TabularPreprocessor preprocessor = TabularPreprocessor.fit(sample, settings.tasks(), settings.features(), settings.categorical());
        TabularPreprocessor.Encoded sampleEncoding = preprocessor.encode(sample);
        MultiTaskModel model = TabularTraining.build(preprocessor, settings, TabularTraining.positiveWeights(settings, sampleEncoding.data()),
                trainingRows());
        model.attach(TabularTraining.PREPROCESSING, preprocessor.toJson());
        JavaRDD<MultiDataSet> trainBatches = encode(train, header, preprocessor, settings.batch()).persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<MultiDataSet> validBatches = encode(valid, header, preprocessor, Math.max(settings.batch(), 256)).persist(StorageLevel.MEMORY_ONLY());
        try {
            // Encode every row before the first epoch, so that a bad value is reported before training starts.
            trainBatches.count();
            validBatches.count();
            SparkBackend backend = SparkBackend.of(spark, trainBatches, validBatches, settings.batch(), averagingFrequency, training);
            long start = System.nanoTime();
            TrainingHistory history;
            Map<String, Object> steps = Map.of();
            if (ScaleOutMethods.stepsSynchronously(settings.method())) {
                SynchronousGradientTrainer synchronous = DistributedTabularTraining.synchronousTrainer(spark, model, trainBatches,
                        validBatches, weighting, settings, listener, preprocessor);
                history = synchronous.fit();
                steps = DistributedTabularTraining.figures(synchronous.traffic());
            } else {
                history = DistributedTabularTraining.trainer(model, backend, weighting, settings, listener, preprocessor).fit();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            TaskFigures figures = SparkBackend.figures(spark, model, validBatches, true);
            Map<String, TaskMetrics> metrics = figures.metrics(model.tasks(), preprocessor::toLabelUnits);
            TabularTraining.Result result = new TabularTraining.Result(model, preprocessor, history,
                    TabularTraining.withLoss(metrics, figures.meanLosses(model.taskNames())), seconds,
                    preprocessor.encode(validSample).data(), sampleEncoding);
            return new DataParallelTraining.Trained(result, executors.ids(), steps);
        } finally {
            trainBatches.unpersist();
            validBatches.unpersist();
        }
    }

    @Override
    public void close() {
        spark.sc().removeSparkListener(executors);
        if (ownsSpark) {
            spark.stop();
        }
    }

    /**
     * Whether a row is a validation row: a hash of its text and the seed, as a number in [0, 1), below {@code fraction}.
     * The same rows for a seed on every partitioning of the file.
     */
    public static boolean isValidation(long seed, double fraction, String text) {
        return unit(hash(seed, text)) < fraction;
    }

    /** Whether a row is in the sample brought to the driver: another hash, below {@code share}. */
    static boolean sampled(long seed, double share, String text) {
        return share >= 1 || unit(mix(hash(seed, text) ^ 0x5DEECE66DL)) < share;
    }

    /** FNV-1a over the UTF-16 units, seeded, finished by SplitMix64's mix. */
    static long hash(long seed, String text) {
        long h = 0xcbf29ce484222325L ^ mix(seed);
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001b3L;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.4g %%", 100 * fraction).replaceAll("\\.?0+ %", " %");
    }

    private static void requireColumns(List<String> header, String path, TabularTraining.Settings settings) {
        for (TaskSpec task : settings.tasks()) {
            for (String column : task.columns()) {
                requireColumn(header, path, column, "label column of task '" + task.name() + "'");
            }
        }
        if (settings.features() != null) {
            settings.features().forEach(column -> requireColumn(header, path, column, "named in ", TabularSetting.FEATURES));
        }
    }

    /** @param role what the column is for, as text and settings (e.g. "named in ", the features setting) */
    private static void requireColumn(List<String> header, String path, String column, Object... role) {
        if (!header.contains(column)) {
            List<Object> parts = new ArrayList<>(List.of(path + ": no column '" + column + "' ("));
            parts.addAll(List.of(role));
            parts.add("); the columns are " + header + ".");
            throw new InvalidDataException(SettingMessage.of(parts.toArray()));
        }
    }

    /** A file's (or directory's, or glob's) header and data rows with their line numbers, and the rows counted. */
    record Lines(List<String> header, JavaRDD<Line> lines, long rows, long validationRows) {
    }

    /**
     * What the first pass learns of a partition (a split of one file): its file, where it starts, its lines, the
     * header (when it starts the file), its data rows and how many of them are validation rows.
     */
    record PartitionLines(int partition, String file, long start, long lines, String header, long rows, long validationRows)
            implements Serializable {
    }

    /**
     * Reads {@code path} with Hadoop's text input on the executors: a first pass counts every partition's lines (so
     * that every row knows its line number in its file), its rows and validation rows ({@link #isValidation}), and
     * finds the header of every file. Line 1 of every file is its header; blank lines are dropped. The columns that
     * {@code settings} names are checked on the first line before the pass. At least as many partitions as the cluster
     * has cores (Spark's default parallelism), so that a small file gives every executor rows.
     */
    static Lines lines(JavaSparkContext spark, String path, long seed, double fraction, TabularTraining.Settings settings) {
        @SuppressWarnings("unchecked")
        JavaHadoopRDD<LongWritable, Text> raw = (JavaHadoopRDD<LongWritable, Text>) spark.hadoopFile(path, TextInputFormat.class,
                LongWritable.class, Text.class, spark.defaultParallelism());
        List<String> firstLines = raw.map(line -> line._2().toString()).take(1);
        if (firstLines.isEmpty() || firstLines.get(0).isBlank()) {
            throw new InvalidDataException(path + ": empty or a blank first line; expected a header line naming the columns, then data rows.");
        }
        requireColumns(CsvTable.parse(firstLines.get(0) + "\n" + firstLines.get(0) + "\n", path).header(), path, settings);
        List<PartitionLines> partitions = new ArrayList<>(raw.mapPartitionsWithInputSplit((split, it) -> {
            FileSplit file = (FileSplit) split;
            String header = null;
            long lines = 0;
            long rows = 0;
            long validation = 0;
            while (it.hasNext()) {
                String text = it.next()._2().toString();
                lines++;
                if (file.getStart() == 0 && lines == 1) {
                    header = text;
                } else if (!text.isBlank()) {
                    rows++;
                    validation += isValidation(seed, fraction, text) ? 1 : 0;
                }
            }
            return List.of(new PartitionLines(TaskContext.getPartitionId(), file.getPath().toString(), file.getStart(), lines, header,
                    rows, validation)).iterator();
        }, true).collect());
        partitions.sort(Comparator.comparingInt(PartitionLines::partition).thenComparingLong(PartitionLines::start));
        List<String> files = partitions.stream().map(PartitionLines::file).distinct().toList();
        // One file: messages name it as the user did (file:///data/x.csv rather than Hadoop's file:/data/x.csv).
        Map<String, String> shown = new LinkedHashMap<>();
        files.forEach(file -> shown.put(file, files.size() == 1 && path.endsWith(new org.apache.hadoop.fs.Path(file).getName()) ? path : file));
        // By file and start rather than partition index: RDDs derived from this one (a union) number partitions anew.
        Map<String, Long> firstLine = new LinkedHashMap<>();
        Map<String, Long> linesSoFar = new LinkedHashMap<>();
        String headerLine = null;
        String headerFile = null;
        for (PartitionLines partition : partitions) {
            long before = linesSoFar.getOrDefault(partition.file(), 0L);
            firstLine.put(partition.file() + "@" + partition.start(), before + 1);
            linesSoFar.put(partition.file(), before + partition.lines());
            if (partition.start() == 0 && partition.header() != null) {
                if (partition.header().isBlank()) {
                    throw new InvalidDataException(shown.get(partition.file()) + ": line 1 is blank; expected the header line naming the columns.");
                }
                if (headerLine == null) {
                    headerLine = partition.header();
                    headerFile = partition.file();
                } else if (!headerLine.equals(partition.header())) {
                    throw new InvalidDataException(shown.get(partition.file()) + ": line 1: the header '" + partition.header() + "' differs from "
                            + shown.get(headerFile) + "'s '" + headerLine + "'; every file read together needs the same columns.");
                }
            }
        }
        if (headerLine == null) {
            throw new InvalidDataException(path + ": empty; expected a header line naming the columns, then data rows.");
        }
        List<String> header = CsvTable.parse(headerLine + "\n" + headerLine + "\n", shown.get(headerFile)).header();
        JavaRDD<Line> lines = raw.mapPartitionsWithInputSplit((split, it) -> {
            FileSplit fileSplit = (FileSplit) split;
            String file = fileSplit.getPath().toString();
            return new LineIterator(shown.getOrDefault(file, file), firstLine.get(file + "@" + fileSplit.getStart()), it);
        }, true);
        return new Lines(header, lines, partitions.stream().mapToLong(PartitionLines::rows).sum(),
                partitions.stream().mapToLong(PartitionLines::validationRows).sum());
    }

    /** A partition's data rows with their line numbers: line 1 (the header) and blank lines left out. */
    private static final class LineIterator implements Iterator<Line> {
        private final String file;
        private final Iterator<Tuple2<LongWritable, Text>> lines;
        private long number;
        private Line next;

        LineIterator(String file, long firstLine, Iterator<Tuple2<LongWritable, Text>> lines) {
            this.file = file;
            this.number = firstLine - 1;
            this.lines = lines;
        }

        @Override
        public boolean hasNext() {
            while (next == null && lines.hasNext()) {
                String text = lines.next()._2().toString();
                number++;
                if (number > 1 && !text.isBlank()) {
                    next = new Line(file, number, text);
                }
            }
            return next != null;
        }

        @Override
        public Line next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Line line = next;
            next = null;
            return line;
        }
    }

    /** Encodes every partition's rows (one file's) into minibatches of {@code batch} rows; messages name file, line and column. */
    static JavaRDD<MultiDataSet> encode(JavaRDD<Line> lines, List<String> header, TabularPreprocessor preprocessor, int batch) {
        String json = preprocessor.toJson();
        return lines.mapPartitions(rows -> {
            List<Line> all = new ArrayList<>();
            rows.forEachRemaining(all::add);
            List<MultiDataSet> batches = new ArrayList<>();
            if (all.isEmpty()) {
                return batches.iterator();
            }
            org.nd4j.linalg.dataset.MultiDataSet encoded = TabularPreprocessor.fromJson(json).encode(table(header, all, "partition")).data();
            int n = (int) encoded.getFeatures(0).size(0);
            for (int from = 0; from < n; from += batch) {
                batches.add(SparkTabularData.rowsOf(encoded, from, Math.min(n, from + batch)));
            }
            return batches.iterator();
        }, true);
    }

    /**
     * The rows as a table whose messages name each row's file and line; a row with the wrong number of fields is
     * reported with its own file and line.
     */
    static CsvTable table(List<String> header, List<Line> rows, String source) {
        String headerLine = CSVFormat.RFC4180.format(header.toArray());
        StringBuilder text = new StringBuilder(headerLine).append('\n');
        rows.forEach(row -> text.append(row.text()).append('\n'));
        CsvTable parsed;
        try {
            parsed = CsvTable.parse(text.toString(), source);
        } catch (InvalidDataException e) {
            for (Line row : rows) {
                try {
                    CsvTable.parse(headerLine + "\n" + row.text() + "\n", row.file());
                } catch (InvalidDataException bad) {
                    String prefix = row.file() + ": line 2";
                    String message = bad.getMessage();
                    throw new InvalidDataException(row.file() + ": line " + row.number()
                            + (message.startsWith(prefix) ? message.substring(prefix.length()) : ": " + message), bad);
                }
            }
            throw e;
        }
        String[] files = new String[rows.size()];
        long[] numbers = new long[rows.size()];
        for (int i = 0; i < files.length; i++) {
            files[i] = rows.get(i).file();
            numbers[i] = rows.get(i).number();
        }
        return parsed.at(files, numbers);
    }
}
