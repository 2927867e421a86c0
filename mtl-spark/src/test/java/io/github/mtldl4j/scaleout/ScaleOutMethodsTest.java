package io.github.mtldl4j.scaleout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.model.MultiTaskModel;
import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.setting.Setting;
import io.github.mtldl4j.spark.DistributedTabularTraining;
import io.github.mtldl4j.spark.Penguins;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.weighting.DynamicWeightAverage;
import io.github.mtldl4j.weighting.FixedWeighting;
import io.github.mtldl4j.weighting.GradNorm;
import io.github.mtldl4j.weighting.LossWeighting;
import io.github.mtldl4j.weighting.UncertaintyWeighting;
import io.github.mtldl4j.weighting.WeightingContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScaleOutMethodsTest {

    @Test
    void perStepGradientMethodsAreRefusedNamingTheAlternatives() {
        for (String method : List.of("pcgrad", "mgda", "cagrad", "imtl", "upgrad", "sum", "gradnorm")) {
            // Parameter averaging (ParallelWrapper) refuses them; Spark runs them as synchronous gradient steps (below).
            for (Setting mode : List.of(TabularSetting.WORKERS)) {
                InvalidSettingException e = assertThrows(InvalidSettingException.class,
                        () -> ScaleOutMethods.weighting(method, Map.of(), mode), method);
                assertEquals(TabularSetting.WEIGHTING, e.setting());
                String api = mode == TabularSetting.SPARK ? "DistributedTabularTraining.OnSpark(master)" : "DistributedTabularTraining.OnWorkers(workers)";
                assertTrue(e.getMessage().startsWith("TabularTraining.Settings.method \"" + method + "\" needs every task's gradient at every step, "
                        + "which " + api + " does not have"), e.getMessage());
                assertTrue(e.getMessage().contains("use TabularTraining.Settings.method \"fixed\" or \"dwa\" with " + api), e.getMessage());
                assertTrue(e.getMessage().contains("on one machine without " + api + "."), e.getMessage());
                // A front end names the settings its own way, e.g. the command line's flags.
                String flag = mode == TabularSetting.SPARK ? "--spark" : "--workers";
                String cli = e.message(s -> s == TabularSetting.WEIGHTING ? "--weighting" : flag);
                assertTrue(cli.startsWith("--weighting " + method + " needs every task's gradient at every step, which " + flag), cli);
                assertTrue(cli.contains("use --weighting fixed or dwa with " + flag + ", or train " + method + " on one machine without "
                        + flag + "."), cli);
            }
        }
    }

    @Test
    void perStepMethodsRunOnSparkAsSynchronousGradientSteps() {
        for (String method : List.of("pcgrad", "mgda", "uncertainty", "rlw", "gradnorm", "cagrad", "gls", "stch", "db-mtl")) {
            assertTrue(ScaleOutMethods.stepsSynchronously(method), method);
            ScaleOutMethods.weighting(method, Map.of(), TabularSetting.SPARK);
        }
        for (String method : ScaleOutMethods.SUPPORTED) {
            assertTrue(!ScaleOutMethods.stepsSynchronously(method), method + " keeps parameter averaging");
        }
        // FAMO needs every batch's losses after the update too: a second pass per step, not run.
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> ScaleOutMethods.weighting("famo", Map.of(), TabularSetting.SPARK));
        assertEquals("--weighting famo needs every batch's losses after the update, a second pass over every worker's shard per step, "
                + "which --spark does not run; use another method with --spark, or train famo on one machine without --spark.",
                e.message(s -> s == TabularSetting.WEIGHTING ? "--weighting" : "--spark"));
    }

    @Test
    void perStepLossWeightingsAreRefused() {
        for (String method : List.of("uncertainty", "rlw")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScaleOutMethods.weighting(method, Map.of(), TabularSetting.WORKERS));
            assertTrue(e.getMessage().contains("updates its weights after every step") && e.getMessage().contains("\"fixed\" or \"dwa\""), e.getMessage());
        }
    }

    @Test
    void supportedFollowsFromTheDeclaredNeeds() {
        assertEquals(List.of("fixed", "dwa"), ScaleOutMethods.SUPPORTED);
        ScaleOutMethods.requireSupported(new FixedWeighting());
        ScaleOutMethods.requireSupported(new DynamicWeightAverage());
        // A class of the user's own is not registered, so its needs are unknown: refused, as before.
        LossWeighting custom = new LossWeighting() {
            @Override
            public String name() {
                return "custom";
            }

            @Override
            public void start(WeightingContext context) {
            }

            @Override
            public Map<String, Double> nextStepWeights() {
                return Map.of();
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScaleOutMethods.requireSupported(custom));
        assertEquals("Weighting 'custom' cannot run data-parallel: only fixed or dwa, whose weights change at most between epochs, "
                + "are supported (see ScaleOutMethods); train it with MultiTaskTrainer on one machine.", e.getMessage());
    }

    @Test
    void fixedAndDwaAreAccepted() {
        assertInstanceOf(FixedWeighting.class, ScaleOutMethods.weighting("fixed", Map.of("mass", 2.0), TabularSetting.SPARK));
        assertInstanceOf(DynamicWeightAverage.class, ScaleOutMethods.weighting("dwa", Map.of(), TabularSetting.WORKERS));
    }

    @Test
    void trainerAndPipelineRefuseBeforeTraining() {
        TabularPreprocessor preprocessor = TabularPreprocessor.fit(Penguins.table(), Penguins.tasks(), null, Set.of());
        MultiTaskModel model = TabularTraining.build(preprocessor, Penguins.settings("fixed", Map.of(), 1));
        ParallelWrapperBackend backend = new ParallelWrapperBackend(preprocessor.encode(Penguins.table()).data(), null, 2, 32, 1, 1);
        for (var weighting : List.of(new UncertaintyWeighting(), new GradNorm())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EpochwiseTrainer.builder(model, backend).weighting(weighting));
            assertTrue(e.getMessage().contains("cannot run data-parallel"), e.getMessage());
        }
        // Refused before a Spark context is started.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributedTabularTraining.train(Penguins.table(),
                null, Penguins.settings("famo", Map.of(), 1), new DistributedTabularTraining.OnSpark("local[2]", 5), null));
        assertTrue(e.getMessage().contains("DistributedTabularTraining.OnSpark(master)"), e.getMessage());
    }
}
