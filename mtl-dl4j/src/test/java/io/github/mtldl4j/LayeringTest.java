package io.github.mtldl4j;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The import graph of the library's main code (docs/design.md, "Package layers"): no cycle between packages, and every
 * arrow points down the layer list below. A package may use the packages of lower layers and its own, never one of
 * its own layer or above; the top layer is not constrained (only by the cycle rule). A new package fails
 * {@link #everyPackageHasALayer} until it is given a layer here and in docs/design.md.
 */
@AnalyzeClasses(packages = "io.github.mtldl4j", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /** Lowest first. Packages of one layer do not use each other. */
    static final List<List<String>> LAYERS = List.of(
            // the vocabulary: settings and their messages, tasks, the weighted loss, method descriptions, the backend
            List.of("setting", "task", "loss", "methods", "backend"),
            // labels and data sets
            List.of("data"),
            // the trained artifact and the shape of its graph (GraphLayout, VertexNames)
            List.of("model"),
            // builds models: the builder and the sharing modes
            List.of("graph"),
            // what training combines: loss weightings, gradient aggregators, task affinity, evaluation; the ONNX export
            List.of("weighting", "gradient", "affinity", "eval", "export"),
            // the trainer
            List.of("train"),
            // the top: the registry of method names (the tabular pipeline, report and tuner are in mtl-tabular, above)
            List.of("registry"));

    @ArchTest
    static final ArchRule noCycles = slices().matching("io.github.mtldl4j.(*)..").should().beFreeOfCycles()
            .because("packages form layers; see docs/design.md, \"Package layers\"");

    @ArchTest
    static void everyPackageHasALayer(JavaClasses library) {
        String[] placed = LAYERS.stream().flatMap(List::stream).map(LayeringTest::pattern).toArray(String[]::new);
        classes().should().resideInAnyPackage(placed)
                .because("every library package has a layer: add a new one to LayeringTest.LAYERS and docs/design.md")
                .check(library);
    }

    @ArchTest
    static final ArchRule dependenciesPointDown = pointDown();

    /** One rule per package below the top layer, all checked together so that one run names every upward arrow. */
    private static ArchRule pointDown() {
        List<ArchRule> rules = new ArrayList<>();
        for (int layer = 0; layer < LAYERS.size() - 1; layer++) {
            List<String> below = LAYERS.subList(0, layer).stream().flatMap(List::stream).toList();
            for (String pkg : LAYERS.get(layer)) {
                String[] allowed = Stream.concat(below.stream(), Stream.of(pkg)).map(LayeringTest::pattern).toArray(String[]::new);
                rules.add(classes().that().resideInAPackage(pattern(pkg))
                        .should().onlyDependOnClassesThat(resideOutsideOfPackage("io.github.mtldl4j..").or(resideInAnyPackage(allowed)))
                        .because(pkg + " may use only " + (below.isEmpty() ? "no other library package" : below)
                                + " (docs/design.md, \"Package layers\")")
                        .allowEmptyShould(true));
            }
        }
        return CompositeArchRule.of(rules);
    }

    private static String pattern(String pkg) {
        return "io.github.mtldl4j." + pkg + "..";
    }
}
