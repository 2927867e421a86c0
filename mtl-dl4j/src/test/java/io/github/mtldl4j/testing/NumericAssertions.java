package io.github.mtldl4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.mtldl4j.gradient.MgdaUb;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one way tests compare numbers that ND4J, BLAS or an optimizer computed (CONTRIBUTING.md, "Numeric tolerance
 * policy"). Results differ in the last bits between CPUs (Intel and AMD run other BLAS and libnd4j kernels) and thread
 * counts, so:
 * <ol>
 * <li><b>Identical operations compare bitwise</b> ({@link #assertIdentical}): the same code on the same inputs, a
 * save/load round trip, a seeded rerun, contributions that are exactly zero either way.</li>
 * <li><b>Two orders of the same arithmetic in one pass compare relatively</b> ({@link #assertClose} with
 * {@link #REORDERED}): a fused GEMM against separate ones, a hand-written formula against DL4J's, a direct pass against
 * {@code computeGradientAndScore}. One plain SGD step is linear in the gradient and belongs here too.</li>
 * <li><b>Comparisons through optimizer steps</b> use {@link #ADAM_STEPS} (Adam amplifies a difference in the last bits
 * of a gradient by up to lr/eps) or {@link #FRANK_WOLFE} (MGDA-UB's coefficients are only as accurate as its solver's
 * stopping rule); the test says which in a comment.</li>
 * </ol>
 * The relative difference of two arrays (or two {@code double[]}, or two scalars) is
 * {@code max_i |a_i - b_i| / max(max_i |a_i|, max_i |b_i|)}: the largest difference measured against the larger array's
 * largest magnitude, so an element that is near zero by cancellation is judged on its array's scale, not its own; two
 * all-zero arrays differ by 0. Compare each parameter or gradient block on its own scale (e.g. per parameter name).
 * <p>
 * Every tolerance holds with a margin: each cross-order comparison also passes when one side's inputs (initial
 * parameters or features) are perturbed by a relative {@link #PERTURBATION}, thousands of ulps, far more than any
 * reordering. Tests that compare two orders call {@link #perturbOneSide} on one side's inputs; it does nothing unless
 * the build runs with {@code -Dmtl.numeric.perturbation=1e-12}. {@code -Dmtl.numeric.report=true} prints each
 * relative comparison's observed difference.
 */
public final class NumericAssertions {
    /**
     * Rule 2, one pass in another order: a reordered sum of n terms moves by a few ulps (1e-16) of its largest term;
     * inputs perturbed by {@link #PERTURBATION} move the suite's outputs, scores and gradients by at most 3e-12 of their
     * scale (measured on an AMD EPYC). A wrong term or a missing factor shows at 1e-3 and above.
     */
    public static final double REORDERED = 1e-10;

    /**
     * Rule 3, after Adam steps: Adam's step {@code lr m / (sqrt(v) + eps)} passes a gradient difference on with a gain of
     * up to lr/eps (1e6 at lr 0.01, eps 1e-8) where a gradient element is near zero, so a few ulps of reordering can
     * become ~1e-10 per step, ~1e-9 over the ten or so steps these tests take, which is 1e-8 of parameters of size 0.1.
     * Measured: perturbed inputs stay below 1e-11 without MGDA-UB. A wrong step (an update of size lr) shows at 1e-2.
     */
    public static final double ADAM_STEPS = 1e-8;

    /**
     * Rule 3 for MGDA-UB, its coefficients and anything trained with them: Frank-Wolfe stops at a duality gap of
     * {@link MgdaUb#GAP_TOLERANCE} (1e-10) of the largest squared gradient norm, which bounds the combined direction's
     * error by {@code sqrt(1e-10) = 1e-5} of the largest gradient; two orders of one Gram matrix can stop at different
     * iterates within that bound (on an AMD EPYC one such stop made the 3.2e-10 of DirectTrainingStepTest; with perturbed
     * inputs coefficients near a vertex moved by 2.7e-7). The bound is on the scale of the largest gradient, so compare
     * MGDA-trained parameters as one vector, not block by block.
     */
    public static final double FRANK_WOLFE = Math.sqrt(MgdaUb.GAP_TOLERANCE);

    /**
     * Rule 2 for FLOAT networks (the benchmarks' models, Spark's predictions): float's ulp is 1.2e-7 of 1, and a reordered
     * dot product of a few hundred terms moves by ~1e-6 of its largest term. Measured: 1.6e-7 (a direct FLOAT pass's score
     * against fit's), 2.6e-9 (metrics of FLOAT predictions made in other batches).
     */
    public static final double FLOAT_REORDERED = 1e-5;

    /**
     * Rule 3 for FLOAT networks after a few Adam steps: float rounding (1e-7) passed on with Adam's gain of up to lr/eps
     * (1e5 at lr 1e-3) where a gradient element is small. Measured: 1.0e-5 after three steps of the benchmark models on
     * an AMD EPYC. A wrong step of size lr 1e-3 on a parameter of size ~1 shows at 1e-3.
     */
    public static final double FLOAT_ADAM_STEPS = 1e-4;

    /** The relative size of the perturbation that every cross-order comparison must survive (thousands of ulps). */
    public static final double PERTURBATION = 1e-12;

    private static final String PERTURBATION_PROPERTY = "mtl.numeric.perturbation";
    private static final String REPORT_PROPERTY = "mtl.numeric.report";

    private NumericAssertions() {
    }

    /** Rule 1: same shape and the same value in every element (NaN equals NaN; +0 equals -0). */
    public static void assertIdentical(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.ravel().toDoubleVector();
        double[] a = actual.ravel().toDoubleVector();
        for (int i = 0; i < e.length; i++) {
            if (!same(e[i], a[i])) {
                fail(what + ": element " + i + " is " + a[i] + ", expected exactly " + e[i]);
            }
        }
    }

    /** Rule 1 for scalars. */
    public static void assertIdentical(double expected, double actual, String what) {
        if (!same(expected, actual)) {
            fail(what + ": " + actual + ", expected exactly " + expected);
        }
    }

    /** Rule 1 for arrays keyed by name (parameter tables, predictions per task): same keys, each identical. */
    public static void assertIdentical(Map<String, INDArray> expected, Map<String, INDArray> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": keys");
        expected.forEach((key, value) -> assertIdentical(value, actual.get(key), what + " " + key));
    }

    private static boolean same(double a, double b) {
        return a == b || Double.isNaN(a) && Double.isNaN(b);
    }

    /** Rules 2 and 3: same shape and {@link #relativeDifference} at most {@code tolerance}. */
    public static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertClose(expected.ravel().toDoubleVector(), actual.ravel().toDoubleVector(), tolerance, what);
    }

    /** Rules 2 and 3 for arrays keyed by name: same keys, each on its own scale. */
    public static void assertClose(Map<String, INDArray> expected, Map<String, INDArray> actual, double tolerance, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": keys");
        expected.forEach((key, value) -> assertClose(value, actual.get(key), tolerance, what + " " + key));
    }

    /**
     * Rule 3 for MGDA-UB: arrays keyed by name compared as one vector (in the expected map's key order), on the scale of
     * the largest element of all, as {@link #FRANK_WOLFE}'s bound is.
     */
    public static void assertCloseAsOneVector(Map<String, INDArray> expected, Map<String, INDArray> actual, double tolerance,
            String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": keys");
        for (String key : expected.keySet()) {
            assertEquals(expected.get(key).length(), actual.get(key).length(), what + " " + key + ": length");
        }
        assertClose(expected.values().stream().flatMapToDouble(v -> Arrays.stream(v.ravel().toDoubleVector())).toArray(),
                expected.keySet().stream().flatMapToDouble(k -> Arrays.stream(actual.get(k).ravel().toDoubleVector())).toArray(),
                tolerance, what);
    }

    /** Rules 2 and 3 for a vector of doubles, measured on the vector's scale. */
    public static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double difference = relativeDifference(expected, actual);
        report(what, difference, tolerance);
        if (!(difference <= tolerance)) {
            fail(what + ": relative difference " + difference + " > " + tolerance + (expected.length <= 8
                    ? " (expected " + Arrays.toString(expected) + ", was " + Arrays.toString(actual) + ")" : ""));
        }
    }

    /** Rules 2 and 3 for scalars: {@code |a - b| <= tolerance * max(|a|, |b|)}. */
    public static void assertClose(double expected, double actual, double tolerance, String what) {
        double difference = relativeDifference(new double[] {expected}, new double[] {actual});
        report(what, difference, tolerance);
        if (!(difference <= tolerance)) {
            fail(what + ": " + actual + ", expected " + expected + " (relative difference " + difference + " > " + tolerance + ")");
        }
    }

    /**
     * {@code max_i |a_i - b_i| / max(max_i |a_i|, max_i |b_i|)}; 0 for two zero vectors; positions that are NaN on both
     * sides are left out, NaN on one side only gives NaN (which fails every comparison).
     */
    public static double relativeDifference(double[] a, double[] b) {
        double difference = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(a[i]) && Double.isNaN(b[i])) {
                continue;
            }
            if (Double.isNaN(a[i]) || Double.isNaN(b[i])) {
                return Double.NaN;
            }
            difference = Math.max(difference, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.max(Math.abs(a[i]), Math.abs(b[i])));
        }
        return difference == 0 ? 0 : difference / scale;
    }

    /**
     * A quantity that is {@code >= 0} in exact arithmetic: {@code value >= -tolerance * scale}, where scale is the size of
     * the terms that cancel in it (|d| |g| for a dot product d . g).
     */
    public static void assertNonNegative(double value, double scale, double tolerance, String what) {
        report(what, Math.max(0, -value) / scale, tolerance);
        if (!(value >= -tolerance * scale)) {
            fail(what + ": " + value + " < -" + tolerance + " x " + scale);
        }
    }

    /** {@link #relativeDifference(double[], double[])} of two arrays of the same length. */
    public static double relativeDifference(INDArray a, INDArray b) {
        return relativeDifference(a.ravel().toDoubleVector(), b.ravel().toDoubleVector());
    }

    /** Whether this run perturbs one side of each cross-order comparison ({@code -Dmtl.numeric.perturbation}). */
    public static boolean perturbing() {
        return perturbation() != 0;
    }

    private static double perturbation() {
        String value = System.getProperty(PERTURBATION_PROPERTY, "").strip();
        return value.isEmpty() ? 0 : Double.parseDouble(value);
    }

    /**
     * One side's inputs of a cross-order comparison, multiplied element by element by {@code 1 + δ u} in place, u
     * uniform in [-1, 1) from a fixed seed, δ the value of {@code -Dmtl.numeric.perturbation}; unchanged (and
     * untouched) without it. Returns its argument.
     */
    public static INDArray perturbOneSide(INDArray inputs) {
        double delta = perturbation();
        return delta == 0 ? inputs : perturb(inputs, delta, 1);
    }

    /** Multiplies each element by {@code 1 + delta u}, u uniform in [-1, 1) from {@code seed}, in place. */
    public static INDArray perturb(INDArray values, double delta, long seed) {
        Random random = new Random(seed);
        for (long i = 0; i < values.length(); i++) {
            values.putScalar(i, values.getDouble(i) * (1 + delta * (2 * random.nextDouble() - 1)));
        }
        return values;
    }

    private static void report(String what, double difference, double tolerance) {
        if (Boolean.getBoolean(REPORT_PROPERTY)) {
            System.out.printf("numeric: %.3g of %.0g (%s)%n", difference, tolerance, what);
        }
    }
}
