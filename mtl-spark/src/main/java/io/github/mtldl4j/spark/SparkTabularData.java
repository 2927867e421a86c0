package io.github.mtldl4j.spark;

import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * CSV rows in Spark, as the command line reads them, turned into minibatches where they are: the preprocessing
 * ({@link TabularPreprocessor}: standardization, one-hot levels, label encoding) is fitted on the driver on a sample
 * and shipped to the executors as JSON; each partition encodes its rows (missing labels masked per task) and cuts
 * them into minibatches.
 *
 * <pre>{@code
 * SparkTabularData.Rows rows = SparkTabularData.read(sc, "hdfs:///data/penguins.csv");
 * TabularPreprocessor pre = SparkTabularData.fitOnSample(rows, specs, null, Set.of(), 100_000, 42);
 * JavaRDD<MultiDataSet> batches = SparkTabularData.encode(rows, pre, 32).persist(StorageLevel.MEMORY_ONLY());
 * }</pre>
 */
public final class SparkTabularData {

    private SparkTabularData() {
    }

    /**
     * CSV rows with their header.
     *
     * @param header the column names
     * @param lines the data rows, one CSV record per element (fields quoted as RFC 4180; no line breaks inside fields)
     */
    public record Rows(List<String> header, JavaRDD<String> lines) {
        /** Copies the header. */
        public Rows {
            header = List.copyOf(header);
            Objects.requireNonNull(lines, "lines");
        }
    }

    /**
     * Reads CSV text file(s) whose first line is the header ({@code sc.textFile}: a file, a directory, a glob; any
     * Hadoop file system). Lines equal to the header (the header of further files) and blank lines are dropped.
     * Fields must not contain line breaks.
     */
    public static Rows read(JavaSparkContext spark, String path) {
        JavaRDD<String> text = spark.textFile(path);
        String headerLine;
        try {
            headerLine = text.first();
        } catch (UnsupportedOperationException e) {
            throw new InvalidDataException(path + ": empty; expected a header line naming the columns, then data rows.", e);
        }
        List<String> header = CsvTable.parse(headerLine + "\n" + headerLine, path).header();
        return new Rows(header, text.filter(line -> !line.isBlank() && !line.equals(headerLine)));
    }

    /** The rows of a table already in memory, as an RDD of CSV records in {@code partitions} partitions. */
    public static Rows parallelize(JavaSparkContext spark, CsvTable table, int partitions) {
        List<String> lines = new ArrayList<>(table.rowCount());
        String[] values = new String[table.header().size()];
        for (int r = 0; r < table.rowCount(); r++) {
            for (int c = 0; c < values.length; c++) {
                values[c] = table.value(r, c);
            }
            lines.add(CSVFormat.RFC4180.format((Object[]) values));
        }
        return new Rows(table.header(), spark.parallelize(lines, partitions));
    }

    /**
     * Fits the preprocessing on the driver on a uniform sample of at most about {@code maxRows} rows (all rows if
     * there are fewer). Class labels and category levels absent from the sample are unknown to the model: a class
     * label not seen is refused when the rows are encoded (an unseen feature level is encoded as "unknown").
     */
    public static TabularPreprocessor fitOnSample(Rows rows, List<TaskSpec> tasks, List<String> features, Set<String> categorical,
                                                  int maxRows, long seed) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, received " + maxRows + ".");
        }
        long count = rows.lines().count();
        List<String> sample = count <= maxRows ? rows.lines().collect()
                : rows.lines().sample(false, Math.min(1.0, 1.1 * maxRows / count), seed).collect();
        return TabularPreprocessor.fit(table(rows.header(), sample, "sample of the training rows"), tasks, features, categorical);
    }

    /**
     * Encodes every partition's rows with {@code preprocessor} (labels required; a missing label is masked for its task)
     * into minibatches of {@code batch} rows (the last of a partition may be smaller).
     */
    public static JavaRDD<MultiDataSet> encode(Rows rows, TabularPreprocessor preprocessor, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1 row, received " + batch + ".");
        }
        String json = preprocessor.toJson();
        List<String> header = rows.header();
        return rows.lines().mapPartitionsWithIndex((partition, lines) -> encodePartition(header, json, lines, batch, partition), true);
    }

    private static Iterator<MultiDataSet> encodePartition(List<String> header, String preprocessorJson, Iterator<String> lines,
                                                          int batch, int partition) {
        List<String> rows = new ArrayList<>();
        lines.forEachRemaining(rows::add);
        List<MultiDataSet> batches = new ArrayList<>();
        if (rows.isEmpty()) {
            return batches.iterator();
        }
        TabularPreprocessor preprocessor = TabularPreprocessor.fromJson(preprocessorJson);
        org.nd4j.linalg.dataset.MultiDataSet all = preprocessor.encode(table(header, rows, "partition " + partition)).data();
        int n = (int) all.getFeatures(0).size(0);
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            batches.add(rowsOf(all, from, to));
        }
        return batches.iterator();
    }

    static MultiDataSet rowsOf(MultiDataSet all, int from, int to) {
        org.nd4j.linalg.indexing.INDArrayIndex rows = org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to);
        org.nd4j.linalg.indexing.INDArrayIndex columns = org.nd4j.linalg.indexing.NDArrayIndex.all();
        int k = all.numLabelsArrays();
        org.nd4j.linalg.api.ndarray.INDArray[] labels = new org.nd4j.linalg.api.ndarray.INDArray[k];
        org.nd4j.linalg.api.ndarray.INDArray[] masks = all.getLabelsMaskArrays() == null ? null : new org.nd4j.linalg.api.ndarray.INDArray[k];
        for (int t = 0; t < k; t++) {
            labels[t] = all.getLabels(t).get(rows, columns).dup();
            if (masks != null && all.getLabelsMaskArray(t) != null) {
                masks[t] = all.getLabelsMaskArray(t).get(rows, columns).dup();
            }
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new org.nd4j.linalg.api.ndarray.INDArray[] {all.getFeatures(0).get(rows, columns).dup()},
                labels, null, masks);
    }

    /** A table from a header and CSV records; {@code source} names it in messages (line 1 is the header). */
    static CsvTable table(List<String> header, List<String> records, String source) {
        StringBuilder text = new StringBuilder(CSVFormat.RFC4180.format(header.toArray())).append('\n');
        records.forEach(record -> text.append(record).append('\n'));
        return CsvTable.parse(text.toString(), source);
    }
}
