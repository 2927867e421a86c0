#!/usr/bin/env python3
"""The scaling model of docs/scale-out.md ("Scale figures on the local cluster, and a scaling model"): predicted
epoch time and speed-up against the number of workers, for parameter averaging and for synchronous gradient steps.
Constants: see the doc (latencies measured on the local cluster, compute per row from docs/performance.md)."""
import math

R, b, f, B = 1_000_000, 256, 5, 256          # rows per epoch, minibatch per worker, averaging frequency, global batch
L_PA, L_SYNC = 0.5, 0.25                      # s per averaging round, s per synchronous step (measured, loaded host)
MODELS = {  # P parameters, K tasks, S shared-block parameters, c s/row of fit, c_k s/row of K per-task passes
    'wide': dict(P=223_752, K=8, S=91_648, c=164e-6, c_k=447e-6),
    'mmoe': dict(P=63_396, K=4, S=51_712, c=317e-6, c_k=195e-6),
}


def averaging(m, n, bw):
    """T(N) = c R / N + R / (N b f) (L + 2 x 12 P N / BW): parameters and Adam's two moments in FLOAT, up and down."""
    return m['c'] * R / n + R / (n * b * f) * (L_PA + 24 * m['P'] * n / bw)


def step_numbers(m):
    """Numbers per worker and step: each task's gradient on the parameters its loss reaches up (K S + (P - S): the
    shared block per task, every head once), the parameters down (P)."""
    return m['K'] * m['S'] + (m['P'] - m['S']) + m['P']


def synchronous(m, n, bw, bytes_per_worker=None):
    """T(N) = c_K R / N + R / B (L_s + bytes per worker and step x N / BW); default 8 (K S + 2 P - S) (doubles)."""
    per_worker = 8 * step_numbers(m) if bytes_per_worker is None else bytes_per_worker
    return m['c_k'] * R / n + R / B * (L_SYNC + per_worker * n / bw)


for link, bw in (('1 Gbit/s', 125e6), ('10 Gbit/s', 1250e6)):
    for name, m in MODELS.items():
        limit = averaging(m, 1, bw) / (R * 24 * m['P'] / (b * f * bw))
        best = math.sqrt(m['c_k'] * B * bw / (8 * step_numbers(m)))
        halved = 4 * step_numbers(m)  # the same in floats (not done)
        best_halved = math.sqrt(m['c_k'] * B * bw / halved)
        print(f"{name}, {link}: averaging T(1) {averaging(m, 1, bw):.0f} s, speed-up "
              + " / ".join(f"{averaging(m, 1, bw) / averaging(m, n, bw):.1f}" for n in (4, 16, 64))
              + f" at 4 / 16 / 64, limit {limit:.0f}x; synchronous T(1) {synchronous(m, 1, bw):.0f} s, "
              + " / ".join(f"{synchronous(m, 1, bw) / synchronous(m, n, bw):.2f}" for n in (4, 16, 64))
              + f", best N {best:.1f} ({8 * step_numbers(m) / 1e6:.1f} MB per worker and step, {halved / 1e6:.1f} MB in floats: best N {best_halved:.1f})")
