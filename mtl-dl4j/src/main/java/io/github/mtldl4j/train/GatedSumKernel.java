package io.github.mtldl4j.train;

import io.github.mtldl4j.train.DirectStepPlan.HostArray;
import io.github.mtldl4j.train.DirectStepPlan.Kind;
import io.github.mtldl4j.train.DirectStepPlan.Node;
import io.github.mtldl4j.train.DirectStepPlan.SiblingGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The arithmetic of a mixture of experts' gated sum ({@code GatedSumVertex}) in a {@link DirectTrainingStep}: forward
 * {@code m = sum_e g[:, e] h_e}; backward, for {@code d = dL/dm}, {@code dL/dh_e += g[:, e] d} and
 * {@code dL/dg[:, e] += rowSum(d h_e)}. The products are many and small (E experts times rows times width per task),
 * so they run as Java loops over host copies of the buffers ({@link HostArray}) instead of one ND4J operation each:
 * the experts' outputs (one sibling group's buffer, the experts of a level computed as one GEMM) are copied once per
 * forward pass, and the gradients accumulate in host copies stored once before ND4J reads them. The forward pass adds
 * the experts in the vertex's order, as {@code GatedSum} does. Stateless.
 */
final class GatedSumKernel {

    private GatedSumKernel() {
    }

    /** Where an input's values sit in a host copy: row n, column j at {@code offset + n * stride + j}. */
    private record Block(HostArray host, int offset, int stride) {
    }

    /** The block of {@code node}'s output, loaded for forward pass {@code pass}. */
    private static Block out(Node node, int pass) {
        SiblingGroup group = node.group;
        HostArray host = group != null ? group.outHost : node.outHost;
        if (host.pass != pass) {
            host.load();
            host.pass = pass;
        }
        return group != null ? new Block(host, node.groupOffset, group.width) : new Block(host, 0, node.width);
    }

    /** The block of {@code node}'s epsilon, ready to accumulate into (zeroed if nothing has been written yet). */
    private static Block epsilon(Node node, List<HostArray> touched) {
        SiblingGroup group = node.group;
        boolean inGroup = group != null && group.epsilonFromMixes;
        HostArray host = inGroup ? group.epsilonHost : node.epsilonHost;
        boolean written = inGroup ? group.epsilonWritten : node.epsilonWritten;
        boolean exclusive = inGroup || node.epsilonFromMixes;
        if (!touched.contains(host)) {
            if (!written) {
                host.zero();
            } else if (!exclusive) {
                host.load();
            }
            touched.add(host);
        }
        if (inGroup) {
            group.epsilonWritten = true;
        } else {
            node.epsilonWritten = true;
        }
        return inGroup ? new Block(host, node.groupOffset, group.width) : new Block(host, 0, node.width);
    }

    /** The forward pass of a gated sum, into its output buffer. */
    static void forward(Node mix, int pass) {
        Block gate = out(mix.inputs[0], pass);
        Block[] experts = new Block[mix.inputs.length - 1];
        for (int e = 0; e < experts.length; e++) {
            experts[e] = out(mix.inputs[e + 1], pass);
        }
        HostArray out = mix.outHost;
        int rows = (int) mix.out.rows();
        if (out.floats != null) {
            forward(out.floats, gate, experts, rows, mix.width);
        } else {
            forward(out.doubles, gate, experts, rows, mix.width);
        }
        out.store();
        out.pass = pass;
    }

    private static void forward(float[] m, Block gate, Block[] experts, int rows, int width) {
        java.util.Arrays.fill(m, 0f);
        float[] g = gate.host.floats;
        for (int e = 0; e < experts.length; e++) {
            float[] h = experts[e].host.floats;
            for (int n = 0; n < rows; n++) {
                float weight = g[gate.offset + n * gate.stride + e];
                int from = experts[e].offset + n * experts[e].stride;
                int to = n * width;
                for (int j = 0; j < width; j++) {
                    m[to + j] += weight * h[from + j];
                }
            }
        }
    }

    private static void forward(double[] m, Block gate, Block[] experts, int rows, int width) {
        java.util.Arrays.fill(m, 0.0);
        double[] g = gate.host.doubles;
        for (int e = 0; e < experts.length; e++) {
            double[] h = experts[e].host.doubles;
            for (int n = 0; n < rows; n++) {
                double weight = g[gate.offset + n * gate.stride + e];
                int from = experts[e].offset + n * experts[e].stride;
                int to = n * width;
                for (int j = 0; j < width; j++) {
                    m[to + j] += weight * h[from + j];
                }
            }
        }
    }

