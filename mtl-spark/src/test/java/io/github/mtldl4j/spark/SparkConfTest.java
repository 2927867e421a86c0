package io.github.mtldl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The executors' JVM options {@link DistributedTabularTraining#conf} sets, with and without the user's own. */
class SparkConfTest {
    private static final String KEY = "spark.executor.extraJavaOptions";
    private static final String AERON = "-Daeron.publication.unblock.timeout=60s";

    @AfterEach
    void clear() {
        System.clearProperty(KEY);
    }

    private static String executorOptions() {
        SparkConf conf = DistributedTabularTraining.conf("spark://127.0.0.1:7077");
        return conf.get(KEY);
    }

    @Test
    void withoutOptionsTheExecutorsGetTheAeronTimeoutAndTheSerialCollector() {
        assertEquals(AERON + " -XX:+UseSerialGC", executorOptions());
    }

    @Test
    void theUsersOptionsAreKeptAndExtended() {
        System.setProperty(KEY, "--add-opens=java.base/java.nio=ALL-UNNAMED -Xss4m");
        assertEquals("--add-opens=java.base/java.nio=ALL-UNNAMED -Xss4m " + AERON + " -XX:+UseSerialGC", executorOptions());
    }

    @Test
    void aCollectorTheUserNamesIsKept() {
        for (String collector : new String[] {"-XX:+UseG1GC", "-XX:+UseParallelGC", "-XX:+UseZGC", "-XX:-UseSerialGC"}) {
            System.setProperty(KEY, collector);
            assertEquals(collector + " " + AERON, executorOptions(), collector);
        }
    }

    @Test
    void optionsThatAreNotCollectorsDoNotCountAsOne() {
        System.setProperty(KEY, "-XX:+UseGCOverheadLimit -XX:+UseStringDeduplication");
        assertEquals("-XX:+UseGCOverheadLimit -XX:+UseStringDeduplication " + AERON + " -XX:+UseSerialGC", executorOptions());
    }

    @Test
    void aSecondConfigurationAddsNothingTwice() {
        System.setProperty(KEY, executorOptions());
        assertEquals(AERON + " -XX:+UseSerialGC", executorOptions());
    }
}
