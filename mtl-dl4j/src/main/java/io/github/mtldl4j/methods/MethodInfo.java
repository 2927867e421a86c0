package io.github.mtldl4j.methods;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/**
 * A method as it declares itself: every loss weighting, gradient aggregator and sharing mode exposes one as a
 * {@code static final} constant next to its code (e.g. {@code DynamicWeightAverage.INFO}), and
 * {@link io.github.mtldl4j.registry.MethodRegistry} lists those constants.
 *
 * @param name the command-line name ({@code --weighting NAME} or {@code --arch NAME}): lower case, digits and dashes;
 *             a user contract, never renamed
 * @param kind what the method is
 * @param type the class that implements it
 * @param needs what training must provide for it
 * @param offers for sharing modes, which {@link Need}s of a weighting they can meet (hard sharing: the representation tap)
 * @param factory makes a fresh instance from the command-line settings
 * @param weighting for a gradient aggregator whose paper pairs it with a loss weighting (IMTL: IMTL-L with IMTL-G), that
 *                  weighting, trained together under this one name (see {@link #withWeighting}); else null: fixed weights
 * @param <T> the interface of the kind ({@code LossWeighting}, {@code GradientAggregator} or {@code SharingMode})
 */
public record MethodInfo<T>(String name, Kind kind, Class<? extends T> type, Set<Need> needs, Set<Need> offers,
                            Function<MethodOptions, ? extends T> factory, MethodInfo<?> weighting) {

    /** The three extension points a method can be. */
    public enum Kind {
        /** Sets the task weights from the losses ({@code LossWeighting}). */
        LOSS_WEIGHTING,
        /** Combines the per-task gradients of the shared parameters ({@code GradientAggregator}). */
        GRADIENT_AGGREGATOR,
        /** How tasks share parameters below their heads ({@code SharingMode}). */
        SHARING_MODE;

        /** For people, e.g. {@code gradient aggregator}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    /** Validates the name and copies the sets. */
    public MethodInfo {
        if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("Method name '" + name + "' of " + type + ": expected lower case letters, digits "
                    + "and dashes, e.g. 'cross-stitch'.");
        }
        needs = Set.copyOf(needs);
        offers = Set.copyOf(offers);
        if (weighting != null && (kind != Kind.GRADIENT_AGGREGATOR || weighting.kind() != Kind.LOSS_WEIGHTING
                || weighting.weighting() != null)) {
            throw new IllegalArgumentException("Method '" + name + "': only a gradient aggregator can be paired with a loss"
                    + " weighting, received a " + kind.label() + " with the " + weighting.kind().label() + " '" + weighting.name() + "'.");
        }
    }

    /** A loss weighting needing {@code needs}. */
    public static <T> MethodInfo<T> lossWeighting(String name, Class<? extends T> type, Function<MethodOptions, ? extends T> factory,
                                                  Need... needs) {
        return new MethodInfo<>(name, Kind.LOSS_WEIGHTING, type, set(needs), Set.of(), factory, null);
    }

    /** A gradient aggregator: it needs {@link Need#TASK_GRADIENTS} by definition, and {@code needs} besides. */
    public static <T> MethodInfo<T> gradientAggregator(String name, Class<? extends T> type,
                                                       Function<MethodOptions, ? extends T> factory, Need... needs) {
        Set<Need> all = set(needs);
        all.add(Need.TASK_GRADIENTS);
        return new MethodInfo<>(name, Kind.GRADIENT_AGGREGATOR, type, all, Set.of(), factory, null);
    }

    /** A sharing mode with no needs that offers nothing; see {@link #needing} and {@link #offering}. */
    public static <T> MethodInfo<T> sharingMode(String name, Class<? extends T> type, Function<MethodOptions, ? extends T> factory) {
        return new MethodInfo<>(name, Kind.SHARING_MODE, type, Set.of(), Set.of(), factory, null);
    }

    /** This method under another name (a variant of the same class, e.g. {@code cascade} of hard sharing). */
    public MethodInfo<T> renamed(String newName) {
        return new MethodInfo<>(newName, kind, type, needs, offers, factory, weighting);
    }

    /** This method also needing {@code more}. */
    public MethodInfo<T> needing(Need... more) {
        Set<Need> all = set(more);
        all.addAll(needs);
        return new MethodInfo<>(name, kind, type, all, offers, factory, weighting);
    }

    /** This sharing mode offering {@code more}. */
    public MethodInfo<T> offering(Need... more) {
        Set<Need> all = set(more);
        all.addAll(offers);
        return new MethodInfo<>(name, kind, type, needs, all, factory, weighting);
    }

    /**
     * This gradient aggregator paired with the loss weighting its paper trains it with (IMTL = IMTL-L + IMTL-G): one name
     * then gives both, and the needs are those of both. Give the pair its own name with {@link #renamed} first.
     */
    public MethodInfo<T> withWeighting(MethodInfo<?> lossWeighting) {
        Set<Need> all = set();
        all.addAll(needs);
        all.addAll(lossWeighting.needs());
        return new MethodInfo<>(name, kind, type, all, offers, factory, lossWeighting);
    }

    /** Whether the method needs {@code need}. */
    public boolean needs(Need need) {
        return needs.contains(need);
    }

    /** Whether the sharing mode offers {@code need}. */
    public boolean offers(Need need) {
        return offers.contains(need);
    }

    /** A fresh instance. */
    public T create(MethodOptions options) {
        return factory.apply(options);
    }

    private static Set<Need> set(Need... needs) {
        Set<Need> set = EnumSet.noneOf(Need.class);
        set.addAll(Set.of(needs));
        return set;
    }
}
