package io.github.mtldl4j.cli;

import io.github.mtldl4j.registry.MethodRegistry;
import io.github.mtldl4j.tabular.tune.TabularTuner;
import java.util.Iterator;

/** The registry's names as picocli completion candidates, so help texts list {@code ${COMPLETION-CANDIDATES}}. */
final class MethodNames {
    private MethodNames() {
    }

    /** {@code --weighting} names. */
    static final class Weightings implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return MethodRegistry.weightingNames().iterator();
        }
    }

    /** {@code --arch} names. */
    static final class Architectures implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return MethodRegistry.architectureNames().iterator();
        }
    }

    /** {@code mtl tune --archs} names. */
    static final class TunableArchitectures implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return TabularTuner.TUNABLE.iterator();
        }
    }
}
