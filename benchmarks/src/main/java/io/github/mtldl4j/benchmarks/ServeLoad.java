package io.github.mtldl4j.benchmarks;

import io.github.mtldl4j.backend.BackendInfo;
import io.github.mtldl4j.cli.InferenceServer;
import io.github.mtldl4j.cli.MtlCommand;
import io.github.mtldl4j.cli.ServedModel;
import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * A load test of {@code mtl serve} on loopback: the server started in process on the penguins demo model (trained here
 * for 20 epochs, or {@code --model FILE}), then per cell of (1, 8, 64 concurrent clients) x (1-row, 64-row requests) a
 * warm-up and a measured phase of V2 {@code infer} calls through {@code java.net.http.HttpClient}, each client sending
 * its next request when the last is answered. Each phase stops at its time or request bound, whichever comes first,
 * so the whole run is bounded. Prints per cell the requests, requests/s, rows/s, p50 and p99 latency and errors.
 *
 * <p>Usage: {@code java -cp benchmarks/target/benchmarks.jar io.github.mtldl4j.benchmarks.ServeLoad [--model FILE]
 * [--seconds S] [--max-requests N] [--threads T]} (defaults: 5 s, 50,000 requests per cell, the server's default of
 * one thread per CPU).
 */
public final class ServeLoad {
    private static final int[] CLIENTS = {1, 8, 64};
    private static final int[] ROWS = {1, 64};

    private ServeLoad() {
    }

    public static void main(String[] args) throws Exception {
        Path modelFile = null;
        double seconds = 5;
        long maxRequests = 50_000;
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--model" -> modelFile = Path.of(args[i + 1]);
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--max-requests" -> maxRequests = Long.parseLong(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; expected --model FILE, --seconds S, --max-requests N or --threads T");
            }
        }
        Path dir = Files.createTempDirectory("serve-load");
        Path penguins = dir.resolve("penguins.csv");
        try (InputStream in = ServeLoad.class.getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        if (modelFile == null) {
            int code = MtlCommand.execute(new String[] {"train", "--data", penguins.toString(), "--task", "species:multiclass:species",
                    "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g", "--epochs", "20", "--seed", "1",
                    "--out", dir.resolve("run").toString()}, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
            if (code != 0) {
                throw new IllegalStateException("training the penguins model failed (exit " + code + ")");
            }
            modelFile = dir.resolve("run/model.zip");
        }
        MultiTaskModel model = MultiTaskModel.load(modelFile);
        ServedModel served = new ServedModel("penguins", model, TabularTraining.preprocessorOf(model, modelFile.toString()));
        served.warmUp();
        List<CSVRecord> rows = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new StringReader(Files.readString(penguins))).getRecords();
        InferenceServer server = InferenceServer.start(served, "127.0.0.1", 0, threads, new InferenceServer.Limits(10_000, 16 << 20));
        System.out.println(BackendInfo.describe());
        System.out.printf(Locale.ROOT, "server: %s, %d threads; %s; %d CPUs; %.0f s or %d requests per cell after a warm-up of a fifth of that%n",
                server.url(), threads, Runtime.version(), Runtime.getRuntime().availableProcessors(), seconds, maxRequests);
        System.out.println("| clients | rows/request | requests | requests/s | rows/s | p50 ms | p99 ms | errors |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        try {
            for (int rowsPerRequest : ROWS) {
                for (int clients : CLIENTS) {
                    String body = request(rows, rowsPerRequest);
                    URI uri = URI.create(server.url() + "/v2/models/penguins/infer");
                    phase(uri, body, clients, seconds / 5, maxRequests / 5);
                    Result result = phase(uri, body, clients, seconds, maxRequests);
                    System.out.printf(Locale.ROOT, "| %d | %d | %d | %.0f | %.0f | %.2f | %.2f | %d |%n", clients, rowsPerRequest,
                            result.latencies.length, result.perSecond(), result.perSecond() * rowsPerRequest, result.percentile(50),
                            result.percentile(99), result.errors);
                }
            }
        } finally {
            server.stop(Duration.ofSeconds(5));
        }
    }

    private record Result(long[] latencies, double seconds, long errors) {
        double perSecond() {
            return latencies.length / seconds;
        }

        double percentile(double p) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p / 100 * latencies.length) - 1;
            return latencies[Math.max(0, index)] / 1e6;
        }
    }

    /** {@code clients} threads sending {@code body} until {@code seconds} have passed or {@code maxRequests} were sent. */
    private static Result phase(URI uri, String body, int clients, double seconds, long maxRequests) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong sent = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                long[] latencies = new long[1024];
                int n = 0;
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                while (System.nanoTime() < deadline && sent.incrementAndGet() <= maxRequests) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                    } catch (java.io.IOException e) {
                        if (errors.incrementAndGet() == 1) {
                            System.err.println("first client error: " + e);
                        }
                    }
                    if (n == latencies.length) {
                        latencies = Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = System.nanoTime() - t0;
                }
                return Arrays.copyOf(latencies, n);
            }));
        }
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> future : futures) {
            all.add(future.get());
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        long[] latencies = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(latencies, elapsed, errors.get());
    }

    /** A V2 infer request for the first {@code count} penguins (cycling): one tensor per feature column, NA as null. */
    private static String request(List<CSVRecord> rows, int count) {
        StringBuilder json = new StringBuilder("{\"inputs\": [");
        List<String> columns = List.of("island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm");
        for (int c = 0; c < columns.size(); c++) {
            String column = columns.get(c);
            boolean text = column.equals("island");
            json.append(c == 0 ? "" : ", ").append("{\"name\": \"").append(column).append("\", \"shape\": [").append(count)
                    .append("], \"datatype\": \"").append(text ? "BYTES" : "FP32").append("\", \"data\": [");
            for (int r = 0; r < count; r++) {
                String value = rows.get(r % rows.size()).get(column);
                json.append(r == 0 ? "" : ", ").append(value.isEmpty() || value.equals("NA") ? "null" : text ? "\"" + value + "\"" : value);
            }
            json.append("]}");
        }
        return json.append("]}").toString();
    }
}
