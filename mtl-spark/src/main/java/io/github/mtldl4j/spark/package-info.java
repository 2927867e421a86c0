/**
 * Multi-task training on Apache Spark with dl4j-spark: CSV rows in an RDD encoded where they are
 * ({@link io.github.mtldl4j.spark.SparkTabularData}), epochs with parameter averaging and per-task losses and
 * metrics computed on the executors ({@link io.github.mtldl4j.spark.SparkBackend}), and the command line's
 * pipeline for {@code --spark} and {@code --workers} ({@link io.github.mtldl4j.spark.DistributedTabularTraining}).
 */
package io.github.mtldl4j.spark;
