package io.github.mtldl4j.registry;

import io.github.mtldl4j.gradient.AlignedMtl;
import io.github.mtldl4j.gradient.CaGrad;
import io.github.mtldl4j.gradient.ConFig;
import io.github.mtldl4j.gradient.DbMtl;
import io.github.mtldl4j.gradient.DualProj;
import io.github.mtldl4j.gradient.ExcessMtl;
import io.github.mtldl4j.gradient.FairGrad;
import io.github.mtldl4j.gradient.GradDrop;
import io.github.mtldl4j.gradient.GradVac;
import io.github.mtldl4j.gradient.GradientAggregator;
import io.github.mtldl4j.gradient.ImtlG;
import io.github.mtldl4j.gradient.MgdaUb;
import io.github.mtldl4j.gradient.MoCo;
import io.github.mtldl4j.gradient.MoDo;
import io.github.mtldl4j.gradient.NashMtl;
import io.github.mtldl4j.gradient.PcGrad;
import io.github.mtldl4j.gradient.SdmGrad;
import io.github.mtldl4j.gradient.SumAggregator;
import io.github.mtldl4j.gradient.UpGrad;
import io.github.mtldl4j.graph.Aitm;
import io.github.mtldl4j.graph.ConvolutionalTrunk;
import io.github.mtldl4j.graph.CrossStitch;
import io.github.mtldl4j.graph.Esmm;
import io.github.mtldl4j.graph.HardSharing;
import io.github.mtldl4j.graph.IndependentTowers;
import io.github.mtldl4j.graph.MixtureOfExperts;
import io.github.mtldl4j.graph.SharingMode;
import io.github.mtldl4j.methods.MethodInfo;
import io.github.mtldl4j.methods.MethodInfo.Kind;
import io.github.mtldl4j.methods.MethodOptions;
import io.github.mtldl4j.methods.Need;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.Famo;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GeometricLossStrategy;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.ImtlL;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.RandomLossWeighting;
import io.github.mtldl4j.weighting.SmoothTchebycheff;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Every method the command line and the tabular pipeline know, by name: one line per method, each the
 * {@link MethodInfo} its class declares. Names, help texts, validation and what data-parallel training supports
 * all follow from these lists; {@code MethodRegistryTest} fails, naming the line to add, for a class left out.
 */
public final class MethodRegistry {

    /**
     * IMTL as published (Liu et al., "Towards Impartial Multi-task Learning", ICLR 2021): IMTL-L's learned loss scales
     * and IMTL-G's gradient balance on the scaled losses, under one name; {@code imtl} stays IMTL-G alone.
     */
    public static final MethodInfo<GradientAggregator> IMTL_HYBRID = ImtlG.INFO.renamed("imtl-hybrid").withWeighting(ImtlL.INFO);

    /** {@code --weighting} loss weightings, in help order. */
    public static final List<MethodInfo<LossWeighting>> LOSS_WEIGHTINGS = List.of(
            FixedWeighting.INFO,
            UncertaintyWeighting.INFO,
            DynamicWeightAverage.INFO,
            RandomLossWeighting.INFO,
            GradNorm.INFO,
            Famo.INFO,
            GeometricLossStrategy.INFO,
            ImtlL.INFO,
            SmoothTchebycheff.INFO);

    /** {@code --weighting} gradient aggregators (used with fixed loss weights), in help order. */
    public static final List<MethodInfo<GradientAggregator>> GRADIENT_AGGREGATORS = List.of(
            SumAggregator.INFO,
            PcGrad.INFO,
            MgdaUb.INFO,
            CaGrad.INFO,
            ImtlG.INFO,
            UpGrad.INFO,
            AlignedMtl.INFO,
            AlignedMtl.UB_INFO,
            ConFig.INFO,
            NashMtl.INFO,
            DualProj.INFO,
            GradVac.INFO,
            IMTL_HYBRID,
            FairGrad.INFO,
            DbMtl.INFO,
            ExcessMtl.INFO,
            MoCo.INFO,
            GradDrop.INFO,
            SdmGrad.INFO,
            MoDo.INFO);

