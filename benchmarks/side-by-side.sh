#!/usr/bin/env bash
# One run, both sides: TrainStepBenchmark (this library by fit and by its direct step, and plain DL4J, JMH) and benchmarks/reference/mtl_step.py
# (PyTorch), on the same models (seed, wide, mmoe, mixed), for one thread and for two; prints ms per step and the ratios.
# Usage: benchmarks/side-by-side.sh [THREADS...]   (default: 1 2)
# Env: JAR (default benchmarks/target/benchmarks.jar, built if missing), PYTHON (default /usr/bin/python3, Debian's,
#      which has python3-torch; install: apt-get install python3-torch libopenblas0-pthread), JMH_ARGS (extra options).
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
  python3 -c 'import json,sys; json.dump(sum((json.load(open(f)) for f in sys.argv[1:-1]), []), open(sys.argv[-1], "w"))' \
      "$out.seed" "$out.wide" "$out.mmoe" "$out.mixed" "$out"
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
PY
done
