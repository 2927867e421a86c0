package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DB-MTL, dual-balancing multi-task learning: Lin et al., "Dual-Balancing for Multi-Task Learning",
 * 2023 (<a href="https://arxiv.org/abs/2308.12029">arXiv:2308.12029</a>), Section 3 (Algorithm 1).
 *
 * <p>Two balances. Loss scale: every task trains on {@code log L_t}, whose gradient is {@code g_t / L_t} (heads
 * included: {@code headScales} 1 / L_t). Gradient magnitude: an exponential moving average of each task's log-loss
 * gradient, {@code ĝ_t ← β ĝ_t + (1 - β) g_t / L_t} (from 0, with β = {@link #DEFAULT_BETA} as the paper and LibMTL),
 * is scaled to the largest norm, {@code d = Σ_t (max_s ||ĝ_s|| / ||ĝ_t||) ĝ_t}: after scaling every task's
 * contribution has the same norm, the largest. {@code 1e-8} is added to L_t and to the norms as in the authors' code.
 *
 * <p>State: the K x S moving averages ({@link #state()} for checkpoints; {@link #start()} forgets them). A task without
 * labels in the batch keeps its average and still contributes it. Scale: the paper's, not the plain sum's: log losses
 * divide the gradients by the losses, and the first step's averages are {@code (1 - β)} of the gradients.
 */
public final class DbMtl implements GradientMatrixAggregator {

    /** The command-line name. */
    public static final String NAME = "db-mtl";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, DbMtl.class, o -> new DbMtl());

    /** The paper's β, the weight of the past in the moving average of the gradients. */
    public static final double DEFAULT_BETA = 0.9;

    /** Added to the losses before the log and to the norms before dividing, as in the authors' code. */
    public static final double EPSILON = 1e-8;

    private static final String AVERAGES = "averages";

    private final double beta;
    private INDArray averages;
    private double[] restored;

    /** DB-MTL with the paper's β = 0.9. */
    public DbMtl() {
        this(DEFAULT_BETA);
    }

    /**
     * @param beta the weight of the past in the moving average, in [0, 1); 0 uses each step's gradients alone
     */
    public DbMtl(double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException(NAME + ": beta (the weight of the past in the moving average of the gradients) must"
                    + " be in [0, 1), received " + beta + ": the paper uses 0.9; 0 uses each step's gradients alone.");
        }
        this.beta = beta;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() {
        averages = null;
        restored = null;
    }

    @Override
    public Map<String, double[]> state() {
        if (averages != null) {
            return Map.of(AVERAGES, averages.dup('c').data().asDouble());
        }
        return restored == null ? Map.of() : Map.of(AVERAGES, restored.clone());
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        if (state.isEmpty()) {
            return;
        }
        if (state.size() != 1 || state.get(AVERAGES) == null) {
            throw new IllegalArgumentException(NAME + ": expected a saved state with one entry '" + AVERAGES + "' of K x S moving"
                    + " averages, received " + state.keySet() + ": resume from a checkpoint written with db-mtl.");
        }
        restored = state.get(AVERAGES).clone();
        averages = null;
    }

    @Override
    public INDArray combine(INDArray shared, double[] losses, double[] headScales, Random random) {
        int k = (int) shared.rows();
        long s = shared.columns();
        if (averages == null || averages.rows() != k || averages.columns() != s) {
            boolean fits = restored != null && restored.length == k * s;
            averages = fits ? GradientMatrixAggregator.detached(restored, shared, k, s)
                    : GradientMatrixAggregator.detachedZeros(shared, k, s);
            restored = null;
        }
        for (int t = 0; t < k; t++) {
            if (Double.isNaN(losses[t])) {
                continue;                                              // no labels: the average stays as it was
            }
            double scale = 1 / (losses[t] + EPSILON);
            headScales[t] = scale;
            INDArray average = averages.getRow(t);
            average.muli(beta).addi(shared.getRow(t).mul((1 - beta) * scale));
        }
        double[] norms = new double[k];
        double largest = 0;
        for (int t = 0; t < k; t++) {
            norms[t] = averages.getRow(t).norm2Number().doubleValue();
            largest = Math.max(largest, norms[t]);
        }
        INDArray factors = Nd4j.create(averages.dataType(), 1, k);
        for (int t = 0; t < k; t++) {
            factors.putScalar(0, t, largest / (norms[t] + EPSILON));
        }
        return factors.mmul(averages);
    }

    @Override
    public String toString() {
        return "DbMtl[beta=" + beta + "]";
    }
}
