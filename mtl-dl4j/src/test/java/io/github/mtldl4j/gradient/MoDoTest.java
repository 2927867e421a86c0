package io.github.mtldl4j.gradient;

import static io.github.mtldl4j.testing.NumericAssertions.REORDERED;
import static io.github.mtldl4j.testing.NumericAssertions.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MoDoTest {
    private static INDArray rows(double[]... rows) {
        return Nd4j.create(rows).castTo(DataType.DOUBLE);
    }

    /**
     * G1 = [[1, 0], [0, 2]], G2 = [[3, 0], [1, 1]]: G1 G2^T = [[3, 1], [0, 2]]. From λ = (½, ½) with γ = 0.1, ρ = 0.1:
     * gradient (3 · ½ + 1 · ½ + 0.05, 2 · ½ + 0.05) = (2.05, 1.05), λ - γ gradient = (0.295, 0.395), projected onto the
     * simplex (+0.155 each) = (0.45, 0.55); the update on G3 = [[1, 1], [-1, 2]]: 2 (0.45 (1, 1) + 0.55 (-1, 2)) = (-0.2, 3.1).
     */
    @Test
    void weightUpdateByHand() {
        MoDo modo = new MoDo(0.1, 0.1);
        double[] d = modo.combine(List.of(rows(new double[] {1, 0}, new double[] {0, 2}), rows(new double[] {3, 0}, new double[] {1, 1}),
                rows(new double[] {1, 1}, new double[] {-1, 2})), null).toDoubleVector();
        assertClose(new double[] {0.45, 0.55}, modo.weights(), REORDERED, "λ");
        assertClose(new double[] {-0.2, 3.1}, d, REORDERED, "update");
        // The next step starts from there: G1 G2^T λ = (3 · 0.45 + 0.55, 1.1) = (1.9, 1.1), + ρ λ = (1.945, 1.155);
        // (0.45 - 0.1945, 0.55 - 0.1155) = (0.2555, 0.4345), +0.155 each.
        modo.combine(List.of(rows(new double[] {1, 0}, new double[] {0, 2}), rows(new double[] {3, 0}, new double[] {1, 1}),
                rows(new double[] {1, 1}, new double[] {-1, 2})), null);
        assertClose(new double[] {0.4105, 0.5895}, modo.weights(), REORDERED, "λ after two steps");
    }

    /** A step that leaves the simplex is clipped: λ = (1, 0) when one task dominates. */
    @Test
    void projectionClipsAtTheVertex() {
        assertArrayEquals(new double[] {1, 0}, MoDo.weightStep(new double[][] {{0, 0}, {0, 100}}, new double[] {0.5, 0.5}, 1, 0), 0.0);
    }

    @Test
    void stateRoundTripResumesExactly() {
        MoDo modo = new MoDo();
        List<INDArray> first = List.of(rows(new double[] {1, 0}, new double[] {0, 2}), rows(new double[] {2, 0}, new double[] {1, 1}),
                rows(new double[] {1, 1}, new double[] {-1, 0}));
        modo.combine(first, null);
        Map<String, double[]> state = modo.state();
        MoDo resumed = new MoDo();
        resumed.start();
        resumed.restoreState(state);
        assertArrayEquals(modo.combine(first, null).toDoubleVector(), resumed.combine(first, null).toDoubleVector(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> resumed.restoreState(Map.of("weights", new double[2], "x", new double[1])));
        assertThrows(IllegalArgumentException.class, () -> new MoDo(0, 0.1));
    }
}
