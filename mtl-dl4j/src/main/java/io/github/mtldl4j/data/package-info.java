/**
 * Data for multi-task models as DL4J {@code MultiDataSet}s: the seed article's random data
 * ({@link io.github.mtldl4j.examples.data.SeedArticleData}), the GradNorm toy tasks ({@link io.github.mtldl4j.examples.data.GradNormToyData}),
 * the MMoE paper's two regression tasks of controlled correlation ({@link io.github.mtldl4j.examples.data.MmoeSyntheticData}),
 * shared by examples, tests and benchmarks; and an in-memory iterator.
 */
package io.github.mtldl4j.data;
