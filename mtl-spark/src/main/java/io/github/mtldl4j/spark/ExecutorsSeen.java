package io.github.mtldl4j.spark;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The ids of the executors that ran tasks of a Spark context while registered ({@code "0"}, {@code "1"}, ... on a
 * cluster; {@code "driver"} in local mode): which executors took part in a training, for metrics.json.
 */
final class ExecutorsSeen extends SparkListener {
    private final Set<String> ids = ConcurrentHashMap.newKeySet();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
        ids.add(taskEnd.taskInfo().executorId());
    }

    /** The ids seen so far, numeric ids in numeric order, then the others. */
    List<String> ids() {
        return ids.stream().sorted(Comparator.comparing((String id) -> !id.chars().allMatch(Character::isDigit))
                .thenComparing(id -> id.chars().allMatch(Character::isDigit) ? Long.parseLong(id) : 0L)
                .thenComparing(Comparator.naturalOrder())).toList();
    }
}
