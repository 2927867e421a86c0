package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@code mtl serve}'s server in process on a free port, with a penguins model trained for one epoch: the V2 health,
 * metadata and infer calls and {@code POST /predict} (CSV and JSON) answer what {@code mtl predict} writes for the same
 * rows in the same batch (equal), and every bad request gets its 4xx with a one-line message naming the field.
 */
class ServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The penguins' feature columns once the three label columns are taken out (the numeric ones FP32, island BYTES). */
    private static final List<String> FEATURES = List.of("island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm");
    private static final int MAX_ROWS = 50;
    private static final int MAX_BODY = 16_384;

    @TempDir
    static Path dir;

    private static InferenceServer server;
    private static HttpClient client;
    /** The request rows: penguins of the three species, one without measurements, one from an island never seen in training. */
    private static String rowsCsv;
    private static List<CSVRecord> rows;
    /** {@code mtl predict}'s output for {@link #rowsCsv}. */
    private static String predicted;
    private static List<CSVRecord> predictedRows;

    @BeforeAll
    static void trainPredictAndStart() throws Exception {
        Path penguins = dir.resolve("penguins.csv");
        try (InputStream in = ServeTest.class.getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        List<String> lines = Files.readAllLines(penguins);
        List<String> picked = new ArrayList<>(List.of(lines.get(0)));
        for (int i = 1; i < lines.size(); i += 29) {
            picked.add(lines.get(i));
        }
        picked.add(lines.get(4));   // every measurement missing
        picked.add(lines.get(2).replace("\"Torgersen\"", "\"Atlantis\""));
        rowsCsv = String.join("\n", picked) + "\n";
        Path rowsFile = dir.resolve("rows.csv");
        Files.writeString(rowsFile, rowsCsv);
        rows = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(rowsCsv)).getRecords();

        Path out = dir.resolve("run");
        CliRun trained = CliRun.of("train", "--data", penguins.toString(), "--task", "species:multiclass:species", "--task", "sex:binary:sex",
                "--task", "mass:regression:body_mass_g", "--epochs", "1", "--seed", "5", "--out", out.toString());
        assertEquals(0, trained.code(), trained.err());
        Path model = out.resolve("model.zip");
        Path predictions = dir.resolve("predictions.csv");
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--data", rowsFile.toString(), "--out", predictions.toString());
        assertEquals(0, predict.code(), predict.err());
        predicted = Files.readString(predictions);
        predictedRows = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(predicted)).getRecords();
        assertEquals(rows.size(), predictedRows.size());

        MultiTaskModel loaded = MultiTaskModel.load(model);
        ServedModel served = new ServedModel("penguins", loaded, TabularTraining.preprocessorOf(loaded, model.toString()));
        server = InferenceServer.start(served, "127.0.0.1", 0, 2, new InferenceServer.Limits(MAX_ROWS, MAX_BODY));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop(Duration.ofSeconds(5));
        }
    }

    record Reply(int status, String contentType, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private static Reply send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(30));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    private static Reply get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    private static Reply post(String path, String contentType, String body) throws Exception {
        return send("POST", path, contentType, body);
    }

    /** A V2 infer request for {@code records}: one tensor per feature column, numbers as the CSV wrote them, NA as null. */
    private static String inferRequest(List<CSVRecord> records, List<String> columns) {
        StringBuilder json = new StringBuilder("{\"id\": \"r1\", \"inputs\": [");
        for (int c = 0; c < columns.size(); c++) {
            String column = columns.get(c);
            boolean text = List.of("island", "species", "sex").contains(column);
            json.append(c == 0 ? "" : ", ").append("{\"name\": \"").append(column).append("\", \"shape\": [").append(records.size())
                    .append("], \"datatype\": \"").append(text ? "BYTES" : "FP32").append("\", \"data\": [");
            for (int r = 0; r < records.size(); r++) {
                json.append(r == 0 ? "" : ", ").append(literal(records.get(r).get(column), text));
            }
            json.append("]}");
        }
        return json.append("]}").toString();
    }

    private static String literal(String value, boolean text) {
        if (value.isEmpty() || value.equals("NA")) {
            return "null";
        }
        return text ? "\"" + value + "\"" : value;
    }

    /** The rows as a JSON array of objects (label columns included: /predict ignores extra keys, as predict ignores extra columns). */
    private static String jsonRows(List<CSVRecord> records) {
        StringBuilder json = new StringBuilder("[");
        for (int r = 0; r < records.size(); r++) {
            json.append(r == 0 ? "" : ",\n").append("{");
            int c = 0;
            for (var entry : records.get(r).toMap().entrySet()) {
                boolean text = List.of("island", "species", "sex").contains(entry.getKey());
                json.append(c++ == 0 ? "" : ", ").append('"').append(entry.getKey()).append("\": ").append(literal(entry.getValue(), text));
            }
            json.append("}");
        }
        return json.append("]").toString();
    }

    private static double number(CSVRecord record, String column) {
        return Double.parseDouble(record.get(column));
    }

    @Test
    void healthAndServerMetadata() throws Exception {
        Reply server = get("/v2");
        assertEquals(200, server.status());
        assertEquals("mtl-dl4j", server.json().path("name").asText());
        assertEquals("{\"live\":true}", get("/v2/health/live").body().trim());
        assertEquals("{\"ready\":true}", get("/v2/health/ready").body().trim());
        assertEquals("{\"name\":\"penguins\",\"ready\":true}", get("/v2/models/penguins/ready").body().trim());
    }

    @Test
    void modelMetadataNamesEveryFeatureColumnAndTask() throws Exception {
        Reply reply = get("/v2/models/penguins");
        assertEquals(200, reply.status(), reply.body());
        JsonNode metadata = reply.json();
        assertEquals("penguins", metadata.path("name").asText());
        List<String> inputs = new ArrayList<>();
        metadata.path("inputs").forEach(i -> inputs.add(i.path("name").asText() + ":" + i.path("datatype").asText() + ":" + i.path("shape")));
        assertEquals(List.of("island:BYTES:[-1]", "bill_length_mm:FP32:[-1]", "bill_depth_mm:FP32:[-1]", "flipper_length_mm:FP32:[-1]"), inputs);
        List<String> outputs = new ArrayList<>();
        metadata.path("outputs").forEach(o -> outputs.add(o.path("name").asText() + ":" + o.path("datatype").asText() + ":" + o.path("shape")
                + (o.has("labels") ? ":" + o.path("labels") : "")));
        assertEquals(List.of("species:FP64:[-1,3]:[\"Adelie\",\"Chinstrap\",\"Gentoo\"]", "species_class:BYTES:[-1]",
                "sex:FP64:[-1,2]:[\"female\",\"male\"]", "sex_class:BYTES:[-1]", "mass:FP64:[-1,1]:[\"body_mass_g\"]"), outputs);
    }

    @Test
    void inferEqualsPredict() throws Exception {
        Reply reply = post("/v2/models/penguins/infer", "application/json", inferRequest(rows, FEATURES));
        assertEquals(200, reply.status(), reply.body());
        JsonNode response = reply.json();
        assertEquals("penguins", response.path("model_name").asText());
        assertEquals("r1", response.path("id").asText());
        int n = rows.size();
        JsonNode species = output(response, "species");
        assertEquals("[" + n + ",3]", species.path("shape").toString());
        JsonNode speciesClass = output(response, "species_class");
        JsonNode sex = output(response, "sex");
        JsonNode mass = output(response, "mass");
        assertEquals("[" + n + ",1]", mass.path("shape").toString());
        List<String> classes = List.of("Adelie", "Chinstrap", "Gentoo");
        for (int r = 0; r < n; r++) {
            CSVRecord expected = predictedRows.get(r);
            for (int c = 0; c < 3; c++) {
                assertEquals(number(expected, "species_p_" + classes.get(c)), species.path("data").get(r * 3 + c).doubleValue(), 0.0);
            }
            assertEquals(expected.get("species"), speciesClass.path("data").get(r).asText());
            assertEquals(expected.get("sex"), output(response, "sex_class").path("data").get(r).asText());
            assertEquals(number(expected, "sex_p_female"), sex.path("data").get(r * 2).doubleValue(), 0.0);
            assertEquals(number(expected, "sex_p_male"), sex.path("data").get(r * 2 + 1).doubleValue(), 0.0);
            assertEquals(number(expected, "mass"), mass.path("data").get(r).doubleValue(), 0.0);
        }

        // Asked for one output only, with [N, 1] tensors and nested data: the same numbers.
        String nested = inferRequest(rows, FEATURES).replace("\"inputs\"", "\"outputs\": [{\"name\": \"mass\"}], \"inputs\"")
                .replace("\"shape\": [" + n + "]", "\"shape\": [" + n + ", 1]");
        Reply one = post("/v2/models/penguins/infer", "application/json", nested);
        assertEquals(200, one.status(), one.body());
        assertEquals(1, one.json().path("outputs").size());
        assertEquals(mass.path("data"), output(one.json(), "mass").path("data"));
    }

    private static JsonNode output(JsonNode response, String name) {
        for (JsonNode output : response.path("outputs")) {
            if (output.path("name").asText().equals(name)) {
                return output;
            }
        }
        throw new AssertionError("no output '" + name + "' in " + response);
    }

    @Test
    void predictCsvAnswersPredictsFile() throws Exception {
        Reply reply = post("/predict", "text/csv", rowsCsv);
        assertEquals(200, reply.status(), reply.body());
        assertTrue(reply.contentType().startsWith("text/csv"), reply.contentType());
        assertEquals(predicted, reply.body());
        // curl's --data-binary default content type: told apart by the first character.
        assertEquals(predicted, post("/predict", "application/x-www-form-urlencoded", rowsCsv).body());
    }

    @Test
    void predictJsonRowsEqualPredict() throws Exception {
        Reply reply = post("/predict", "application/json", jsonRows(rows));
        assertEquals(200, reply.status(), reply.body());
        JsonNode predictions = reply.json().path("predictions");
        assertEquals(rows.size(), predictions.size());
        List<String> header = List.of(predicted.lines().findFirst().orElseThrow().split(","));
        for (int r = 0; r < rows.size(); r++) {
            JsonNode row = predictions.get(r);
            assertEquals(header, ServedModel.fieldNames(row), "the columns of mtl predict, in order");
            for (String column : header) {
                JsonNode value = row.get(column);
                if (value.isTextual()) {
                    assertEquals(predictedRows.get(r).get(column), value.asText(), column);
                } else {
                    assertEquals(number(predictedRows.get(r), column), value.doubleValue(), 0.0, column);
                }
            }
        }
    }

    @Test
    void concurrentRequestsGetTheSameAnswers() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(6);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 18; i++) {
                replies.add(clients.submit(() -> post("/predict", "text/csv", rowsCsv)));
            }
            for (Future<Reply> reply : replies) {
                assertEquals(predicted, reply.get().body());
            }
        } finally {
            clients.shutdownNow();
        }
    }

    /** A refused request: its status, a one-line {"error": ...} containing {@code message}, no stack trace. */
    private static void refused(Reply reply, int status, String message) throws IOException {
        assertEquals(status, reply.status(), reply.body());
        assertTrue(reply.contentType().startsWith("application/json"), reply.contentType());
        assertEquals(1, reply.body().trim().lines().count(), reply.body());
        JsonNode error = reply.json();
        assertEquals(List.of("error"), ServedModel.fieldNames(error), reply.body());
        assertTrue(error.path("error").asText().contains(message), "expected '" + message + "' in " + reply.body());
        assertFalse(reply.body().contains("Exception") || reply.body().contains("\tat "), reply.body());
    }

    @Test
    void badRequestsGetAClearFourHundred() throws Exception {
        String infer = "/v2/models/penguins/infer";
        List<CSVRecord> two = rows.subList(0, 2);
        refused(post(infer, "application/json", inferRequest(two, FEATURES.subList(1, 4))), 400,
                "missing input 'island' (BYTES, a categorical column); the model's inputs are [island, bill_length_mm, bill_depth_mm, flipper_length_mm]");
        refused(post(infer, "application/json", inferRequest(two, FEATURES).replace("39.1", "\"39.1\"")), 400,
                "input 'bill_length_mm', row 0: expected a number or null (FP32, a numeric column), found string \"39.1\"");
        refused(post(infer, "application/json", inferRequest(two, FEATURES).replace("\"Torgersen\"", "7")), 400,
                "input 'island', row 0: expected a string or null (BYTES, a categorical column), found number 7");
        refused(post(infer, "application/json", inferRequest(two, FEATURES).replace("\"datatype\": \"BYTES\"", "\"datatype\": \"FP32\"")),
                400, "input 'island': datatype \"FP32\", expected BYTES");
        refused(post(infer, "application/json", inferRequest(two, FEATURES).replace("\"shape\": [2]", "\"shape\": [3]")), 400,
                "input 'island': shape [3] does not fit its 2 values");
        refused(post(infer, "application/json", inferRequest(two, List.of("island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "sex"))),
                400, "input 'sex' is not a feature column of model 'penguins'");
        refused(post(infer, "application/json", inferRequest(two, FEATURES).replace("\"inputs\"", "\"outputs\": [{\"name\": \"weight\"}], \"inputs\"")),
                400, "unknown output 'weight'; the model's outputs are [species, species_class, sex, sex_class, mass]");
        refused(post(infer, "application/json", "{\"inputs\": [{\"name\": \"island\", \"data\": [\"Dream\"]"), 400, "malformed JSON at line 1");
        refused(post(infer, "application/json", ""), 400, "malformed JSON: the body is empty");
        refused(post(infer, "application/json", "[1, 2]"), 400, "expected a JSON object with \"inputs\", found an array");
        List<CSVRecord> many = new ArrayList<>();
        while (many.size() <= MAX_ROWS) {
            many.addAll(rows);
        }
        refused(post(infer, "application/json", inferRequest(many.subList(0, MAX_ROWS + 1), FEATURES)), 413,
                (MAX_ROWS + 1) + " rows is more than this server's limit of " + MAX_ROWS + " per request (--max-rows)");
        String big = inferRequest(many, FEATURES) + " ".repeat(MAX_BODY);
        refused(post(infer, "application/json", big), 413, "the body is larger than this server's limit of " + MAX_BODY + " bytes (--max-body-bytes)");

        refused(post("/predict", "application/json", "[{\"island\": \"Dream\", \"bill_length_mm\": 40}]"), 400,
                "row 0: missing column 'bill_depth_mm'");
        refused(post("/predict", "application/json", "[{\"island\": \"Dream\", \"bill_length_mm\": true, \"bill_depth_mm\": 1, \"flipper_length_mm\": 1}]"),
                400, "row 0, column 'bill_length_mm': expected a number or null (FP32, a numeric column), found boolean true");
        refused(post("/predict", "application/json", "[]"), 400, "no rows");
        refused(post("/predict", "text/csv", rowsCsv.replace("39.1", "long")), 400,
                "request body: line 2, column 'bill_length_mm': expected a finite number");
        refused(post("/predict", "text/csv", "island,bill_length_mm\nDream,40\n"), 400, "no column 'bill_depth_mm'");
        refused(post("/predict", "application/xml", "<rows/>"), 415, "Content-Type 'application/xml' is not supported");

        refused(post("/v2/models/other/infer", "application/json", inferRequest(two, FEATURES)), 404,
                "unknown model 'other'; this server serves the model 'penguins'");
        refused(get("/v2/models/other"), 404, "unknown model 'other'");
        refused(get(infer), 405, "method GET is not allowed on " + infer + "; use POST");
        refused(post("/v2/health/live", "application/json", "{}"), 405, "method POST is not allowed on /v2/health/live; use GET");
        refused(get("/v1/models"), 404, "no endpoint /v1/models");

        // The server lives on.
        assertEquals(200, get("/v2/health/live").status());
    }

    @Test
    void stopRefusesNewConnections() throws Exception {
        MultiTaskModel model = MultiTaskModel.load(dir.resolve("run/model.zip"));
        ServedModel served = new ServedModel("m", model, TabularTraining.preprocessorOf(model, "model.zip"));
        InferenceServer other = InferenceServer.start(served, "127.0.0.1", 0, 1, new InferenceServer.Limits(10, 1000));
        URI live = URI.create(other.url() + "/v2/health/live");
        assertEquals(200, client.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(other.stop(Duration.ofSeconds(2)), "nothing was in flight");
        HttpClient fresh = HttpClient.newHttpClient();
        assertThrows(IOException.class, () -> fresh.send(HttpRequest.newBuilder(live).build(), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void stopLetsARequestInFlightFinishAndRefusesNewOnes() throws Exception {
        MultiTaskModel model = MultiTaskModel.load(dir.resolve("run/model.zip"));
        ServedModel served = new ServedModel("m", model, TabularTraining.preprocessorOf(model, "model.zip"));
        InferenceServer other = InferenceServer.start(served, "127.0.0.1", 0, 2, new InferenceServer.Limits(MAX_ROWS, MAX_BODY));
        byte[] body = rowsCsv.getBytes(StandardCharsets.UTF_8);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            // Headers and the first 10 bytes of the body: the request is in flight, its handler waiting for the rest.
            java.net.Socket socket = new java.net.Socket("127.0.0.1", other.port());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /predict HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 10);
            out.flush();
            for (int i = 0; i < 3000 && other.inFlight() == 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(1, other.inFlight(), "the slow request reached the server");
            Future<Boolean> stopped = threads.submit(() -> other.stop(Duration.ofSeconds(60)));
            boolean refusedOne = false;
            for (int i = 0; i < 3000 && !stopped.isDone() && !refusedOne; i++) {
                HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(other.url() + "/v2/health/live"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                refusedOne = refused.statusCode() == 503;
                assertTrue(!refusedOne || refused.body().contains("shutting down"), refused.body());
                Thread.sleep(10);
            }
            assertTrue(refusedOne, "a new request while stopping gets 503");
            assertFalse(stopped.isDone(), "stop waits for the request in flight");
            out.write(body, 10, body.length - 10);
            out.flush();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            socket.close();
            assertTrue(reply.startsWith("HTTP/1.1 200 "), reply);
            assertTrue(reply.endsWith("\r\n\r\n" + predicted), "the request in flight is answered in full: " + reply);
            assertTrue(stopped.get(), "stopped with nothing left in flight");
        } finally {
            threads.shutdownNow();
        }
    }
}
