package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./mtl serve} in a child process (as {@link LauncherIT} runs the launcher): it prints one line with its
 * address, answers health and /predict, refuses a bad request with a 400, logs each request in one line, and on SIGTERM
 * stops cleanly (no stack trace anywhere).
 */
class ServeLauncherIT {
    private static final Pattern ALARMING = Pattern.compile("^\\s+at [\\w$.]+\\(|Exception|Error:|\\|-(INFO|WARN|ERROR) in ");
    private static final Pattern ADDRESS = Pattern.compile("at (http://\\S+)/v2/models/penguins ");

    @TempDir
    Path dir;

    private Process mtl(Path out, Path err, String... args) throws Exception {
        Path launcher = Path.of(System.getProperty("mtl.launcher", "../mtl")).toAbsolutePath().normalize();
        ProcessBuilder builder = new ProcessBuilder(launcher.toString()).directory(dir.toFile());
        builder.command().addAll(List.of(args));
        builder.environment().put("MTL_NO_BUILD", "1");
        builder.environment().remove("MTL_DEBUG");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return builder.start();
    }

    @Test
    void serveAnswersThenStopsOnSigterm() throws Exception {
        Path penguins = dir.resolve("penguins.csv");
        try (InputStream in = getClass().getResourceAsStream("/data/penguins.csv")) {
            Files.copy(in, penguins);
        }
        Process train = mtl(dir.resolve("train.out"), dir.resolve("train.err"), "train", "--data", penguins.toString(), "--task",
                "species:multiclass:species", "--task", "mass:regression:body_mass_g", "--epochs", "1", "--out", "run");
        assertTrue(train.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, train.exitValue(), Files.readString(dir.resolve("train.err")));

        Path out = dir.resolve("serve.out");
        Path err = dir.resolve("serve.err");
        Process serve = mtl(out, err, "serve", "--model", "run/model.zip", "--name", "penguins", "--port", "0", "--threads", "2");
        try {
            String url = null;
            for (int i = 0; i < 1200 && url == null && serve.isAlive(); i++) {
                Matcher address = ADDRESS.matcher(Files.readString(out));
                url = address.find() ? address.group(1) : null;
                Thread.sleep(100);
            }
            assertTrue(url != null, "no address printed; stdout: " + Files.readString(out) + "\nstderr: " + Files.readString(err));
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(url + "/v2/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode());
            String rows = String.join("\n", Files.readAllLines(penguins).subList(0, 4)) + "\n";
            HttpResponse<String> predicted = client.send(HttpRequest.newBuilder(URI.create(url + "/predict")).header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofString(rows)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, predicted.statusCode(), predicted.body());
            assertEquals(4, predicted.body().lines().count(), predicted.body());
            assertTrue(predicted.body().startsWith("species,species_p_Adelie,species_p_Chinstrap,species_p_Gentoo,mass\r\n"), predicted.body());   // RFC 4180 line ends, as predictions.csv
            HttpResponse<String> bad = client.send(HttpRequest.newBuilder(URI.create(url + "/v2/models/penguins/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": ")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().startsWith("{\"error\":\"malformed JSON"), bad.body());
        } finally {
            serve.destroy();   // SIGTERM
            assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
        }
        assertEquals(143, serve.exitValue(), "128 + SIGTERM");
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(1, stdout.lines().count(), stdout);
        for (String line : (stdout + stderr).lines().toList()) {
            assertFalse(ALARMING.matcher(line).find(), "stack trace or logging status line: " + line + "\n" + stderr);
        }
        assertTrue(stderr.contains("InferenceServer - GET /v2/health/ready 200 "), stderr);
        assertTrue(stderr.contains("InferenceServer - POST /predict 200 "), stderr);
        assertTrue(stderr.contains("InferenceServer - POST /v2/models/penguins/infer 400 "), stderr);
        assertTrue(stderr.lines().anyMatch(l -> l.endsWith("ServeCommand - stopped")), stderr);
    }
}
