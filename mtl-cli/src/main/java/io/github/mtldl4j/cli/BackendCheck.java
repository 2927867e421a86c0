package io.github.mtldl4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Starts ND4J before a command runs, so that a backend that cannot load (a CUDA build on a machine without an
 * NVIDIA driver, a CPU build whose native library does not load) ends the run with one line saying which backend was
 * built, what is missing and how to rebuild, instead of ND4J's stack traces.
 *
 * <p>What ND4J 1.0.0-M2.1 does then (seen with {@code -Pcuda} on a machine without a driver): {@code
 * JCublasBackend.isAvailable} prints the root cause's stack trace straight to {@code System.err} (an
 * {@code UnsatisfiedLinkError: .../libjnicudart.so: libcuda.so.1: cannot open shared object file}), the logger
 * {@code org.nd4j.linalg.factory.Nd4jBackend} warns {@code Skipped [JCublasBackend] backend (unavailable): ...}, and
 * the static initializer of {@code Nd4j} fails: {@code ExceptionInInitializerError} caused by a {@code
 * RuntimeException} caused by {@code NoAvailableBackendException} ("Please ensure that you have an nd4j backend on
 * your classpath"); every later use of {@code Nd4j} throws {@code NoClassDefFoundError: Could not initialize class
 * org.nd4j.linalg.factory.Nd4j}. The missing library is named only in the printed text, not in the exception chain,
 * so {@code System.err} is captured while ND4J starts: dropped when it fails, passed on unchanged when it starts.
 */
final class BackendCheck {
    private static final Pattern MISSING_LIBRARY = Pattern.compile("([A-Za-z0-9_.+-]+\\.so[0-9.]*): cannot open shared object file");
    private static final Pattern NO_DEVICE = Pattern.compile("No CUDA devices were found");
    /** The backends a build can hold: the class ND4J loads, and what it is called in the one line. */
    private static final List<String[]> BACKENDS = List.of(
            new String[] {"org.nd4j.linalg.jcublas.JCublasBackend", "CUDA"},
            new String[] {"org.nd4j.linalg.cpu.nativecpu.CpuBackend", "CPU"});

    /**
     * The ND4J backend a build holds.
     *
     * @param artifact e.g. {@code nd4j-cuda-11.6}
     * @param kind {@code CUDA} or {@code CPU}
     */
    record Backend(String artifact, String kind) {
    }

    private BackendCheck() {
    }

    /** Starts ND4J; null when it runs, else the one line to print. */
    static String start() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Throwable failure = null;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Nd4j.getBackend();
        } catch (LinkageError | RuntimeException e) {
            failure = e; // a failed static initializer, a native library that did not load, no backend found
        } finally {
            System.err.flush();
            System.setErr(original);
        }
        if (failure == null || System.getenv("MTL_DEBUG") != null) {
            original.print(captured.toString(StandardCharsets.UTF_8));
            original.flush();
        }
        if (failure == null) {
            return null;
        }
        return message(builtBackend(), failure, captured.toString(StandardCharsets.UTF_8));
    }

    /**
     * Whether a throwable is ND4J failing to start: in its chain a {@code NoAvailableBackendException}, or a
     * {@code NoClassDefFoundError} of the class {@code Nd4j} (its static initializer failed before).
     */
    static boolean isBackendFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getName().endsWith("NoAvailableBackendException")
                    || t instanceof NoClassDefFoundError && String.valueOf(t.getMessage()).contains("org.nd4j.linalg.factory.Nd4j")) {
                return true;
            }
        }
        return false;
    }

    /** The backend on the class path (found without starting it), or null. */
    static Backend builtBackend() {
        for (String[] backend : BACKENDS) {
            try {
                Class<?> type = Class.forName(backend[0], false, BackendCheck.class.getClassLoader());
                return new Backend(artifact(type), backend[1]);
            } catch (ClassNotFoundException | LinkageError e) {
                // not this one
            }
        }
        return null;
    }

    /** The artifact a class was loaded from, e.g. {@code nd4j-cuda-11.6} from {@code nd4j-cuda-11.6-1.0.0-M2.1.jar}. */
    static String artifact(Class<?> type) {
        try {
            return artifactOfJar(type.getProtectionDomain().getCodeSource().getLocation().getPath());
        } catch (RuntimeException e) {
            return type.getName();
        }
    }

    /**
     * The artifact of a jar path: in a Maven repository {@code .../<artifact>/<version>/<artifact>-<version>[-classifier].jar};
     * elsewhere the file name up to the version ({@code -<digits>.<digits>.<digits>}).
     */
    static String artifactOfJar(String path) {
        String[] parts = path.split("/");
        String file = parts[parts.length - 1];
        if (parts.length >= 3 && file.startsWith(parts[parts.length - 3] + "-" + parts[parts.length - 2])) {
            return parts[parts.length - 3];
        }
        Matcher version = Pattern.compile("^(.+)-\\d+\\.\\d+\\.\\d+.*\\.jar$").matcher(file);
        return version.matches() ? version.group(1) : file;
    }

    /**
     * The one line for a backend that did not start.
     *
     * @param backend the backend built, or null when none is on the class path
     * @param failure what ND4J threw
     * @param printed what ND4J printed on stderr while failing (may be empty)
     */
    static String message(Backend backend, Throwable failure, String printed) {
        if (backend == null) {
            return "mtl: no ND4J backend on the class path (" + rootMessage(failure) + "); rebuild: rm -rf mtl-cli/target, "
                    + "then run ./mtl (it rebuilds).";
        }
        String kind = backend.kind();
        Matcher missing = MISSING_LIBRARY.matcher(printed);
        String reason;
        String remedy;
        if (missing.find()) {
            String library = missing.group(1);
            boolean driver = library.startsWith("libcuda.so");
            reason = library + " not found" + (driver ? " (no NVIDIA driver?)" : "CUDA".equals(kind) ? " (no CUDA 11.6 runtime?)" : "");
            remedy = "CUDA".equals(kind) ? (driver ? "install the NVIDIA driver and CUDA 11.6" : "install CUDA 11.6") : null;
        } else if (NO_DEVICE.matcher(printed).find()) {
            reason = "no CUDA device found";
            remedy = "run on a machine with an NVIDIA GPU";
        } else {
            String printedLine = printed.lines().filter(l -> l.contains("Skipped [")).findFirst().orElse(null);
            reason = printedLine != null ? printedLine.substring(printedLine.indexOf("Skipped [")) : rootMessage(failure);
            remedy = null;
        }
        return "mtl: the ND4J backend built here is " + kind + " (" + backend.artifact() + "), but it cannot load: " + reason + ". "
                + ("CUDA".equals(kind) ? "To run on the CPU: run ./mtl without "
                        + "MTL_MAVEN_ARGS=-Pcuda (it rebuilds for the CPU)" + (remedy == null ? "" : "; or " + remedy) + "."
                        : "MTL_DEBUG=1 ./mtl ... shows ND4J's own output.");
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
