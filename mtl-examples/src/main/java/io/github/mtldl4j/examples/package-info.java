/**
 * Runnable examples, each a subcommand of the {@code mtl} command line (mtl-cli): {@code seed}
 * ({@link io.github.mtldl4j.examples.SeedExample}), {@code gradnorm-toy}, {@code multifashion} and
 * {@code mmoe-synthetic}. Not a library API: depend on mtl-dl4j instead.
 */
package io.github.mtldl4j.examples;
