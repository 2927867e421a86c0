package io.github.mtldl4j.gradient;

import io.github.mtldl4j.methods.MethodInfo;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * MoCo, multi-objective gradient with correction: Fernando et al., "Mitigating
 * Gradient Bias in Multi-objective Learning: A Provably Convergent Approach", ICLR 2023
 * (<a href="https://openreview.net/forum?id=dLAYGdKTi2">OpenReview</a>), Algorithm 1.
 *
 * <p>MGDA's weights from stochastic gradients are biased; MoCo tracks each task's gradient with a moving estimate
 * {@code y_t ← y_t - β_k (y_t - g̃_t)} and moves the weights λ on the simplex by a projected gradient step on
 * {@code ½ ||Y^T λ||²}, {@code λ ← softmax(λ - γ_k (Y Y^T + ρ I) λ)} as in the authors' code (the softmax in place of
 * the projection), and the update is {@code d = Y^T λ}. The gradients are normalized to their loss,
 * {@code g̃_t = L_t g_t / ||g_t||} (+1e-8 in the norm), as in the authors' code and LibMTL. Step sizes
 * {@code β_k = β / k^σβ}, {@code γ_k = γ / k^σγ} at step k = 1, 2, ..., with LibMTL's defaults β = 0.5, σβ = 0.5,
 * γ = 0.1, σγ = 0.5, ρ = 0; y starts at 0 and λ at 1/K.
 *
 * <p>State: the K x S estimates Y, λ and the step count ({@link #state()} for checkpoints; {@link #start()} forgets
 * them). A task without labels in the batch keeps its estimate and still contributes it. Scale: λ is on the simplex
 * and the coefficients are K λ, as for MGDA, so the update is {@code K Y^T λ} (the paper's times K).
 */
public final class MoCo implements GradientMatrixAggregator {

    /** The command-line name. */
    public static final String NAME = "moco";

    /** Name, kind and needs, for {@code MethodRegistry}. */
    public static final MethodInfo<GradientAggregator> INFO = MethodInfo.gradientAggregator(NAME, MoCo.class, o -> new MoCo());

    /** LibMTL's tracking rate β. */
    public static final double DEFAULT_BETA = 0.5;
    /** LibMTL's decay exponent σβ of the tracking rate. */
    public static final double DEFAULT_BETA_DECAY = 0.5;
    /** LibMTL's step size γ of the weights λ. */
    public static final double DEFAULT_GAMMA = 0.1;
    /** LibMTL's decay exponent σγ of the weights' step size. */
    public static final double DEFAULT_GAMMA_DECAY = 0.5;
    /** LibMTL's l2 regularization ρ of the weights' step. */
    public static final double DEFAULT_RHO = 0;

    private static final double EPSILON = 1e-8;
    private static final String ESTIMATES = "estimates";
    private static final String LAMBDA = "lambda";
    private static final String STEP = "step";

    private final double beta;
    private final double betaDecay;
    private final double gamma;
    private final double gammaDecay;
    private final double rho;
    private INDArray estimates;
    private double[] restored;
    private double[] lambda;
    private long step;

    /** MoCo with LibMTL's settings. */
    public MoCo() {
        this(DEFAULT_BETA, DEFAULT_BETA_DECAY, DEFAULT_GAMMA, DEFAULT_GAMMA_DECAY, DEFAULT_RHO);
    }

    /**
     * @param beta the tracking rate β in (0, 1]
     * @param betaDecay its decay exponent σβ &ge; 0 (β_k = β / k^σβ)
     * @param gamma the weights' step size γ &gt; 0
     * @param gammaDecay its decay exponent σγ &ge; 0
     * @param rho the weights' l2 regularization ρ &ge; 0
     */
    public MoCo(double beta, double betaDecay, double gamma, double gammaDecay, double rho) {
        if (!(beta > 0 && beta <= 1) || !(betaDecay >= 0) || !(gamma > 0) || !(gammaDecay >= 0) || !(rho >= 0)
                || !Double.isFinite(betaDecay + gamma + gammaDecay + rho)) {
            throw new IllegalArgumentException(NAME + ": expected beta in (0, 1], gamma > 0 and decays and rho >= 0, received beta "
                    + beta + ", betaDecay " + betaDecay + ", gamma " + gamma + ", gammaDecay " + gammaDecay + ", rho " + rho
                    + ": new MoCo() has LibMTL's 0.5, 0.5, 0.1, 0.5, 0.");
        }
        this.beta = beta;
        this.betaDecay = betaDecay;
        this.gamma = gamma;
        this.gammaDecay = gammaDecay;
        this.rho = rho;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start() {
        estimates = null;
        restored = null;
        lambda = null;
        step = 0;
    }

    @Override
    public Map<String, double[]> state() {
        if (lambda == null) {
            return Map.of();
        }
        double[] y = estimates != null ? estimates.dup('c').data().asDouble() : restored.clone();
        return Map.of(ESTIMATES, y, LAMBDA, lambda.clone(), STEP, new double[] {step});
    }

    @Override
    public void restoreState(Map<String, double[]> state) {
        if (state.isEmpty()) {
            return;
        }
        double[] y = state.get(ESTIMATES);
        double[] l = state.get(LAMBDA);
        double[] s = state.get(STEP);
        if (state.size() != 3 || y == null || l == null || s == null || s.length != 1 || l.length == 0 || y.length % l.length != 0) {
            throw new IllegalArgumentException(NAME + ": expected a saved state with entries '" + ESTIMATES + "' (K x S), '" + LAMBDA
                    + "' (K) and '" + STEP + "', received " + state.keySet() + ": resume from a checkpoint written with moco.");
        }
        restored = y.clone();
        lambda = l.clone();
        step = (long) s[0];
        estimates = null;
    }

    /** A copy of the current estimates Y (K x S), or null before the first step. */
    INDArray estimates() {
        return estimates == null ? null : estimates.dup();
    }

    @Override
    public INDArray combine(INDArray shared, double[] losses, double[] headScales, Random random) {
        int k = (int) shared.rows();
        long s = shared.columns();
        if (estimates == null || estimates.rows() != k || estimates.columns() != s) {
            boolean fits = restored != null && restored.length == k * s && lambda != null && lambda.length == k;
            estimates = fits ? GradientMatrixAggregator.detached(restored, shared, k, s) : GradientMatrixAggregator.detachedZeros(shared, k, s);
            if (!fits) {
                lambda = new double[k];
                java.util.Arrays.fill(lambda, 1.0 / k);
                step = 0;
            }
            restored = null;
        }
        step++;
        double betaK = beta / Math.pow(step, betaDecay);
        double gammaK = gamma / Math.pow(step, gammaDecay);
        for (int t = 0; t < k; t++) {
            if (Double.isNaN(losses[t])) {
                continue;                                              // no labels: the estimate stays as it was
            }
            INDArray g = shared.getRow(t);
            double normalized = losses[t] / (g.norm2Number().doubleValue() + EPSILON);
            estimates.getRow(t).muli(1 - betaK).addi(g.mul(betaK * normalized));
        }
        INDArray products = estimates.mmul(estimates.transpose());
        double[] logits = new double[k];
        double largest = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            double gradient = rho * lambda[i];
            for (int j = 0; j < k; j++) {
                gradient += products.getDouble(i, j) * lambda[j];
            }
            logits[i] = lambda[i] - gammaK * gradient;
            largest = Math.max(largest, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            logits[i] = Math.exp(logits[i] - largest);
            sum += logits[i];
        }
        INDArray coefficients = Nd4j.create(estimates.dataType(), 1, k);
        for (int i = 0; i < k; i++) {
            lambda[i] = logits[i] / sum;
            coefficients.putScalar(0, i, k * lambda[i]);
        }
        return coefficients.mmul(estimates);
    }

    @Override
    public String toString() {
        return "MoCo[beta=" + beta + "/k^" + betaDecay + ", gamma=" + gamma + "/k^" + gammaDecay + ", rho=" + rho + "]";
    }
}
