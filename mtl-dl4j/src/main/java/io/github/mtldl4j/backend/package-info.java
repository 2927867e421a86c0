/** Facts about the ND4J backend in use (CPU or CUDA), printed by programs and used to gate GPU tests. */
package io.github.mtldl4j.backend;
