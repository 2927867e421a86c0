/**
 * Data-parallel training of multi-task models: the epoch loop that keeps task weights on the driver
 * ({@link io.github.mtldl4j.scaleout.EpochwiseTrainer}), the backends that run an epoch on several devices of one
 * machine ({@link io.github.mtldl4j.scaleout.ParallelWrapperBackend}) or on Spark
 * ({@code io.github.mtldl4j.spark.SparkBackend}), and which weighting methods each supports
 * ({@link io.github.mtldl4j.scaleout.ScaleOutMethods}).
 */
package io.github.mtldl4j.scaleout;
