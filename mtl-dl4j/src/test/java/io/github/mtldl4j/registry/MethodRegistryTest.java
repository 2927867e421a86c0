package io.github.mtldl4j.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.graph.SharingMode;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.MethodInfo.Kind;
import io.github.mtldl4j.methods.MethodOptions;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.gradient.ImtlG;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.ImtlL;
import io.github.mtldl4j.weighting.LossWeighting;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Ties every command-line name to its class and every class to a registry line. */
class MethodRegistryTest {
    private static final MethodOptions OPTIONS = new MethodOptions(Map.of("a", 2.0), 4, 1, 2);

    /** The command line's names: a user contract (docs/design.md), typed here by hand, never derived. */
    @Test
    void namesAreTheCommandLineContract() {
        assertEquals(List.of("fixed", "uncertainty", "dwa", "rlw", "gradnorm", "famo", "gls", "imtl-l", "stch", "sum", "pcgrad", "mgda",
                        "cagrad", "imtl", "upgrad", "aligned-mtl", "aligned-mtl-ub", "config", "nash-mtl", "dualproj", "gradvac",
                        "imtl-hybrid", "fairgrad", "db-mtl", "excess-mtl", "moco",
                        "graddrop", "sdmgrad", "modo"),
                MethodRegistry.weightingNames());
        assertEquals(List.of("hard", "independent", "cascade", "esmm", "aitm", "mmoe", "omoe", "cgc", "ple", "dselect-k", "cross-stitch"),
                MethodRegistry.architectureNames());
    }

    @Test
    void everyNameResolvesToItsClassAndKind() {
        check(MethodRegistry.LOSS_WEIGHTINGS, Kind.LOSS_WEIGHTING, LossWeighting.class, LossWeighting::name);
        check(MethodRegistry.GRADIENT_AGGREGATORS, Kind.GRADIENT_AGGREGATOR, GradientAggregator.class, GradientAggregator::name);
        check(MethodRegistry.SHARING_MODES, Kind.SHARING_MODE, SharingMode.class, SharingMode::name);
        for (MethodInfo<LossWeighting> m : MethodRegistry.LOSS_WEIGHTINGS) {
            assertSame(m, MethodRegistry.method(m.name()));
            assertInstanceOf(m.type(), MethodRegistry.weighting(m.name(), Map.of()), m.name());
            assertNull(MethodRegistry.aggregator(m.name()), m.name());
            assertSame(m, MethodRegistry.lossWeightingOf(m.type()).orElseThrow());
        }
        for (MethodInfo<GradientAggregator> m : MethodRegistry.GRADIENT_AGGREGATORS) {
            assertSame(m, MethodRegistry.method(m.name()));
            assertInstanceOf(m.type(), MethodRegistry.aggregator(m.name()), m.name());
            Class<?> weighting = m.weighting() == null ? FixedWeighting.class : m.weighting().type();
            assertInstanceOf(weighting, MethodRegistry.weighting(m.name(), Map.of()), m.name());
        }
        for (MethodInfo<SharingMode> m : MethodRegistry.SHARING_MODES) {
            assertSame(m, MethodRegistry.architecture(m.name()));
        }
    }

    private static <T> void check(List<MethodInfo<T>> infos, Kind kind, Class<T> api, Function<T, String> name) {
        for (MethodInfo<T> m : infos) {
            assertEquals(kind, m.kind(), m.name());
            T made = m.create(OPTIONS);
            assertInstanceOf(m.type(), made, m.name());
            assertInstanceOf(api, made, m.name());
            // cascade is hard sharing plus cascade links; its saved models say "hard". A pair (imtl-hybrid) is its parts.
            String expected = m.needs(Need.CASCADES) ? HardSharing.NAME
                    : m.weighting() != null ? infos.stream().filter(o -> o.type() == m.type() && o.weighting() == null).findFirst()
                    .orElseThrow().name() : m.name();
            assertEquals(expected, name.apply(made), m.type().getSimpleName() + ".INFO");
        }
    }

    @Test
    void namesAreUnique() {
        List<String> all = new ArrayList<>(MethodRegistry.weightingNames());
        all.addAll(MethodRegistry.architectureNames());
        assertEquals(all.size(), new HashSet<>(all).size(), all.toString());
    }

    /** The declared needs agree with what the instances ask of the trainer. */
    @Test
    void declaredNeedsMatchTheInstances() {
        for (MethodInfo<LossWeighting> m : MethodRegistry.LOSS_WEIGHTINGS) {
            if (m.create(OPTIONS).needsSharedGradientNorms()) {
                assertTrue(m.needs(Need.TASK_GRADIENTS), m.name());
            }
            // Weights from each step's own losses, or from the losses after each step, change every step.
            LossWeighting made = m.create(OPTIONS);
            if (made.weighsByStepLosses() || made.needsLossesAfterStep()) {
                assertTrue(m.needs(Need.STEP_UPDATES), m.name());
            }
        }
        for (MethodInfo<GradientAggregator> m : MethodRegistry.GRADIENT_AGGREGATORS) {
            assertTrue(m.needs(Need.TASK_GRADIENTS), m.name());
            assertEquals(m.create(OPTIONS).usesRepresentationGradients(), m.needs(Need.REPRESENTATION_TAP), m.name());
        }
        assertEquals(List.of("hard", "cascade"), MethodRegistry.architecturesOffering(Need.REPRESENTATION_TAP));
    }

