/** Runnable examples and the {@code mtl} command line ({@link io.github.mtldl4j.cli.MtlCommand}). */
package io.github.mtldl4j.examples;