    /** {@code --arch} sharing modes, in help order. */
    public static final List<MethodInfo<SharingMode>> SHARING_MODES = List.of(
            HardSharing.INFO,
            IndependentTowers.INFO,
            HardSharing.CASCADE_INFO,
            Esmm.INFO,
            Aitm.INFO,
            MixtureOfExperts.MMOE,
            MixtureOfExperts.OMOE,
            MixtureOfExperts.CGC,
            MixtureOfExperts.PLE,
            MixtureOfExperts.DSELECT_K,
            CrossStitch.INFO);

    /** Sharing modes with no command-line name: they need settings a table does not give (image shapes). */
    public static final Set<Class<? extends SharingMode>> LIBRARY_ONLY = Set.of(ConvolutionalTrunk.class);

    private MethodRegistry() {
    }

    /** Every {@code --weighting} name: the loss weightings, then the gradient aggregators. */
    public static List<String> weightingNames() {
        return Stream.concat(LOSS_WEIGHTINGS.stream(), GRADIENT_AGGREGATORS.stream()).map(MethodInfo::name).toList();
    }

    /** Every {@code --arch} name. */
    public static List<String> architectureNames() {
        return SHARING_MODES.stream().map(MethodInfo::name).toList();
    }

    /**
     * The loss weighting or gradient aggregator called {@code name}.
     *
     * @throws IllegalArgumentException naming the registered names if there is none
     */
    public static MethodInfo<?> method(String name) {
        return Stream.concat(LOSS_WEIGHTINGS.stream(), GRADIENT_AGGREGATORS.stream()).filter(m -> m.name().equals(name))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown weighting '" + name + "'; expected one of "
                        + weightingNames() + "."));
    }

    /**
     * The sharing mode called {@code name}.
     *
     * @throws IllegalArgumentException naming the registered names if there is none
     */
    public static MethodInfo<SharingMode> architecture(String name) {
        return SHARING_MODES.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "unknown architecture '" + name + "'; expected one of " + architectureNames() + "."));
    }

    /**
     * The loss weighting {@code name} stands for: for a gradient aggregator's name the weighting its paper pairs it with
     * ({@code imtl-hybrid}: IMTL-L), else {@code fixed} with {@code weights}.
     */
    public static LossWeighting weighting(String name, Map<String, Double> weights) {
        MethodInfo<?> method = method(name);
        MethodOptions options = MethodOptions.withWeights(weights);
        if (method.kind() == Kind.LOSS_WEIGHTING) {
            return (LossWeighting) method.create(options);
        }
        return method.weighting() != null ? (LossWeighting) method.weighting().create(options) : FixedWeighting.INFO.create(options);
    }

    /** The gradient aggregator {@code name} stands for, or null for a loss weighting's name. */
    public static GradientAggregator aggregator(String name) {
        MethodInfo<?> method = method(name);
        return method.kind() == Kind.GRADIENT_AGGREGATOR ? (GradientAggregator) method.create(MethodOptions.DEFAULTS) : null;
    }

    /** The registered loss weighting implemented by {@code type}, if any (classes registered once per kind). */
    public static Optional<MethodInfo<LossWeighting>> lossWeightingOf(Class<?> type) {
        return LOSS_WEIGHTINGS.stream().filter(m -> m.type() == type).findFirst();
    }

    /** The {@code --weighting} names whose methods satisfy {@code test}, in registry order. */
    public static List<String> weightingNames(Predicate<MethodInfo<?>> test) {
        return Stream.concat(LOSS_WEIGHTINGS.stream(), GRADIENT_AGGREGATORS.stream()).filter(test).map(MethodInfo::name).toList();
    }

    /** The {@code --arch} names that offer {@code need}, in registry order. */
    public static List<String> architecturesOffering(Need need) {
        return SHARING_MODES.stream().filter(m -> m.offers(need)).map(MethodInfo::name).toList();
    }

    /** {@code a, b or c}: names for a message. */
    public static String either(List<String> names) {
        int last = names.size() - 1;
        return last <= 0 ? String.join("", names) : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
    }
}
