package io.github.mtldl4j.tabular.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens report.html in headless Chromium with every host unresolvable and a network log: the DOM holds the charts,
 * the screenshot shows them, and the page asked for nothing over the network. Runs only where {@code /usr/bin/chromium}
 * exists (Debian package {@code chromium}); skipped elsewhere, with the reason. The rendered file and the screenshot
 * stay in {@code target/report-chromium/} for a look.
 */
@Tag("chromium")
class HtmlReportChromiumTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final long TIMEOUT_SECONDS = 120;
    /** Chromium's traffic annotation of Blink's resource loader: a subresource the page asked for. */
    private static final String BLINK_RESOURCE_ANNOTATION = "\"traffic_annotation\":101845102";
    /** A request made on behalf of a file:// page (Chromium's own update and account checks carry another key). */
    private static final Pattern PAGE_REQUEST = Pattern.compile(
            "\"network_isolation_key\":\"file://[^\"]*\"(?:,\"[a-z_]+\":\"[^\"]*\")*,\"url\":\"([^\"]*)\"");
    private static final Pattern ANNOTATED_URL = Pattern.compile("\"traffic_annotation\":101845102,\"url\":\"([^\"]*)\"");

    @TempDir
    Path temp;

    @BeforeEach
    void needsChromium() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                () -> "skipped: needs headless Chromium at " + CHROMIUM + " (Debian: apt-get install -y chromium)");
    }

    private record Run(String stdout, String netLog) {
    }

    private Run chromium(Path page, String... action) throws IOException, InterruptedException {
        Path profile = Files.createDirectories(temp.resolve("profile-" + System.nanoTime()));
        Path netLog = temp.resolve("net-" + System.nanoTime() + ".json");
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--user-data-dir=" + profile, "--host-resolver-rules=MAP * ~NOTFOUND",
                "--log-net-log=" + netLog));
        command.addAll(List.of(action));
        command.add(page.toUri().toString());
        Path stdout = temp.resolve("stdout-" + System.nanoTime() + ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(temp.resolve("stderr-" + System.nanoTime() + ".txt").toFile()).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("Chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
        }
        assertEquals(0, process.exitValue(), () -> "Chromium failed: " + command);
        return new Run(Files.readString(stdout, StandardCharsets.UTF_8),
                Files.exists(netLog) ? Files.readString(netLog, StandardCharsets.UTF_8) : "");
    }

    /** URLs the page itself requested over the network, by both signs in Chromium's net log. */
    static List<String> pageRequests(String netLog) {
        List<String> urls = new ArrayList<>();
        for (Pattern pattern : List.of(PAGE_REQUEST, ANNOTATED_URL)) {
            Matcher m = pattern.matcher(netLog);
            while (m.find()) {
                if (!m.group(1).startsWith("file:") && !m.group(1).startsWith("data:")) {
                    urls.add(m.group(1));
                }
            }
        }
        return urls;
    }

    private Path writeReport() throws IOException {
        Path out = Path.of("target", "report-chromium");
        Path report = out.resolve("report.html");
        HtmlReport.write(report, ReportFixtures.full());
        return report.toAbsolutePath();
    }

    @Test
    void chromiumDrawsTheChartsWithoutAnyNetworkRequest() throws Exception {
        Path report = writeReport();
        Run run = chromium(report, "--dump-dom");
        String dom = run.stdout();
        assertEquals(ReportFixtures.TASKS.size(), HtmlReportTest.count(dom, "<svg class=\"chart loss"), "a loss chart per task in the DOM");
        assertEquals(1, HtmlReportTest.count(dom, "<svg class=\"chart weights"), "the task-weight chart in the DOM");
        for (String task : ReportFixtures.TASKS) {
            assertEquals(List.of(ReportFixtures.EPOCHS), HtmlReportTest.polylinePoints(HtmlReportTest.lossChart(dom, task), "train"),
                    "training line of " + task + " parsed by the browser");
        }
        assertTrue(dom.contains("id=\"metrics\"") && dom.contains("id=\"parameters\"") && dom.contains("id=\"gates\""));
        assertFalse(run.netLog().isEmpty(), "Chromium wrote its network log");
        assertEquals(List.of(), pageRequests(run.netLog()), "network requests made by the page");
    }

    @Test
    void theScreenshotShowsEachTaskInItsColour() throws Exception {
        Path report = writeReport();
        Path png = report.resolveSibling("report.png");
        Files.deleteIfExists(png);
        chromium(report, "--window-size=1280,2600", "--screenshot=" + png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image != null && image.getWidth() == 1280, "a 1280 px wide PNG at " + png);
        for (int t = 0; t < ReportFixtures.TASKS.size(); t++) {
            int rgb = Integer.parseInt(HtmlReport.taskColor(t).substring(1), 16);
            int pixels = countNear(image, rgb, 24);
            // Swatches alone are about 600 pixels; two loss lines and a weight line add well over a thousand more.
            assertTrue(pixels > 1500, "task " + t + " (" + HtmlReport.taskColor(t) + ") covers " + pixels + " pixels of " + png);
        }
    }

    /** The detector above does see a page that loads from the network. */
    @Test
    void aPageWithExternalResourcesIsCaught() throws Exception {
        Path page = temp.resolve("external.html");
        Files.writeString(page, "<!DOCTYPE html><html><head><link rel=\"stylesheet\" href=\"https://cdn.example.invalid/d3.css\">"
                + "</head><body><img src=\"http://example.invalid/x.png\"><svg></svg></body></html>");
        List<String> requests = pageRequests(chromium(page, "--dump-dom").netLog());
        assertTrue(requests.contains("http://example.invalid/x.png") && requests.contains("https://cdn.example.invalid/d3.css"),
                "both external loads seen: " + requests);
    }

    private static int countNear(BufferedImage image, int rgb, int tolerance) {
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs((p >> 16 & 0xff) - r) <= tolerance && Math.abs((p >> 8 & 0xff) - g) <= tolerance
                        && Math.abs((p & 0xff) - b) <= tolerance) {
                    count++;
                }
            }
        }
        return count;
    }
}
