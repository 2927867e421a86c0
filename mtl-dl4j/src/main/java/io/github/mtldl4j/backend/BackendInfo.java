package io.github.mtldl4j.backend;

import org.nd4j.linalg.factory.Nd4j;

/** Which ND4J backend this process runs on, for the one line every program prints at start. */
public final class BackendInfo {
    private BackendInfo() {
    }

    /** True when ND4J runs on the CUDA backend. */
    public static boolean isCuda() {
        return !Nd4j.getEnvironment().isCPU();
    }

    /** One line such as {@code ND4J backend: CPU (CpuBackend), 2 threads, default data type FLOAT}. */
    public static String describe() {
        return "ND4J backend: " + (isCuda() ? "CUDA" : "CPU") + " (" + Nd4j.getBackend().getClass().getSimpleName() + "), "
                + Nd4j.getEnvironment().maxThreads() + " threads, default data type " + Nd4j.dataType();
    }
}
