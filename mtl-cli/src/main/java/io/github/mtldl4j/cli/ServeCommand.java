package io.github.mtldl4j.cli;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mtl serve}: answers predictions of one saved model over HTTP ({@link InferenceServer}: the Open Inference
 * Protocol, KServe V2, and {@code POST /predict}) until SIGTERM or Ctrl-C, then lets requests in flight finish. The model
 * is the one named at start; none is ever accepted over HTTP (a model.zip is deserialized by class name: it is as
 * trusted as code). docs/serve.md has the endpoints.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve a saved model's predictions over HTTP "
        + "(Open Inference Protocol / KServe V2, and POST /predict for CSV or JSON rows) until stopped (SIGTERM, Ctrl-C).")
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR/model.zip", description = "A model written by mtl train.")
    Path modelFile;

    @Option(names = "--name", defaultValue = "model", paramLabel = "NAME",
            description = "The model's name in the URLs (/v2/models/NAME/...); default: ${DEFAULT-VALUE}.")
    String name;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on; default ${DEFAULT-VALUE} (this machine only). 0.0.0.0 listens on every interface.")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "Port; default ${DEFAULT-VALUE}; 0 picks a free one.")
    int port;

    @Option(names = "--threads", paramLabel = "N", description = "Requests answered at once; default: the number of CPUs.")
    Integer threads;

    @Option(names = "--max-rows", defaultValue = "10000", paramLabel = "N", description = "Most rows per request; default ${DEFAULT-VALUE}.")
    int maxRows;

    @Option(names = "--max-body-bytes", defaultValue = "16777216", paramLabel = "BYTES",
            description = "Largest request body; default ${DEFAULT-VALUE} (16 MiB).")
    long maxBodyBytes;

    @Option(names = "--grace-seconds", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM, how long requests in flight may take to finish; default ${DEFAULT-VALUE}.")
    int graceSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("--name '" + name + "': expected letters, digits, '.', '_' or '-' (it is part of URLs), e.g. penguins.");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + ": expected 0 to 65535 (0 picks a free port).");
        }
        if (graceSeconds < 0) {
            throw new IllegalArgumentException("--grace-seconds " + graceSeconds + ": expected 0 or more.");
        }
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        InferenceServer.Limits limits = new InferenceServer.Limits(maxRows, maxBodyBytes);
        MultiTaskModel model = ModelFiles.load(modelFile);
        TabularPreprocessor preprocessor = TabularTraining.preprocessorOf(model, modelFile.toString());
        MtlCommand.announceBackend(spec.commandLine().getErr());
        ServedModel served = new ServedModel(name, model, preprocessor);
        served.warmUp();
        InferenceServer server;
        try {
            server = InferenceServer.start(served, host, port, threadCount, limits);
        } catch (BindException e) {
            throw new IllegalArgumentException("--host " + host + " --port " + port + ": cannot listen there (" + e.getMessage()
                    + "); pick another port (0 picks a free one) or stop what uses it.");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Duration grace = Duration.ofSeconds(graceSeconds);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping: refusing new requests, waiting up to {} s for those in flight", graceSeconds);
            boolean drained = server.stop(grace);
            LOG.info(drained ? "stopped" : "stopped with requests still in flight after the grace period");
            stopped.countDown();
        }, "mtl-serve-shutdown"));
        spec.commandLine().getOut().printf(Locale.ROOT, "serving model '%s' (%s) at %s/v2/models/%s with %d threads; stop with Ctrl-C or SIGTERM%n",
                name, modelFile, server.url(), name, threadCount);
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
