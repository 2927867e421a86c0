/**
 * The {@code mtl} command line ({@link io.github.mtldl4j.cli.MtlCommand}): one class per command, the table of flags
 * that library messages are rendered with ({@code CommandLineFlags}), the backend check, progress and output
 * directories. Not a library API.
 */
package io.github.mtldl4j.cli;
