package io.github.mtldl4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mtldl4j.task.TaskType;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Metrics against values computed by hand from tiny examples; masked rows hold garbage that must not count. */
class TaskEvaluatorTest {
    private static final double EXACT = 1e-12;
    private static final double GARBAGE = 1e6;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static INDArray m(double[][] values) {
        return Nd4j.create(values);
    }

    private static INDArray column(double... values) {
        double[][] out = new double[values.length][1];
        for (int i = 0; i < values.length; i++) {
            out[i][0] = values[i];
        }
        return Nd4j.create(out);
    }

    private static Map<String, Double> evaluate(TaskType type, int width, INDArray labels, INDArray predictions, INDArray mask) {
        TaskEvaluator evaluator = new TaskEvaluator(type, width);
        evaluator.add(labels, predictions, mask);
        return evaluator.metrics();
    }

    @Test
    void flatOfCopiesViewsAndFortranOrderArraysElementByElementInRowMajorOrder() {
        INDArray fortran = Nd4j.create(new double[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}).dup('f');
        INDArray columnView = fortran.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        double[] rows = TaskEvaluator.flatOf(columnView.castTo(DataType.FLOAT));
        assertEquals(List.of(5.0, 6.0, 8.0, 9.0), java.util.Arrays.stream(rows).boxed().toList());
    }

    @Test
    void regressionByHandWithAMaskedGarbageRow() {
        // Row 3 is masked; its label is garbage. Column 0: labels 1,2,3,6 (mean 3), predictions 2,2,5,5, errors 1,0,2,-1.
        // Column 1: labels 10,20,30,40 (mean 25), predictions 10,22,30,37, errors 0,2,0,-3.
        INDArray labels = m(new double[][] {{1, 10}, {2, 20}, {3, 30}, {GARBAGE, Double.NaN}, {6, 40}});
        INDArray predictions = m(new double[][] {{2, 10}, {2, 22}, {5, 30}, {0, 0}, {5, 37}});
        INDArray mask = column(1, 1, 1, 0, 1);
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.REGRESSION, 2);
        evaluator.add(labels, predictions, mask);
        Map<String, Double> metrics = evaluator.metrics();

        // SSE 6 and 13, SAE 4 and 5, n = 4; SST (1-3)^2+(2-3)^2+0+(6-3)^2 = 14 and 15^2+5^2+5^2+15^2 = 500.
        assertEquals(List.of("rmse", "mae", "r2"), List.copyOf(metrics.keySet()));
        assertEquals((Math.sqrt(6.0 / 4) + Math.sqrt(13.0 / 4)) / 2, metrics.get("rmse"), EXACT);
        assertEquals((4.0 / 4 + 5.0 / 4) / 2, metrics.get("mae"), EXACT);
        assertEquals(((1 - 6.0 / 14) + (1 - 13.0 / 500)) / 2, metrics.get("r2"), EXACT);
        assertEquals(4, evaluator.count());

