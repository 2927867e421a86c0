/**
 * Multi-task data as DL4J {@code MultiDataSet}s: an in-memory iterator
 * ({@link io.github.mtldl4j.data.InMemoryMultiDataSetIterator}), the label checks run before training
 * ({@link io.github.mtldl4j.data.LabelValidator}) and the exceptions for unusable input
 * ({@link io.github.mtldl4j.data.InvalidDataException}). CSV tables live in mtl-tabular, demo data in mtl-examples.
 */
package io.github.mtldl4j.data;
