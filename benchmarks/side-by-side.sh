#!/usr/bin/env bash
# One run, both sides: TrainStepBenchmark (this library by fit and by its direct step, and plain DL4J, JMH) and benchmarks/reference/mtl_step.py
# (PyTorch), on the same models (seed, wide, mmoe, mixed), for one thread and for two; prints ms per step and the ratios.
# Usage: benchmarks/side-by-side.sh [THREADS...]   (default: 1 2)
# Env: JAR (default benchmarks/target/benchmarks.jar, built if missing), PYTHON (default /usr/bin/python3, Debian's,
#      which has python3-torch; install: apt-get install python3-torch libopenblas0-pthread), JMH_ARGS (extra options).
# Also (issue 19): the lenet step (MultiFashion's convolutional trunk, 256 images of 36x36; direct rows print n/a while
# the direct step refuses convolutions) and inference (InferenceBenchmark, wide model, 1- and 256-row predict calls,
# beside mtl_step.py --inference), each with its ratio to PyTorch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
jar="${JAR:-benchmarks/target/benchmarks.jar}"
python="${PYTHON:-/usr/bin/python3}"
[ -f "$jar" ] || mvn -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests
"$python" -c 'import torch' 2>/dev/null || { echo "PyTorch not found for $python: apt-get install python3-torch libopenblas0-pthread" >&2; exit 2; }
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "blas for torch: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
for t in "${threads[@]}"; do
  export OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" MKL_NUM_THREADS="$t"
  out="$(mktemp --suffix=.json)"
  # PyTorch before and after the JMH runs: the machine drifts over minutes, so its figure is the mean of both.
  torch_before="$("$python" benchmarks/reference/mtl_step.py)"
  java -jar "$jar" TrainStepBenchmark -p model=seed -p impl=mtl,direct,plain -rf json -rff "$out.seed" ${JMH_ARGS:-} > "$out.log"
  java -jar "$jar" TrainStepBenchmark -p model=wide -p impl=mtl,fused,direct,direct-fused,plain -rf json -rff "$out.wide" ${JMH_ARGS:-} >> "$out.log"
  java -jar "$jar" TrainStepBenchmark -p model=mmoe -p impl=mtl,direct,plain -rf json -rff "$out.mmoe" ${JMH_ARGS:-} >> "$out.log"
  java -jar "$jar" TrainStepBenchmark -p model=mixed -p impl=mtl,direct,plain -rf json -rff "$out.mixed" ${JMH_ARGS:-} >> "$out.log"
  # lenet's direct row fails at setup (with the reason in the log) while DirectTrainingStep refuses convolutions: JMH
  # then exits non-zero, so its status is not checked; missing rows print as n/a.
  java -jar "$jar" TrainStepBenchmark -p model=lenet -p impl=mtl,direct,plain -rf json -rff "$out.lenet" ${JMH_ARGS:-} >> "$out.log" || true
  java -jar "$jar" InferenceBenchmark -p model=wide -p rows=1,256 -p impl=direct -rf json -rff "$out.inference" ${JMH_ARGS:-} >> "$out.log"
  python3 -c 'import json,sys; json.dump(sum((json.load(open(f)) for f in sys.argv[1:-1]), []), open(sys.argv[-1], "w"))' \
      "$out.seed" "$out.wide" "$out.mmoe" "$out.mixed" "$out"
  python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])) + json.load(open(sys.argv[2])), open(sys.argv[1], "w"))' \
      "$out" "$out.lenet"
  export SIDE_BY_SIDE_INFERENCE="$out.inference" SIDE_BY_SIDE_LOG="$out.log"
  export SIDE_BY_SIDE_TORCH_INFERENCE="$("$python" benchmarks/reference/mtl_step.py --model wide --inference 1,256)"
  grep -m1 -o 'ND4J backend.*' "$out.log" || true
  torch_after="$("$python" benchmarks/reference/mtl_step.py)"
  python3 - "$out" "$t" "$torch_before"$'\n'"$torch_after" <<'PY'