        // The same rows without the garbage row and without a mask give the same metrics.
        Map<String, Double> unmasked = evaluate(TaskType.REGRESSION, 2, m(new double[][] {{1, 10}, {2, 20}, {3, 30}, {6, 40}}),
                m(new double[][] {{2, 10}, {2, 22}, {5, 30}, {5, 37}}), null);
        assertMetricsEqual(unmasked, metrics);
    }

    @Test
    void regressionPerOutputMaskSkipsSingleValues() {
        // Column 0 has row 1 masked (garbage NaN); column 1 has every row. Column 0: labels 1,3 predictions 2,3.
        INDArray labels = m(new double[][] {{1, 10}, {Double.NaN, 20}, {3, 30}});
        INDArray predictions = m(new double[][] {{2, 11}, {9, 20}, {3, 27}});
        INDArray mask = m(new double[][] {{1, 1}, {0, 1}, {1, 1}});
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.REGRESSION, 2);
        evaluator.add(labels, predictions, mask);
        Map<String, Double> metrics = evaluator.metrics();
        // Column 0: SSE 1, n 2, SST 2. Column 1: errors 1,0,-3, SSE 10, SAE 4, n 3, SST 200.
        assertEquals((Math.sqrt(1.0 / 2) + Math.sqrt(10.0 / 3)) / 2, metrics.get("rmse"), EXACT);
        assertEquals((1.0 / 2 + 4.0 / 3) / 2, metrics.get("mae"), EXACT);
        assertEquals(((1 - 1.0 / 2) + (1 - 10.0 / 200)) / 2, metrics.get("r2"), EXACT);
        assertEquals(3, evaluator.count(), "a row with one labelled output counts");
    }

    @Test
    void r2IsExactForLabelsFarFromZeroAndNaNForConstantLabels() {
        // Labels 1e8 + 1..4 (SST 5), one error of 1: r2 = 1 - 1/5. DL4J's own rSquared gives 0.875 here.
        Map<String, Double> offset = evaluate(TaskType.REGRESSION, 1, column(1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4),
                column(1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 3), null);
        assertEquals(0.8, offset.get("r2"), 1e-9);

        Map<String, Double> constant = evaluate(TaskType.REGRESSION, 1, column(0.1, 0.1, 0.1), column(0.2, 0.1, 0.1), null);
        assertTrue(Double.isNaN(constant.get("r2")), "r2 of constant labels is undefined: " + constant);
        assertEquals(Math.sqrt(0.01 / 3), constant.get("rmse"), EXACT);
    }

    @Test
    void binaryByHandWithAMaskedGarbageRow() {
        // label, probability: TP (1, .9), FP (0, .6), FN (1, .4), TN (0, .4), TP (1, .7), FP (0, .55); row 6 masked.
        INDArray labels = column(1, 0, 1, 0, 1, 0, GARBAGE);
        INDArray predictions = column(0.9, 0.6, 0.4, 0.4, 0.7, 0.55, 0.99);
        INDArray mask = column(1, 1, 1, 1, 1, 1, 0);
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.BINARY, 1);
        evaluator.add(labels, predictions, mask);
        Map<String, Double> metrics = evaluator.metrics();

        assertEquals(List.of("accuracy", "auc", "f1"), List.copyOf(metrics.keySet()));
        assertEquals(3.0 / 6, metrics.get("accuracy"), EXACT);
        assertEquals(2.0 * 2 / (2 * 2 + 2 + 1), metrics.get("f1"), EXACT);
        // Positives .9 .4 .7 against negatives .6 .4 .55: .9 beats 3, .4 ties one (1/2), .7 beats 3 -> 6.5 / 9.
        assertEquals(6.5 / 9, metrics.get("auc"), EXACT);
        assertEquals(pairCountingAuc(new double[] {1, 0, 1, 0, 1, 0}, new double[] {0.9, 0.6, 0.4, 0.4, 0.7, 0.55}),
                metrics.get("auc"), EXACT);
        assertEquals(6, evaluator.count());
    }

    @Test
    void tiedScoresCountOneHalfWhateverTheRowOrder() {
        // Positives .6 .4, negatives .4 .2: 3 pairs concordant and one tie -> 3.5 / 4. DL4J's exact ROC gives 1.0 or 0.75.
        Map<String, Double> positiveFirst = evaluate(TaskType.BINARY, 1, column(1, 1, 0, 0), column(0.6, 0.4, 0.4, 0.2), null);
        Map<String, Double> negativeFirst = evaluate(TaskType.BINARY, 1, column(0, 0, 1, 1), column(0.4, 0.2, 0.6, 0.4), null);
        assertEquals(0.875, positiveFirst.get("auc"), EXACT);
        assertEquals(0.875, negativeFirst.get("auc"), EXACT);
    }

    @Test
    void binaryThresholdIsStrictlyAboveOneHalf() {
        Map<String, Double> metrics = evaluate(TaskType.BINARY, 1, column(1, 0), column(0.5, 0.5), null);
        assertEquals(0.5, metrics.get("accuracy"), EXACT, "0.5 is predicted negative");
        assertEquals(0.0, metrics.get("f1"), EXACT, "TP 0, FN 1");
    }

    @Test
    void binaryUndefinedMetricsAreNaN() {
        Map<String, Double> onlyNegatives = evaluate(TaskType.BINARY, 1, column(0, 0, 0), column(0.1, 0.2, 0.3), null);
        assertEquals(1.0, onlyNegatives.get("accuracy"), EXACT);
        assertTrue(Double.isNaN(onlyNegatives.get("auc")), "AUC needs both classes");
        assertTrue(Double.isNaN(onlyNegatives.get("f1")), "no positive label and no positive prediction: 0/0");

        Map<String, Double> onlyPositives = evaluate(TaskType.BINARY, 1, column(1, 1), column(0.9, 0.2), null);
        assertTrue(Double.isNaN(onlyPositives.get("auc")));
        assertEquals(2.0 / 3, onlyPositives.get("f1"), EXACT);
    }

    @Test
    void multiclassByHandWithAMaskedGarbageRow() {
        // actual -> predicted: 0->0, 0->1, 1->1, 2->1, 2->2, 0->0; row 6 masked with a garbage label.
        INDArray labels = m(new double[][] {{1, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 1}, {1, 0, 0}, {GARBAGE, 5, -3}});
        INDArray predictions = m(new double[][] {{.7, .2, .1}, {.3, .6, .1}, {.2, .5, .3}, {.1, .5, .4}, {.1, .1, .8}, {.5, .4, .1},
            {.1, .1, .8}});
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.MULTICLASS, 3);
        evaluator.add(labels, predictions, column(1, 1, 1, 1, 1, 1, 0));
        Map<String, Double> metrics = evaluator.metrics();
        // Class 0: TP 2, FP 0, FN 1 -> 4/5. Class 1: TP 1, FP 2, FN 0 -> 2/4. Class 2: TP 1, FP 0, FN 1 -> 2/3.
        assertEquals(List.of("accuracy", "macro_f1"), List.copyOf(metrics.keySet()));
        assertEquals(4.0 / 6, metrics.get("accuracy"), EXACT);
        assertEquals((4.0 / 5 + 2.0 / 4 + 2.0 / 3) / 3, metrics.get("macro_f1"), EXACT);
        assertEquals(6, evaluator.count());
    }

    @Test
    void macroF1CountsEveryClassThatOccurs() {
        // Always predicting class 0 on labels 0,1,2,0: class 0 F1 = 4/6, classes 1 and 2 occur but are never
        // predicted, F1 0 (DL4J's f1(Macro) leaves them out and reports 2/3).
        INDArray always0 = m(new double[][] {{.8, .1, .1}, {.8, .1, .1}, {.8, .1, .1}, {.8, .1, .1}});
        Map<String, Double> metrics = evaluate(TaskType.MULTICLASS, 3,
                m(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 0}}), always0, null);
        assertEquals((4.0 / 6 + 0 + 0) / 3, metrics.get("macro_f1"), EXACT);

        // Two classes: the mean of both classes' F1 (DL4J's f1(Macro) returns class 1's alone, 4/5).
        Map<String, Double> two = evaluate(TaskType.MULTICLASS, 2, m(new double[][] {{1, 0}, {1, 0}, {0, 1}, {0, 1}}),
                m(new double[][] {{.9, .1}, {.4, .6}, {.2, .8}, {.3, .7}}), null);
        assertEquals((2.0 / 3 + 4.0 / 5) / 2, two.get("macro_f1"), EXACT);

        // A class that never occurs and is never predicted has no F1 and is left out: classes 0 and 1 are perfect.
        Map<String, Double> absent = evaluate(TaskType.MULTICLASS, 3, m(new double[][] {{1, 0, 0}, {0, 1, 0}}),
                m(new double[][] {{.8, .1, .1}, {.1, .8, .1}}), null);
        assertEquals(1.0, absent.get("macro_f1"), EXACT);
    }

    @Test
    void multilabelByHandWithAMaskedGarbageRow() {
        INDArray labels = m(new double[][] {{1, 0, 1}, {0, 1, 0}, {1, 1, 0}, {Double.NaN, GARBAGE, 7}, {0, 0, 1}});
        INDArray predictions = m(new double[][] {{.9, .2, .3}, {.7, .8, .1}, {.6, .4, .2}, {.9, .9, .9}, {.1, .3, .8}});
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.MULTILABEL, 3);
        evaluator.add(labels, predictions, column(1, 1, 1, 0, 1));
        Map<String, Double> metrics = evaluator.metrics();
        // Label 0: TP 2 (rows 0, 2), FP 1 (row 1), TN 1 -> F1 4/5. Label 1: TP 1 (row 1), FN 1 (row 2) -> 2/3.
        // Label 2: TP 1 (row 4), FN 1 (row 0) -> 2/3. Pooled: TP 4, FP 1, FN 2 -> 8/11. Wrong bits 3 of 12.
        assertEquals(List.of("micro_f1", "macro_f1", "hamming_loss"), List.copyOf(metrics.keySet()));
        assertEquals(8.0 / 11, metrics.get("micro_f1"), EXACT);
        assertEquals((4.0 / 5 + 2.0 / 3 + 2.0 / 3) / 3, metrics.get("macro_f1"), EXACT);
        assertEquals(3.0 / 12, metrics.get("hamming_loss"), EXACT);
        assertEquals(4, evaluator.count());
    }

    @Test
    void multilabelPerOutputMaskSkipsSingleBits() {
        // As above without the garbage row, but with bit (0, 2) (an FN) and bit (1, 1) (a TP) masked and garbage,
        // and a last row whose bits are all masked.
        INDArray labels = m(new double[][] {{1, 0, Double.NaN}, {0, GARBAGE, 0}, {1, 1, 0}, {0, 0, 1}, {5, 5, 5}});
        INDArray predictions = m(new double[][] {{.9, .2, .3}, {.7, .8, .1}, {.6, .4, .2}, {.1, .3, .8}, {.9, .9, .9}});
        INDArray mask = m(new double[][] {{1, 1, 0}, {1, 0, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}});
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.MULTILABEL, 3);
        evaluator.add(labels, predictions, mask);
        Map<String, Double> metrics = evaluator.metrics();
        // Label 0: TP 2, FP 1, TN 1 -> 4/5. Label 1: FN 1 (row 2), TN 2 -> 0. Label 2: TP 1, TN 2 -> 1.
        // Pooled: TP 3, FP 1, FN 1 -> 6/8. Wrong bits 2 of 10.
        assertEquals(6.0 / 8, metrics.get("micro_f1"), EXACT);
        assertEquals((4.0 / 5 + 0 + 1) / 3, metrics.get("macro_f1"), EXACT);
        assertEquals(2.0 / 10, metrics.get("hamming_loss"), EXACT);
        assertEquals(4, evaluator.count(), "the all-masked row does not count");
    }

    @Test
    void multilabelLabelWithoutAnyPositiveIsLeftOutOfMacroF1() {
        // Label 1 is never 1 and never predicted: F1 0/0, left out. Label 0 is perfect.
        Map<String, Double> metrics = evaluate(TaskType.MULTILABEL, 2, m(new double[][] {{1, 0}, {0, 0}}),
                m(new double[][] {{.9, .1}, {.2, .3}}), null);
        assertEquals(1.0, metrics.get("macro_f1"), EXACT);
        assertEquals(1.0, metrics.get("micro_f1"), EXACT);
        assertEquals(0.0, metrics.get("hamming_loss"), EXACT);

        Map<String, Double> allNegative = evaluate(TaskType.MULTILABEL, 2, m(new double[][] {{0, 0}}), m(new double[][] {{.2, .3}}), null);
        assertTrue(Double.isNaN(allNegative.get("macro_f1")) && Double.isNaN(allNegative.get("micro_f1")), allNegative.toString());
        assertEquals(0.0, allNegative.get("hamming_loss"), EXACT);
    }

    @Test
    void twoBatchesEqualOneBatchWithAllRows() {
        Random random = new Random(3);
        for (TaskType type : TaskType.values()) {
            int width = switch (type) {
                case BINARY -> 1;
                case REGRESSION -> 2;
                default -> 4;
            };
            int rows = 30;
            double[][] labels = new double[rows][width];
            double[][] predictions = new double[rows][width];
            double[][] mask = new double[rows][1];
            for (int r = 0; r < rows; r++) {
                int hot = random.nextInt(width);
                double sum = 0;
                for (int c = 0; c < width; c++) {
                    labels[r][c] = switch (type) {
                        case REGRESSION -> random.nextGaussian() * 3 + 10;
                        case MULTICLASS -> c == hot ? 1 : 0;
                        default -> random.nextBoolean() ? 1 : 0;
                    };
                    predictions[r][c] = type == TaskType.REGRESSION ? random.nextGaussian() * 3 + 10 : random.nextDouble();
                    sum += predictions[r][c];
                }
                if (type == TaskType.MULTICLASS) {
                    for (int c = 0; c < width; c++) {
                        predictions[r][c] /= sum;
                    }
                }
                mask[r][0] = random.nextInt(5) == 0 ? 0 : 1;
                if (mask[r][0] == 0) {
                    labels[r][0] = GARBAGE;
                }
            }
            TaskEvaluator whole = new TaskEvaluator(type, width);
            whole.add(m(labels), m(predictions), m(mask));
            TaskEvaluator split = new TaskEvaluator(type, width);
            int cut = 13;
            split.add(m(labels).get(interval(0, cut)), m(predictions).get(interval(0, cut)), m(mask).get(interval(0, cut)));
            split.add(m(labels).get(interval(cut, rows)), m(predictions).get(interval(cut, rows)), m(mask).get(interval(cut, rows)));
            assertEquals(whole.count(), split.count(), type.toString());
            assertMetricsEqual(whole.metrics(), split.metrics());
            whole.metrics().forEach((name, value) -> assertFalse(Double.isNaN(value), type + " " + name + " is NaN"));
        }
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] interval(int from, int to) {
        return new org.nd4j.linalg.indexing.INDArrayIndex[] {
            org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to), org.nd4j.linalg.indexing.NDArrayIndex.all()};
    }

    @Test
    void nothingLabelledGivesNaNAndCountZero() {
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.REGRESSION, 2);
        assertEquals(0, evaluator.count());
        evaluator.metrics().values().forEach(v -> assertTrue(Double.isNaN(v)));
        // An all-masked batch is accepted (DL4J's RegressionEvaluation throws a NullPointerException on it).
        evaluator.add(m(new double[][] {{1, 2}, {3, 4}}), m(new double[][] {{1, 2}, {3, 4}}), column(0, 0));
        assertEquals(0, evaluator.count());
        assertEquals(List.of("rmse", "mae", "r2"), List.copyOf(evaluator.metrics().keySet()));
        evaluator.metrics().values().forEach(v -> assertTrue(Double.isNaN(v)));
        for (TaskType type : TaskType.values()) {
            int width = type == TaskType.BINARY ? 1 : 3;
            TaskEvaluator empty = new TaskEvaluator(type, width);
            assertEquals(TaskEvaluator.metricNames(type), List.copyOf(empty.metrics().keySet()));
            empty.metrics().values().forEach(v -> assertTrue(Double.isNaN(v), type.toString()));
        }
    }

    @Test
    void floatArraysAreAccepted() {
        TaskEvaluator evaluator = new TaskEvaluator(TaskType.BINARY, 1);
        evaluator.add(Nd4j.create(new float[][] {{1}, {0}}), Nd4j.create(new float[][] {{0.75f}, {0.25f}}),
                Nd4j.create(new float[][] {{1}, {1}}));
        assertEquals(1.0, evaluator.metrics().get("accuracy"), EXACT);
        assertEquals(1.0, evaluator.metrics().get("auc"), EXACT);
    }

    @Test
    void mainMetricsAndDirections() {
        assertEquals("rmse", TaskEvaluator.mainMetric(TaskType.REGRESSION));
        assertEquals("auc", TaskEvaluator.mainMetric(TaskType.BINARY));
        assertEquals("accuracy", TaskEvaluator.mainMetric(TaskType.MULTICLASS));
        assertEquals("micro_f1", TaskEvaluator.mainMetric(TaskType.MULTILABEL));
        for (String lower : List.of("rmse", "mae", "hamming_loss", "loss")) {
            assertTrue(TaskEvaluator.lowerIsBetter(lower), lower);
        }
        for (String higher : List.of("r2", "accuracy", "auc", "f1", "macro_f1", "micro_f1")) {
            assertFalse(TaskEvaluator.lowerIsBetter(higher), higher);
        }
        for (TaskType type : TaskType.values()) {
            TaskEvaluator.metricNames(type).forEach(TaskEvaluator::lowerIsBetter);
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> TaskEvaluator.lowerIsBetter("RMSE"));
        assertTrue(unknown.getMessage().contains("'RMSE'") && unknown.getMessage().contains("hamming_loss"), unknown.getMessage());
    }

    @Test
    void refusesWidthsThatDoNotFitTheType() {
        assertThrows(IllegalArgumentException.class, () -> new TaskEvaluator(TaskType.BINARY, 2));
        assertThrows(IllegalArgumentException.class, () -> new TaskEvaluator(TaskType.MULTICLASS, 1));
        assertThrows(IllegalArgumentException.class, () -> new TaskEvaluator(TaskType.REGRESSION, 0));
        assertThrows(NullPointerException.class, () -> new TaskEvaluator(null, 1));
    }

    @Test
    void refusesBadBatchesNamingRowAndColumnAndCountsNothingOfThem() {
        TaskEvaluator binary = new TaskEvaluator(TaskType.BINARY, 1);
        assertRefused("0 or 1", "row 1", () -> binary.add(column(1, 0.5), column(0.2, 0.3), null));
        assertRefused("[0, 1]", "row 0", () -> binary.add(column(1, 0), column(2.5, 0.3), null));
        assertRefused("finite", "row 1", () -> binary.add(column(1, Double.NaN), column(0.2, 0.3), null));
        assertRefused("finite", "row 0", () -> binary.add(column(1, 0), column(Double.NaN, 0.3), null));
        assertRefused("Mask values", "row 0", () -> binary.add(column(1, 0), column(0.2, 0.3), column(0.5, 1)));
        assertRefused("[2, 1]", "[3, 1]", () -> binary.add(column(1, 0), column(0.2, 0.3), column(1, 1, 1)));
        assertRefused("[N, 1]", "[2, 2]", () -> binary.add(m(new double[][] {{1, 0}, {0, 1}}), column(0.2, 0.3), null));
        assertRefused("same number of rows", "[3, 1]", () -> binary.add(column(1, 0), column(0.2, 0.3, 0.4), null));
        assertEquals(0, binary.count());

        TaskEvaluator multiclass = new TaskEvaluator(TaskType.MULTICLASS, 2);
        assertRefused("one-hot", "row 1", () -> multiclass.add(m(new double[][] {{1, 0}, {1, 1}}), m(new double[][] {{.5, .5}, {.5, .5}}), null));
        assertRefused("per row", "[2, 2]", () -> multiclass.add(m(new double[][] {{1, 0}, {0, 1}}), m(new double[][] {{.5, .5}, {.5, .5}}),
                m(new double[][] {{1, 1}, {1, 1}})));

        TaskEvaluator regression = new TaskEvaluator(TaskType.REGRESSION, 2);
        assertRefused("finite", "column 1", () -> regression.add(m(new double[][] {{1, Double.POSITIVE_INFINITY}}), m(new double[][] {{1, 2}}), null));
        assertRefused("[1, 1]", "[1, 3]", () -> regression.add(m(new double[][] {{1, 2}}), m(new double[][] {{1, 2}}), m(new double[][] {{1, 1, 1}})));
        assertEquals(0, regression.count());
    }

    private static void assertRefused(String expected, String received, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains(received), e.getMessage());
    }

    static void assertMetricsEqual(Map<String, Double> expected, Map<String, Double> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        expected.forEach((name, value) -> assertEquals(value, actual.get(name), 1e-12, name));
    }

    /** AUC by its definition: the fraction of (positive, negative) pairs ranked right, ties counting 1/2. */
    private static double pairCountingAuc(double[] labels, double[] scores) {
        double concordant = 0;
        int pairs = 0;
        for (int i = 0; i < labels.length; i++) {
            for (int j = 0; j < labels.length; j++) {
                if (labels[i] == 1 && labels[j] == 0) {
                    pairs++;
                    concordant += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }
        return concordant / pairs;
    }
}