    /**
     * The backward pass of a gated sum from its epsilon (nothing when no consumer wrote one): accumulates into the
     * gate's and the experts' epsilons. Copies that other layers also write are stored at once; those only gated sums
     * write stay ahead of their buffers until {@link #flush}.
     */
    static void backward(Node mix, int pass) {
        if (!mix.epsilonWritten) {
            return;
        }
        mix.epsilonHost.load();
        List<HostArray> touched = new ArrayList<>();
        Block gateOut = out(mix.inputs[0], pass);
        Block gateEpsilon = epsilon(mix.inputs[0], touched);
        Block[] experts = new Block[mix.inputs.length - 1];
        Block[] expertEpsilons = new Block[experts.length];
        for (int e = 0; e < experts.length; e++) {
            experts[e] = out(mix.inputs[e + 1], pass);
            expertEpsilons[e] = epsilon(mix.inputs[e + 1], touched);
        }
        int rows = (int) mix.out.rows();
        if (mix.epsilonHost.floats != null) {
            backward(mix.epsilonHost.floats, gateOut, gateEpsilon, experts, expertEpsilons, rows, mix.width);
        } else {
            backward(mix.epsilonHost.doubles, gateOut, gateEpsilon, experts, expertEpsilons, rows, mix.width);
        }
        for (int i = 0; i < touched.size(); i++) {
            touched.get(i).dirty = true;
        }
        for (Node input : mix.inputs) {
            boolean exclusive = input.group != null && input.group.epsilonFromMixes || input.epsilonFromMixes;
            if (!exclusive && input.epsilonHost.dirty) {
                input.epsilonHost.store();
            }
        }
    }

    private static void backward(float[] d, Block gate, Block gateEpsilon, Block[] experts, Block[] expertEpsilons,
                                 int rows, int width) {
        float[] g = gate.host.floats;
        float[] dg = gateEpsilon.host.floats;
        for (int e = 0; e < experts.length; e++) {
            float[] h = experts[e].host.floats;
            float[] dh = expertEpsilons[e].host.floats;
            for (int n = 0; n < rows; n++) {
                float weight = g[gate.offset + n * gate.stride + e];
                int from = experts[e].offset + n * experts[e].stride;
                int into = expertEpsilons[e].offset + n * expertEpsilons[e].stride;
                int row = n * width;
                float dot = 0f;
                for (int j = 0; j < width; j++) {
                    dot += d[row + j] * h[from + j];
                }
                for (int j = 0; j < width; j++) {
                    dh[into + j] += weight * d[row + j];
                }
                dg[gateEpsilon.offset + n * gateEpsilon.stride + e] += dot;
            }
        }
    }

    private static void backward(double[] d, Block gate, Block gateEpsilon, Block[] experts, Block[] expertEpsilons,
                                 int rows, int width) {
        double[] g = gate.host.doubles;
        double[] dg = gateEpsilon.host.doubles;
        for (int e = 0; e < experts.length; e++) {
            double[] h = experts[e].host.doubles;
            double[] dh = expertEpsilons[e].host.doubles;
            for (int n = 0; n < rows; n++) {
                double weight = g[gate.offset + n * gate.stride + e];
                int from = experts[e].offset + n * experts[e].stride;
                int into = expertEpsilons[e].offset + n * expertEpsilons[e].stride;
                int row = n * width;
                double dot = 0.0;
                for (int j = 0; j < width; j++) {
                    dot += d[row + j] * h[from + j];
                }
                for (int j = 0; j < width; j++) {
                    dh[into + j] += weight * d[row + j];
                }
                dg[gateEpsilon.offset + n * gateEpsilon.stride + e] += dot;
            }
        }
    }

    /** Stores the gradients gated sums accumulated for {@code node} (or its sibling group) before ND4J reads them. */
    static void flush(Node node) {
        if (node.kind != Kind.DENSE) {
            return;
        }
        HostArray host = node.group != null && node.group.epsilonFromMixes ? node.group.epsilonHost : node.epsilonHost;
        if (host != null && host.dirty) {
            host.store();
        }
    }
}