import json, sys
rows, threads, torch_lines = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3].splitlines()
def number(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")
dl4j = {(r["params"]["model"], r["params"]["impl"]): {k: number(r["primaryMetric"][k]) for k in ("score", "scoreError")}
        for r in rows}
runs = {}
for line in torch_lines:
    f = line.split()
    runs.setdefault(f[1], []).append(float(f[f.index("median_ms") + 1]))
    version = f[f.index("torch") + 1]
torch = {model: sum(ms) / len(ms) for model, ms in runs.items()}
print("PyTorch before / after the JMH runs: " + ", ".join("%s %s ms" % (m, " / ".join("%.3f" % x for x in ms))
      for m, ms in runs.items()))
print("threads %s (OMP/OpenBLAS/MKL), ms per training step (JMH mean ± 99.9%% CI; PyTorch %s: mean of the medians before and after):" % (threads, version))
print("%-18s %9s %16s %16s %10s %11s %11s" % ("model", "PyTorch", "plain DL4J", "mtl-dl4j", "mtl/plain", "plain/torch", "mtl/torch"))
labels = {"mtl": "", "fused": " fused", "direct": " direct", "direct-fused": " direct+fused"}
for model, impl in [("seed", "mtl"), ("seed", "direct"), ("wide", "mtl"), ("wide", "fused"), ("wide", "direct"),
                    ("wide", "direct-fused"), ("mmoe", "mtl"), ("mmoe", "direct"),
                    ("mixed", "mtl"), ("mixed", "direct")]:
    p, m, t = dl4j[(model, "plain")], dl4j[(model, impl)], torch[model]
    label = model + labels[impl]
    print("%-18s %9.3f %9.3f ± %4.2f %9.3f ± %4.2f %10.3f %11.2f %11.2f" % (label, t, p["score"], p["scoreError"],
          m["score"], m["scoreError"], m["score"] / p["score"], p["score"] / t, m["score"] / t))
# Issue 19's further rows: lenet (a missing row: its setup failed, see the log) and inference.
import os, re
for model, impl in [("lenet", "mtl"), ("lenet", "direct")]:
    t, p, m = torch.get(model, float("nan")), dl4j.get((model, "plain")), dl4j.get((model, impl))
    label = model + labels[impl]
    if p is None or m is None:
        reason = re.search(r"impl=%s skipped for model=%s: (.*)" % (impl, model), open(os.environ["SIDE_BY_SIDE_LOG"]).read())
        print("%-18s %9.3f %16s %16s   n/a: %s" % (label, t, "%9.3f ± %4.2f" % (p["score"], p["scoreError"]) if p else "n/a",
              "n/a", reason.group(1) if reason else "no result (see the JMH log)"))
        continue
    print("%-18s %9.3f %9.3f ± %4.2f %9.3f ± %4.2f %10.3f %11.2f %11.2f" % (label, t, p["score"], p["scoreError"],
          m["score"], m["scoreError"], m["score"] / p["score"], p["score"] / t, m["score"] / t))
inference = {int(r["params"]["rows"]): r["primaryMetric"] for r in json.load(open(os.environ["SIDE_BY_SIDE_INFERENCE"]))}
torch_inference = {}
for line in os.environ["SIDE_BY_SIDE_TORCH_INFERENCE"].splitlines():
    f = line.split()
    torch_inference[int(f[f.index("rows") + 1])] = float(f[f.index("median_us") + 1])
print("inference, wide model, us per predict call (JMH mean ± 99.9% CI; PyTorch: median of its one-call means, inference_mode):")
print("%-18s %9s %16s %12s %12s %11s" % ("rows per call", "PyTorch", "mtl-dl4j", "rows/s torch", "rows/s mtl", "mtl/torch"))
for rows in sorted(inference):
    m, t = inference[rows], torch_inference.get(rows, float("nan"))
    print("%-18s %9.1f %9.1f ± %5.1f %12.0f %12.0f %11.2f" % ("inference %d" % rows, t, number(m["score"]),
          number(m["scoreError"]), rows * 1e6 / t, rows * 1e6 / number(m["score"]), number(m["score"]) / t))
PY
done
