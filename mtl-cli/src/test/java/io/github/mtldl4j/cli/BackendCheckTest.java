package io.github.mtldl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.backend.BackendInfo;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4jBackend;

/**
 * The one line for an ND4J backend that cannot load, from the exception chain and the text ND4J 1.0.0-M2.1 printed
 * when a {@code -Pcuda} build ran on this machine (no NVIDIA driver), copied from that run.
 */
class BackendCheckTest {
    /** What ND4J printed on stderr in that run (stack frames shortened). */
    private static final String PRINTED_WITHOUT_DRIVER = """
            java.lang.UnsatisfiedLinkError: /root/.javacpp/cache/cuda-11.6-8.3-1.5.7-linux-x86_64.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory
            \tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)
            \tat org.nd4j.linalg.jcublas.JCublasBackend.canRun(JCublasBackend.java:66)
            WARN  o.n.linalg.factory.Nd4jBackend - Skipped [JCublasBackend] backend (unavailable): java.lang.UnsatisfiedLinkError: /root/.javacpp/cache/cuda-11.6-8.3-1.5.7-linux-x86_64.jar/org/bytedeco/cuda/linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory
            """;

    private static final BackendCheck.Backend CUDA = new BackendCheck.Backend("nd4j-cuda-11.6", "CUDA");

    /** What the static initializer of Nd4j threw in that run. */
    private static ExceptionInInitializerError nd4jInitFailure() {
        return new ExceptionInInitializerError(new RuntimeException(new Nd4jBackend.NoAvailableBackendException(
                "Please ensure that you have an nd4j backend on your classpath. Please see: https://deeplearning4j.konduit.ai/nd4j/backend")));
    }

    @Test
    void aCudaBuildWithoutDriverGetsOneLineSayingWhatToDo() {
        assertEquals("mtl: the ND4J backend built here is CUDA (nd4j-cuda-11.6), but it cannot load: libcuda.so.1 not found "
                + "(no NVIDIA driver?). To run on the CPU: run ./mtl without MTL_MAVEN_ARGS=-Pcuda "
                + "(it rebuilds for the CPU); or install the NVIDIA driver and CUDA 11.6.",
                BackendCheck.message(CUDA, nd4jInitFailure(), PRINTED_WITHOUT_DRIVER));
    }

    @Test
    void aMissingRuntimeOrDeviceIsNamedToo() {
        String noRuntime = PRINTED_WITHOUT_DRIVER.replace("libcuda.so.1", "libcudart.so.11.0");
        assertTrue(BackendCheck.message(CUDA, nd4jInitFailure(), noRuntime)
                .contains("cannot load: libcudart.so.11.0 not found (no CUDA 11.6 runtime?). To run on the CPU: "), noRuntime);
        assertTrue(BackendCheck.message(CUDA, nd4jInitFailure(), noRuntime).endsWith("; or install CUDA 11.6."));
        String noDevice = "WARN  o.n.linalg.factory.Nd4jBackend - Skipped [JCublasBackend] backend (unavailable): "
                + "java.lang.RuntimeException: No CUDA devices were found in system\n";
        assertTrue(BackendCheck.message(CUDA, nd4jInitFailure(), noDevice)
                .contains("cannot load: no CUDA device found."));
        // A later use of Nd4j in the same process: nothing printed any more, the reason from the exception.
        String later = BackendCheck.message(new BackendCheck.Backend("nd4j-native", "CPU"),
                new NoClassDefFoundError("Could not initialize class org.nd4j.linalg.factory.Nd4j"), "");
        assertEquals("mtl: the ND4J backend built here is CPU (nd4j-native), but it cannot load: NoClassDefFoundError: Could not "
                + "initialize class org.nd4j.linalg.factory.Nd4j. MTL_DEBUG=1 ./mtl ... shows ND4J's own output.", later);
        assertTrue(BackendCheck.message(null, nd4jInitFailure(), "").startsWith("mtl: no ND4J backend on the class path "
                + "(NoAvailableBackendException: Please ensure that you have an nd4j backend on your classpath."));
    }

    @Test
    void recognizesNd4jFailingToStartAndNothingElse() {
        assertTrue(BackendCheck.isBackendFailure(nd4jInitFailure()));
        assertTrue(BackendCheck.isBackendFailure(new NoClassDefFoundError("Could not initialize class org.nd4j.linalg.factory.Nd4j")));
        assertFalse(BackendCheck.isBackendFailure(new UnsatisfiedLinkError("libfoo.so: cannot open shared object file")));
        assertFalse(BackendCheck.isBackendFailure(new NoClassDefFoundError("org/apache/spark/SparkConf")));
        assertFalse(BackendCheck.isBackendFailure(new IllegalStateException("x", new RuntimeException())));
    }

    @Test
    void namesTheBackendArtifactAndStartsTheCpuBackendHere() {
        assertEquals("nd4j-cuda-11.6", BackendCheck.artifactOfJar(
                "/root/.m2/repository/org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1.jar"));
        assertEquals("nd4j-native", BackendCheck.artifactOfJar("/opt/mtl/lib/nd4j-native-1.0.0-M2.1.jar"));
        assertNull(BackendCheck.start(), "ND4J starts here");
        assertEquals(BackendInfo.isCuda() ? CUDA : new BackendCheck.Backend("nd4j-native", "CPU"), BackendCheck.builtBackend());
    }
}
