/**
 * The tabular module's shared vocabulary: {@link io.github.mtldl4j.tabular.TabularSetting}, the settings its messages
 * name. Its sub-packages hold the CSV table and preprocessing ({@code data}), training from a table ({@code pipeline}),
 * the HTML report ({@code report}) and the tuner ({@code tune}).
 */
package io.github.mtldl4j.tabular;
