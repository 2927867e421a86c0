package io.github.mtldl4j.tabular.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.setting.InvalidSettingException;
import io.github.mtldl4j.tabular.TabularSetting;
import io.github.mtldl4j.tabular.data.CsvTable;
import io.github.mtldl4j.tabular.data.TabularPreprocessor;
import io.github.mtldl4j.tabular.data.TaskSpec;
import io.github.mtldl4j.tabular.pipeline.TabularTraining;
import io.github.mtldl4j.task.TaskType;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The tuner's nested split: held-out rows never reach selection, and the outcome is reported on them. */
class TabularTunerHeldOutTest {
    private static final List<TaskSpec> TASKS = List.of(new TaskSpec("y", TaskType.BINARY, List.of("y")),
            new TaskSpec("z", TaskType.REGRESSION, List.of("z")));
    private static final String POISON_LEVEL = "only-held-out";

    private static TabularTuner.Problem problem(double testFraction) {
        return new TabularTuner.Problem(TASKS, List.of("x", "g"), Set.of("g"), 16, 0.25, testFraction, 7);
    }

    /** Rows 0..n-1: id, x in [0, 1), g in {a, b}, a binary y (a quarter positive) and z from x; {@code poisoned} rows get x >= 1000 and a level of their own. */
    private static CsvTable table(int n, Set<Integer> poisoned) {
        Random random = new Random(3);
        StringBuilder csv = new StringBuilder("id,x,g,y,z\n");
        for (int i = 0; i < n; i++) {
            double x = random.nextDouble();
            String g = random.nextBoolean() ? "a" : "b";
            int y = i % 4 == 0 ? 1 : 0;
            double z = 2 * x + (g.equals("a") ? 1 : 0) + 0.1 * random.nextGaussian();
            if (poisoned.contains(i)) {
                x = 1000 + i;
                g = POISON_LEVEL;
            }
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%s,%d,%.6f%n", i, x, g, y, z));
        }
        return CsvTable.parse(csv.toString(), "held-out.csv");
    }

    private static Set<Integer> ids(CsvTable rows) {
        Set<Integer> ids = new TreeSet<>();
        int id = rows.column("id", "id");
        for (int r = 0; r < rows.rowCount(); r++) {
            ids.add(Integer.parseInt(rows.value(r, id)));
        }
        return ids;
    }

    @Test
    void holdOutCutsDisjointStratifiedSeededRows() {
        CsvTable table = table(200, Set.of());
        CsvTable[] cut = TabularTuner.holdOut(table, problem(0.2));
        Set<Integer> selection = ids(cut[0]);
        Set<Integer> heldOut = ids(cut[1]);
        assertEquals(40, heldOut.size());
        assertEquals(160, selection.size());
        Set<Integer> all = new HashSet<>(selection);
        all.addAll(heldOut);
        assertEquals(200, all.size(), "the two cuts are disjoint and cover the table");
        // stratified on y: a quarter of the held-out rows are positive (ids divisible by 4), as in the table
        assertEquals(10, heldOut.stream().filter(i -> i % 4 == 0).count());
        assertEquals(heldOut, ids(TabularTuner.holdOut(table, problem(0.2))[1]), "seeded");
        CsvTable[] none = TabularTuner.holdOut(table, problem(0));
        assertEquals(200, none[0].rowCount());
        assertEquals(0, none[1].rowCount());
    }

    @Test
    void heldOutRowsNeverReachSelectionAndTheOutcomeIsMeasuredOnThem() {
        // The cut depends on the row count, the stratifying labels and the seed, not on feature values: poison exactly
        // the rows it holds out with values that selection would betray (x >= 1000, a level of their own).
        Set<Integer> heldOutIds = ids(TabularTuner.holdOut(table(160, Set.of()), problem(0.2))[1]);
        CsvTable poisoned = table(160, heldOutIds);
        assertEquals(heldOutIds, ids(TabularTuner.holdOut(poisoned, problem(0.2))[1]));

        List<TabularTuner.Candidate> candidates = List.of(TabularTuner.DEFAULT,
                new TabularTuner.Candidate(1, "hard", "fixed", List.of(8), 0.03));
        TabularTuner.Outcome outcome = TabularTuner.tune(poisoned, problem(0.2), candidates, new SuccessiveHalving.Schedule(1, 2, 2), 600,
                null);

        TabularPreprocessor fitted = outcome.best().preprocessor();
        TabularPreprocessor.Feature x = fitted.features().stream().filter(f -> f.column().equals("x")).findFirst().orElseThrow();
        assertTrue(x.mean() < 1, "the preprocessing saw only selection rows: mean of x " + x.mean());
        TabularPreprocessor.Feature g = fitted.features().stream().filter(f -> f.column().equals("g")).findFirst().orElseThrow();
        assertFalse(g.levels().contains(POISON_LEVEL), "levels " + g.levels());

        TabularTuner.HeldOut heldOut = outcome.heldOut();
        assertNotNull(heldOut);
        assertEquals(heldOutIds.size(), heldOut.rows());
        assertEquals(2, heldOut.configurations());
        // the winner's held-out figures are its metrics on exactly those rows
        CsvTable heldOutRows = TabularTuner.holdOut(poisoned, problem(0.2))[1];
        Map<String, Double> expected = TabularTraining.evaluate(outcome.best().model(), fitted, fitted.encode(heldOutRows).data())
                .get("z").metrics();
        assertEquals(expected.get("rmse"), heldOut.winner().get("z").get("rmse"));
    }

    @Test
    void testFractionIsChecked() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> problem(0.6));
        assertEquals(TabularSetting.TEST_FRACTION, e.setting());
        assertEquals("TabularTuner.Problem.testFraction must be 0 (no held-out rows) or in (0, 0.5], received 0.6.", e.getMessage());
    }
}
