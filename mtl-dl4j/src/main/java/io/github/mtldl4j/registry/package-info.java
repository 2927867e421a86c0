/**
 * Every method by name: {@link io.github.mtldl4j.registry.MethodRegistry} lists the
 * {@link io.github.mtldl4j.methods.MethodInfo} of each loss weighting, gradient aggregator and sharing mode, and
 * resolves names to them for front ends (the tabular pipeline, the command line, scale-out checks, the report). Kept
 * apart from {@code methods} because it imports the method classes, which themselves import {@code methods}.
 */
package io.github.mtldl4j.registry;
