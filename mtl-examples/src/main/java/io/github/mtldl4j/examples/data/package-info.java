/**
 * Demo data shared by the examples, the command line and the benchmarks: the seed article's random data
 * ({@link io.github.mtldl4j.examples.data.SeedArticleData}), the GradNorm toy tasks
 * ({@link io.github.mtldl4j.examples.data.GradNormToyData}), the MMoE paper's two regression tasks of controlled
 * correlation ({@link io.github.mtldl4j.examples.data.MmoeSyntheticData}), Multi-Fashion images
 * ({@link io.github.mtldl4j.examples.data.MultiFashion}, read from IDX files) and a synthetic CSV table
 * ({@link io.github.mtldl4j.examples.data.SyntheticTable}). Not a library API.
 */
package io.github.mtldl4j.examples.data;
