/**
 * Tables for the tabular pipeline: a CSV file read into columns ({@code CsvReader},
 * {@link io.github.mtldl4j.tabular.data.CsvTable}), the tasks named on its columns
 * ({@link io.github.mtldl4j.tabular.data.TaskSpec}), the train/validation split, the feature selection and the
 * preprocessing that encodes rows as a {@code MultiDataSet} ({@link io.github.mtldl4j.tabular.data.TabularPreprocessor}).
 */
package io.github.mtldl4j.tabular.data;
