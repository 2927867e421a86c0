package io.github.mtldl4j.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.mtldl4j.cli.InferenceRequests.BadRequest;
import io.github.mtldl4j.data.InvalidDataException;
import io.github.mtldl4j.tabular.data.CsvTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.csv.CSVRecord;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.JsonNodeFactory;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@code mtl serve}: the JDK's own {@code com.sun.net.httpserver} (no dependency, and none of the Jetty,
 * Netty or Jersey versions that Spark brings onto the command line's class path), speaking the Open Inference Protocol
 * (KServe V2) plus {@code POST /predict} for CSV or JSON rows. Every request is answered (a refused one with a 4xx and
 * {@code {"error": "..."}} naming the field; an unexpected failure with a 500 whose stack trace goes to the log only) and
 * logged in one line: method, path, status, latency. Requests run on a fixed pool of threads; {@link #stop} refuses new
 * requests with 503, lets those in flight finish (bounded wait), then closes.
 */
public final class InferenceServer {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String PLATFORM = "mtl-dl4j";

    /**
     * Request limits.
     *
     * @param maxRows most rows per request (413 beyond)
     * @param maxBodyBytes largest request body (413 beyond)
     */
    public record Limits(int maxRows, long maxBodyBytes) {
        public Limits {
            if (maxRows < 1 || maxBodyBytes < 1) {
                throw new IllegalArgumentException("--max-rows and --max-body-bytes must be at least 1, received " + maxRows + " and "
                        + maxBodyBytes + ".");
            }
        }
    }

    static {
        // The JDK server writes headers and body apart; with Nagle's algorithm and the client's delayed ACK that costs
        // ~40 ms per keep-alive request. Read once, when the server's configuration class loads.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // Beyond maxIdleConnections (200 by default) the JDK server closes each connection that becomes idle after a
        // response, and a keep-alive client that sends its next request on it gets no reply ("header parser received
        // no bytes"): the ServeLoad cell of 64 clients x 64 rows, after the earlier cells' connections, lost 232 and
        // 239 requests in 2 of 3 runs; none in 2 runs with 1024 (docs/serve.md).
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "1024");
        }
    }

    private final ServedModel model;
    private final Limits limits;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean stopping;

    private InferenceServer(ServedModel model, Limits limits, HttpServer server, ExecutorService executor) {
        this.model = model;
        this.limits = limits;
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code host:port} (port 0: any free port) and starts answering on {@code threads} threads. */
    public static InferenceServer start(ServedModel model, String host, int port, int threads, Limits limits) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("--threads " + threads + ": expected at least 1.");
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        AtomicInteger count = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
            Thread thread = new Thread(r, "mtl-serve-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        InferenceServer server = new InferenceServer(model, limits, http, executor);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests being answered now (tests). */
    int inFlight() {
        return inFlight.get();
    }

    /** The address it listens on, as a URL. */
    public String url() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * Stops: new requests get 503 at once, those in flight may finish within {@code grace}, then the socket closes.
     *
     * @return whether every request in flight finished within the grace period
     */
    public boolean stop(Duration grace) {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean drained = inFlight.get() == 0;
        server.stop(0);
        executor.shutdown();
        try {
            executor.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return drained;
    }

    private void handle(HttpExchange exchange) {
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        int status;
        String problem = null;
        try {
            Response response;
            try {
                if (stopping) {
                    throw new BadRequest(503, "the server is shutting down.");
                }
                response = route(exchange, method, path);
            } catch (BadRequest e) {
                problem = e.getMessage();
                response = Response.error(e.status, problem);
            } catch (InvalidDataException e) {
                // The preprocessing's own checks (e.g. a CSV line with a number where text was expected): bad input.
                problem = e.getMessage();
                response = Response.error(400, problem);
            } catch (RuntimeException | IOException | Error e) {
                if (e instanceof VirtualMachineError && !(e instanceof OutOfMemoryError)) {
                    throw e;
                }
                LOG.error("{} {} failed", method, path, e);
                problem = "internal error: " + e.getClass().getSimpleName();
                response = Response.error(500, "internal error; the server's log has the details.");
            }
            status = response.status();
            send(exchange, response);
        } catch (IOException e) {
            status = -1;
            problem = "could not send the response (" + e.getMessage() + ")";
        } finally {
            exchange.close();
            inFlight.decrementAndGet();
        }
        double ms = (System.nanoTime() - start) / 1e6;
        if (problem == null) {
            LOG.info(String.format(Locale.ROOT, "%s %s %d %.1f ms", method, path, status, ms));
        } else {
            LOG.info(String.format(Locale.ROOT, "%s %s %d %.1f ms: %s", method, path, status, ms, problem));
        }
    }

    /** A response: status, content type and body. */
    record Response(int status, String contentType, byte[] body) {
        static Response json(int status, JsonNode body) {
            return new Response(status, "application/json", (body.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        }

        static Response error(int status, String message) {
            // One line: the message never holds a line break.
            return json(status, NODES.objectNode().put("error", message.replace('\n', ' ').replace('\r', ' ')));
        }
    }

    private Response route(HttpExchange exchange, String method, String path) throws IOException {
        String base = "/v2/models/" + model.name();
        switch (path) {
            case "/v2" -> {
                requireMethod(method, "GET", path);
                ObjectNode root = NODES.objectNode();
                root.put("name", PLATFORM);
                root.put("version", version());
                root.putArray("extensions");
                return Response.json(200, root);
            }
            case "/v2/health/live" -> {
                requireMethod(method, "GET", path);
                return Response.json(200, NODES.objectNode().put("live", true));
            }
            case "/v2/health/ready" -> {
                requireMethod(method, "GET", path);
                return Response.json(200, NODES.objectNode().put("ready", true));
            }
            case "/predict" -> {
                requireMethod(method, "POST", path);
                return predict(exchange);
            }
            default -> {
                if (path.equals(base) || path.equals(base + "/ready") || path.equals(base + "/infer")) {
                    if (path.endsWith("/infer")) {
                        requireMethod(method, "POST", path);
                        return infer(exchange);
                    }
                    requireMethod(method, "GET", path);
                    return path.endsWith("/ready") ? Response.json(200, NODES.objectNode().put("name", model.name()).put("ready", true))
                            : Response.json(200, model.metadata(PLATFORM));
                }
                if (path.startsWith("/v2/models/")) {
                    String rest = path.substring("/v2/models/".length());
                    String name = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
                    if (!name.equals(model.name())) {
                        throw new BadRequest(404, "unknown model '" + name + "'; this server serves the model '" + model.name() + "'.");
                    }
                    throw new BadRequest(404, "no endpoint " + path + "; the model's endpoints are " + base + ", " + base + "/ready and "
                            + base + "/infer (model versions are not supported).");
                }
                throw new BadRequest(404, "no endpoint " + path + "; the endpoints are /v2, /v2/health/live, /v2/health/ready, " + base
                        + ", " + base + "/ready, " + base + "/infer and /predict.");
            }
        }
    }

    private static void requireMethod(String method, String expected, String path) {
        if (!method.equals(expected)) {
            throw new BadRequest(405, "method " + method + " is not allowed on " + path + "; use " + expected + ".");
        }
    }

    private Response infer(HttpExchange exchange) throws IOException {
        JsonNode request = parseJson(body(exchange));
        List<List<String>> columns = InferenceRequests.v2Inputs(request, model, limits.maxRows());
        CsvTable table = table(columns, "request");
        List<CSVRecord> records = ServedModel.records(model.predictCsv(table));
        List<ServedModel.Output> wanted = requestedOutputs(request);
        ObjectNode response = NODES.objectNode();
        response.put("model_name", model.name());
        if (request.hasNonNull("id")) {
            response.set("id", request.get("id"));
        }
        ArrayNode outputs = response.putArray("outputs");
        for (ServedModel.Output output : wanted) {
            ObjectNode tensor = outputs.addObject();
            tensor.put("name", output.name());
            tensor.put("datatype", output.classNames() ? "BYTES" : "FP64");
            ArrayNode shape = tensor.putArray("shape").add(records.size());
            if (!output.classNames() || output.columns().size() > 1) {
                shape.add(output.columns().size());
            }
            ArrayNode data = tensor.putArray("data");
            for (CSVRecord record : records) {
                for (int c : output.columns()) {
                    data.add(model.value(record, c));
                }
            }
        }
        return Response.json(200, response);
    }

    private List<ServedModel.Output> requestedOutputs(JsonNode request) {
        JsonNode asked = request.get("outputs");
        if (asked == null || asked.isNull()) {
            return model.outputs();
        }
        List<String> names = model.outputs().stream().map(ServedModel.Output::name).toList();
        if (!asked.isArray()) {
            throw new BadRequest(400, "\"outputs\": expected an array of {\"name\": ...} among " + names + ", found "
                    + InferenceRequests.kind(asked) + ".");
        }
        List<ServedModel.Output> wanted = new java.util.ArrayList<>();
        for (JsonNode output : asked) {
            String name = output.path("name").asText(null);
            ServedModel.Output match = model.outputs().stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
            if (match == null) {
                throw new BadRequest(400, "\"outputs\": unknown output " + (name == null ? InferenceRequests.kind(output) : "'" + name + "'")
                        + "; the model's outputs are " + names + ".");
            }
            wanted.add(match);
        }
        return wanted;
    }

    private Response predict(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        String mediaType = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        String body = body(exchange);
        boolean json;
        switch (mediaType) {
            case "application/json" -> json = true;
            case "text/csv" -> json = false;
            case "", "application/x-www-form-urlencoded" -> {
                // curl's default for -d/--data-binary: tell by the first character.
                String trimmed = body.stripLeading();
                json = trimmed.startsWith("[") || trimmed.startsWith("{");
            }
            default -> throw new BadRequest(415, "Content-Type '" + type + "' is not supported on /predict; send text/csv or application/json.");
        }
        if (json) {
            List<List<String>> columns = InferenceRequests.jsonRows(parseJson(body), model, limits.maxRows());
            List<CSVRecord> records = ServedModel.records(model.predictCsv(table(columns, "request")));
            ArrayNode rows = NODES.arrayNode();
            List<String> header = model.header();
            for (CSVRecord record : records) {
                ObjectNode row = rows.addObject();
                for (int c = 0; c < header.size(); c++) {
                    row.set(header.get(c), model.value(record, c));
                }
            }
            ObjectNode response = NODES.objectNode();
            response.set("predictions", rows);
            return Response.json(200, response);
        }
        CsvTable table = CsvTable.parse(body, "request body");
        InferenceRequests.checkRows(table.rowCount(), limits.maxRows());
        return new Response(200, "text/csv; charset=utf-8", model.predictCsv(table).getBytes(StandardCharsets.UTF_8));
    }

    private CsvTable table(List<List<String>> columns, String source) throws IOException {
        return ServedModel.table(model.features().stream().map(f -> f.column()).toList(), columns, source);
    }

    private static JsonNode parseJson(String body) {
        if (body.isBlank()) {
            throw new BadRequest(400, "malformed JSON: the body is empty.");
        }
        try {
            JsonNode node = ServedModel.JSON.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new BadRequest(400, "malformed JSON: the body is empty.");
            }
            return node;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            // Jackson quotes the body in "[Source: ...]" parts; the line and column say enough.
            String message = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source: .*; line: (\\d+), column: (\\d+)]\\)",
                    " (opened at line $1, column $2)").replaceAll("\\s*at \\[Source: .*]", "");
            throw new BadRequest(400, "malformed JSON" + where + ": " + message);
        }
    }

    /** The request body as UTF-8 text, at most {@link Limits#maxBodyBytes} bytes. */
    private String body(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > limits.maxBodyBytes()) {
                    throw tooLarge();
                }
            } catch (NumberFormatException e) {
                throw new BadRequest(400, "Content-Length '" + length + "' is not a number.");
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (InputStream in = exchange.getRequestBody()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (bytes.size() + (long) n > limits.maxBodyBytes()) {
                    throw tooLarge();
                }
                bytes.write(buffer, 0, n);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest(400, "the body is not UTF-8 text.");
        }
    }

    private BadRequest tooLarge() {
        return new BadRequest(413, "the body is larger than this server's limit of " + limits.maxBodyBytes()
                + " bytes (--max-body-bytes); send fewer rows per request.");
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        if (response.status() == 405 || response.status() == 413 || response.status() == 503) {
            // The client may not have finished sending: do not keep the connection for a next request.
            exchange.getResponseHeaders().set("Connection", "close");
        }
        exchange.sendResponseHeaders(response.status(), response.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(response.body());
        }
    }

    private static String version() {
        String[] version = MtlCommand.class.getAnnotation(picocli.CommandLine.Command.class).version();
        String text = version.length == 0 ? "" : version[0];
        return text.startsWith(PLATFORM + " ") ? text.substring(PLATFORM.length() + 1) : text;
    }
}
