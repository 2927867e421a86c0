package io.github.mtldl4j.tabular.data;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The results of the data path as JSON, in the form of {@code data-path/golden.json}: what
 * {@link DataPathEquivalenceTest} compares. Large results (4000 random tables, encoded arrays of 3000 rows) are kept as
 * SHA-256 digests of their exact bits, so equality stays bit for bit while the golden file stays small.
 */
final class DataPathOutcomes {
    static final ObjectMapper JSON = new ObjectMapper();

    private DataPathOutcomes() {
    }

    /** A parsed table's header, and per row its line number and values. */
    interface TableView {
        List<String> header();

        int rowCount();

        long line(int row);

        String value(int row, int column);
    }

    static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    static ObjectNode table(TableView table) {
        ObjectNode node = JSON.createObjectNode();
        table.header().forEach(node.putArray("header")::add);
        ArrayNode rows = node.putArray("rows");
        for (int r = 0; r < table.rowCount(); r++) {
            ArrayNode row = rows.addArray().add(table.line(r));
            for (int c = 0; c < table.header().size(); c++) {
                row.add(table.value(r, c));
            }
        }
        return node;
    }

    /** The digest of consecutive outcomes, each as compact JSON on a line. */
    static String digest(List<JsonNode> outcomes) {
        StringBuilder text = new StringBuilder();
        outcomes.forEach(o -> text.append(o.toString()).append('\n'));
        return sha256(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String digest(int[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * values.length);
        for (int v : values) {
            bytes.putInt(v);
        }
        return sha256(bytes.array());
    }

    /** Shape and digest of the float bits (the data type of encoded arrays), or null. */
    static JsonNode array(INDArray array) {
        if (array == null) {
            return JSON.nullNode();
        }
        ObjectNode node = JSON.createObjectNode();
        for (long d : array.shape()) {
            node.withArray("shape").add(d);
        }
        float[] values = array.data().asFloat();
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToIntBits(values[i]);
        }
        node.put("data_type", array.dataType().name());
        node.put("sha256", digest(bits));
        return node;
    }

    static ObjectNode data(MultiDataSet data) {
        ObjectNode node = JSON.createObjectNode();
        node.set("features", array(data.getFeatures(0)));
        for (int t = 0; t < data.numLabelsArrays(); t++) {
            node.set("labels_" + t, array(data.getLabels(t)));
            node.set("mask_" + t, array(data.getLabelsMaskArray(t)));
        }
        return node;
    }

    static ObjectNode counts(Map<String, Long> counts) {
        ObjectNode node = JSON.createObjectNode();
        counts.forEach(node::put);
        return node;
    }

    static ArrayNode doubles(double[] values) {
        ArrayNode node = JSON.createArrayNode();
        for (double v : values) {
            node.add(v);
        }
        return node;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
