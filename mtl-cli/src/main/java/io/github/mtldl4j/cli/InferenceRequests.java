package io.github.mtldl4j.cli;

import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Reads request bodies into per-column values for {@link ServedModel#table}, refusing with a {@link BadRequest} that
 * names the input, row and what was expected. Values: a number's text, a string, or null for a missing value.
 */
final class InferenceRequests {
    /** Numeric datatypes of the protocol accepted for a numeric column (values are read at double precision). */
    private static final Set<String> NUMERIC = Set.of("FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16",
            "UINT32", "UINT64");

    private InferenceRequests() {
    }

    /** A request the server refuses: HTTP status and the one-line message sent as {@code {"error": ...}}. */
    static final class BadRequest extends RuntimeException {
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * The {@code inputs} of a V2 inference request: one tensor per feature column, named after it, shape {@code [N]} or
     * {@code [N, 1]}, data flat or nested.
     */
    static List<List<String>> v2Inputs(JsonNode request, ServedModel model, int maxRows) {
        if (!request.isObject()) {
            throw new BadRequest(400, "expected a JSON object with \"inputs\", found " + kind(request) + ".");
        }
        JsonNode inputs = request.get("inputs");
        if (inputs == null || !inputs.isArray()) {
            throw new BadRequest(400, "\"inputs\": expected an array of tensors, one per feature column "
                    + featureNames(model) + ", found " + (inputs == null ? "none" : kind(inputs)) + ".");
        }
        Map<String, TabularPreprocessor.Feature> features = model.featuresByName();
        Map<String, List<String>> byName = new LinkedHashMap<>();
        int rows = -1;
        String firstInput = null;
        for (int i = 0; i < inputs.size(); i++) {
            JsonNode input = inputs.get(i);
            if (!input.isObject() || !input.path("name").isTextual()) {
                throw new BadRequest(400, "inputs[" + i + "]: expected a tensor object with a \"name\", found " + kind(input) + ".");
            }
            String name = input.get("name").asText();
            TabularPreprocessor.Feature feature = features.get(name);
            if (feature == null) {
                throw new BadRequest(400, "input '" + name + "' is not a feature column of model '" + model.name() + "'; its inputs are "
                        + featureNames(model) + ".");
            }
            if (byName.containsKey(name)) {
                throw new BadRequest(400, "input '" + name + "' is given twice.");
            }
            JsonNode datatype = input.get("datatype");
            if (datatype != null) {
                String type = datatype.asText();
                boolean fits = feature.numeric() ? NUMERIC.contains(type) : "BYTES".equals(type);
                if (!fits) {
                    throw new BadRequest(400, "input '" + name + "': datatype " + datatype + ", expected " + (feature.numeric()
                            ? "FP32 (a numeric column; other numeric datatypes are accepted too)" : "BYTES (a categorical column)") + ".");
                }
            }
            JsonNode data = input.get("data");
            if (data == null || !data.isArray()) {
                throw new BadRequest(400, "input '" + name + "': \"data\": expected an array of values, found "
                        + (data == null ? "none" : kind(data)) + ".");
            }
            List<JsonNode> flat = new ArrayList<>();
            flatten(data, flat);
            checkShape(input.get("shape"), name, flat.size());
            if (rows >= 0 && flat.size() != rows) {
                throw new BadRequest(400, "input '" + name + "' has " + flat.size() + " values, input '" + firstInput + "' has " + rows
                        + "; every input needs one value per row.");
            }
            checkRows(flat.size(), maxRows);
            rows = flat.size();
            firstInput = firstInput == null ? name : firstInput;
            List<String> values = new ArrayList<>(flat.size());
            for (int r = 0; r < flat.size(); r++) {
                values.add(value(flat.get(r), feature, "input '" + name + "', row " + r));
            }
            byName.put(name, values);
        }
        return inFeatureOrder(byName, model, "input");
    }

    /** {@code POST /predict} JSON: an array of row objects keyed by column (or one object), extra keys ignored. */
    static List<List<String>> jsonRows(JsonNode body, ServedModel model, int maxRows) {
        List<JsonNode> rows = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(rows::add);
        } else if (body.isObject()) {
            rows.add(body);
        } else {
            throw new BadRequest(400, "expected a JSON array of row objects (column: value), found " + kind(body) + ".");
        }
        checkRows(rows.size(), maxRows);
        List<TabularPreprocessor.Feature> features = model.features();
        List<List<String>> columns = new ArrayList<>();
        features.forEach(f -> columns.add(new ArrayList<>(rows.size())));
        for (int r = 0; r < rows.size(); r++) {
            JsonNode row = rows.get(r);
            if (!row.isObject()) {
                throw new BadRequest(400, "row " + r + ": expected an object of column: value, found " + kind(row) + ".");
            }
            for (int c = 0; c < features.size(); c++) {
                TabularPreprocessor.Feature feature = features.get(c);
                JsonNode value = row.get(feature.column());
                if (value == null) {
                    throw new BadRequest(400, "row " + r + ": missing column '" + feature.column() + "' (" + ServedModel.expected(feature)
                            + "; send null for a missing value); the model's feature columns are " + featureNames(model) + ".");
                }
                columns.get(c).add(value(value, feature, "row " + r + ", column '" + feature.column() + "'"));
            }
        }
        return columns;
    }

    /** Refuses an empty request or one with more rows than the limit. */
    static void checkRows(int rows, int maxRows) {
        if (rows == 0) {
            throw new BadRequest(400, "no rows; send at least one.");
        }
        if (rows > maxRows) {
            throw new BadRequest(413, rows + " rows is more than this server's limit of " + maxRows
                    + " per request (--max-rows); split the rows into several requests.");
        }
    }

    private static List<List<String>> inFeatureOrder(Map<String, List<String>> byName, ServedModel model, String what) {
        List<List<String>> columns = new ArrayList<>();
        for (TabularPreprocessor.Feature feature : model.features()) {
            List<String> values = byName.get(feature.column());
            if (values == null) {
                throw new BadRequest(400, "missing " + what + " '" + feature.column() + "' (" + (feature.numeric() ? "FP32, a numeric column"
                        : "BYTES, a categorical column") + "); the model's inputs are " + featureNames(model) + ".");
            }
            columns.add(values);
        }
        return columns;
    }

    private static void checkShape(JsonNode shape, String name, int values) {
        if (shape == null) {
            return;
        }
        boolean ok = shape.isArray() && (shape.size() == 1 || shape.size() == 2 && shape.get(1).asLong(-1) == 1)
                && shape.get(0).canConvertToLong() && shape.get(0).asLong() == values;
        if (!ok) {
            throw new BadRequest(400, "input '" + name + "': shape " + shape + " does not fit its " + values + " values; expected ["
                    + values + "] or [" + values + ", 1] (one value per row).");
        }
    }

    private static void flatten(JsonNode data, List<JsonNode> into) {
        for (JsonNode element : data) {
            if (element.isArray()) {
                flatten(element, into);
            } else {
                into.add(element);
            }
        }
    }

    /** A JSON value as the text of a CSV field, or null for a missing value. */
    private static String value(JsonNode value, TabularPreprocessor.Feature feature, String where) {
        if (value.isNull()) {
            return null;
        }
        if (feature.numeric()) {
            if (!value.isNumber()) {
                throw new BadRequest(400, where + ": expected " + ServedModel.expected(feature) + ", found " + kind(value) + ".");
            }
            if (Math.abs(value.doubleValue()) > TabularPreprocessor.MAX_MAGNITUDE) {
                throw new BadRequest(400, where + ": " + value + " is beyond the supported magnitude 1e15.");
            }
            return value.asText();
        }
        if (!value.isTextual()) {
            throw new BadRequest(400, where + ": expected " + ServedModel.expected(feature) + ", found " + kind(value) + ".");
        }
        return value.asText();
    }

    private static List<String> featureNames(ServedModel model) {
        return model.features().stream().map(TabularPreprocessor.Feature::column).toList();
    }

    /** What a JSON value is, for messages: {@code string "abc"}, {@code number 3}, {@code an array}, ... */
    static String kind(JsonNode node) {
        String text = node.toString();
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return switch (node.getNodeType()) {
            case STRING -> "string " + shown;
            case NUMBER -> "number " + shown;
            case BOOLEAN -> "boolean " + shown;
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