    /** ESMM needs its tasks to form a funnel, so nothing tries it on arbitrary tasks (the tuner searches needless modes). */
    @Test
    void esmmNeedsAFunnel() {
        assertEquals(Set.of(Need.FUNNEL), MethodRegistry.architecture("esmm").needs());
    }

    /** AITM needs a funnel too; its factory reads the calibrator weight from the options. */
    @Test
    void aitmNeedsAFunnelAndTakesItsCalibratorWeight() {
        assertEquals(Set.of(Need.FUNNEL), MethodRegistry.architecture("aitm").needs());
        assertEquals(0.25, ((io.github.mtldl4j.graph.Aitm) MethodRegistry.architecture("aitm")
                .create(new MethodOptions(Map.of(), 4, 1, 2, 0.25))).calibratorWeight());
        assertEquals(0.6, ((io.github.mtldl4j.graph.Aitm) MethodRegistry.architecture("aitm").create(MethodOptions.DEFAULTS))
                .calibratorWeight());
    }

    /** IMTL as published: IMTL-L's weighting and IMTL-G's aggregation under one name, needing what both need. */
    @Test
    void imtlHybridIsImtlLWithImtlG() {
        assertInstanceOf(ImtlL.class, MethodRegistry.weighting("imtl-hybrid", Map.of()));
        assertInstanceOf(ImtlG.class, MethodRegistry.aggregator("imtl-hybrid"));
        assertEquals(Set.of(Need.TASK_GRADIENTS, Need.STEP_UPDATES), MethodRegistry.method("imtl-hybrid").needs());
        // imtl stays IMTL-G alone, with fixed weights.
        assertInstanceOf(FixedWeighting.class, MethodRegistry.weighting("imtl", Map.of()));
        assertInstanceOf(ImtlG.class, MethodRegistry.aggregator("imtl"));
        assertThrows(IllegalArgumentException.class, () -> ImtlL.INFO.withWeighting(ImtlL.INFO));
    }

    @Test
    void unknownNamesListTheRegisteredOnes() {
        String weighting = assertThrows(IllegalArgumentException.class, () -> MethodRegistry.method("nosuch")).getMessage();
        assertTrue(weighting.startsWith("unknown weighting 'nosuch'; expected one of [fixed, uncertainty, "), weighting);
        assertTrue(weighting.endsWith(", imtl, upgrad, aligned-mtl, aligned-mtl-ub, config, nash-mtl, dualproj, gradvac, imtl-hybrid, fairgrad, db-mtl, excess-mtl, moco, graddrop, sdmgrad, modo]."), weighting);
        String arch = assertThrows(IllegalArgumentException.class, () -> MethodRegistry.architecture("transformer")).getMessage();
        assertEquals("unknown architecture 'transformer'; expected one of [hard, independent, cascade, esmm, aitm, mmoe, omoe, cgc, ple, dselect-k, "
                + "cross-stitch].", arch);
    }

    /**
     * Every concrete LossWeighting, GradientAggregator and SharingMode compiled from mtl-dl4j's main sources is
     * registered (or, for a sharing mode, listed as library-only), so a new method fails here until its line is added.
     */
    @Test
    void everyImplementationIsRegistered() throws IOException, URISyntaxException {
        Path classes = Path.of(LossWeighting.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "expected mtl-dl4j's compiled classes directory, found " + classes);
        List<String> missing = new ArrayList<>();
        Set<Class<?>> seen = new HashSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".")
                        .replaceAll("\\.class$", "");
                Class<?> type = load(name);
                if (type.isInterface() || Modifier.isAbstract(type.getModifiers()) || type.isAnonymousClass()) {
                    continue;
                }
                if (LossWeighting.class.isAssignableFrom(type)) {
                    seen.add(type);
                    missingLine(type, "LossWeighting", "lossWeighting", "LOSS_WEIGHTINGS", MethodRegistry.LOSS_WEIGHTINGS, missing);
                } else if (GradientAggregator.class.isAssignableFrom(type)) {
                    seen.add(type);
                    missingLine(type, "GradientAggregator", "gradientAggregator", "GRADIENT_AGGREGATORS",
                            MethodRegistry.GRADIENT_AGGREGATORS, missing);
                } else if (SharingMode.class.isAssignableFrom(type) && !MethodRegistry.LIBRARY_ONLY.contains(type)) {
                    seen.add(type);
                    missingLine(type, "SharingMode", "sharingMode", "SHARING_MODES", MethodRegistry.SHARING_MODES, missing);
                }
            }
        }
        if (!missing.isEmpty()) {
            fail(String.join("\n", missing));
        }
        // The scan works: it found every registered class.
        Stream.of(MethodRegistry.LOSS_WEIGHTINGS, MethodRegistry.GRADIENT_AGGREGATORS, MethodRegistry.SHARING_MODES).flatMap(List::stream)
                .forEach(m -> assertTrue(seen.contains(m.type()), m.type() + " not found under " + classes));
    }

    private static void missingLine(Class<?> type, String api, String factory, String list, List<? extends MethodInfo<?>> infos,
                                    List<String> missing) {
        if (infos.stream().noneMatch(m -> m.type() == type)) {
            String simple = type.getSimpleName();
            missing.add(api + " " + type.getName() + " is not registered: give it 'public static final MethodInfo<" + api
                    + "> INFO = MethodInfo." + factory + "(NAME, " + simple + ".class, o -> new " + simple + "(...));' and add the line '"
                    + simple + ".INFO,' to MethodRegistry." + list + " (see docs/registry.md).");
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, MethodRegistryTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError("cannot load " + name, e);
        }
    }
}
