/**
 * Data for multi-task models as DL4J {@code MultiDataSet}s. So far: the seed article's random data
 * ({@link io.github.mtldl4j.data.SeedArticleData}), shared by examples, tests and benchmarks.
 */
package io.github.mtldl4j.data;
