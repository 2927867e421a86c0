/** JMH benchmarks of training cost, each comparing this library with plain DL4J side by side in one run. */
package io.github.mtldl4j.benchmarks;
