package io.github.mtldl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.mtldl4j.pipeline.TabularTraining;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkTrainingTest {

    @Test
    void probe() {
        long t0 = System.nanoTime();
        TabularTraining.Result single = TabularTraining.train(Penguins.table(), null, Penguins.settings("fixed", Map.of(), 20),
                TabularTraining.Hooks.none());
        long t1 = System.nanoTime();
        TabularTraining.Result spark = DistributedTabularTraining.train(Penguins.table(), null, Penguins.settings("fixed", Map.of(), 20),
                new DistributedTabularTraining.OnSpark("local[2]", 5), r -> System.out.println("epoch " + r.epoch() + " " + r.seconds()));
        long t2 = System.nanoTime();
        System.out.println("single " + (t1 - t0) / 1e9 + " " + single.metrics());
        System.out.println("spark " + (t2 - t1) / 1e9 + " " + spark.metrics());
        assertEquals(1, 1);
    }
}
