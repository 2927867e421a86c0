package io.github.mtldl4j.model;

import java.util.Map;

/**
 * Old class names in saved DL4J configurations, mapped to the classes that replace them, so that models saved before
 * a class moved (a package rename, a class renamed) still load.
 *
 * <p>DL4J 1.0.0-M2.1 stores every polymorphic part of a graph configuration (layers, vertices, losses, weight
 * initializers, activations) with Jackson's {@code @JsonTypeInfo(use = CLASS)}: an {@code "@class"} property holding the
 * fully qualified class name, resolved by Jackson's own class-name resolver through {@code Class.forName}. DL4J's
 * legacy hooks do not help here: {@code NeuralNetConfiguration.registerLegacyCustomClassesForJSON} and
 * {@code serde.legacy.LegacyJsonFormat} map the short <em>names</em> of the pre-1.0.0-alpha format
 * ({@code use = NAME}, wrapper objects), and are tried only when the current format fails. Replacing the type
 * resolution of DL4J's shared, static {@code ObjectMapper} would change it for every model in the JVM.
 *
 * <p>So {@link MultiTaskModel#load} rewrites the configuration text before DL4J reads it: every JSON string that is
 * exactly an old name in {@link #TABLE} (quotes included, so a name is never replaced inside another string) becomes
 * its new name. The text is otherwise untouched (no parse and re-print that could change DL4J's number formatting),
 * and a configuration without old names is passed on as the same string. The parameters and updater state
 * ({@code coefficients.bin}, {@code updaterState.bin}) hold no class names.
 *
 * <p>When a class named in saved configurations moves (check the fixtures: {@code unzip -p model.zip
 * configuration.json | grep -o '"io\.github[^"]*"'}), add one line {@code "old.Name", "new.Name"} here and keep the
 * line for as long as models of that age must load; {@code SavedModelCompatibilityTest} then loads the committed
 * fixtures saved under the old name. See docs/model-compatibility.md.
 */
final class LegacyClassNames {
    /**
     * Old fully qualified class name to the current one (when a class moves again, point its earlier lines at the new
     * name too: names are not replaced in chains). Empty: no serialized class has moved since 0.1.0, the first
     * version that saved models.
     */
    static final Map<String, String> TABLE = Map.of();

    private LegacyClassNames() {
    }

    /** The configuration with the old names of {@link #TABLE} replaced; the same string if it names none. */
    static String rewrite(String configurationJson) {
        return rewrite(configurationJson, TABLE);
    }

    /** The configuration with the old names of {@code table} replaced; the same string if it names none. */
    static String rewrite(String configurationJson, Map<String, String> table) {
        String json = configurationJson;
        for (Map.Entry<String, String> move : table.entrySet()) {
            String old = '"' + move.getKey() + '"';
            if (json.contains(old)) {
                json = json.replace(old, '"' + move.getValue() + '"');
            }
        }
        return json;
    }
}
