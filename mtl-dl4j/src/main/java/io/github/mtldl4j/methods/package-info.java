/**
 * What a method says about itself: {@link io.github.mtldl4j.methods.MethodInfo}, one constant per loss weighting,
 * gradient aggregator and sharing mode, with its command-line name, its kind and its {@link io.github.mtldl4j.methods.Need}s.
 * {@link io.github.mtldl4j.registry.MethodRegistry} lists them; nothing else keeps a list of names.
 */
package io.github.mtldl4j.methods;
