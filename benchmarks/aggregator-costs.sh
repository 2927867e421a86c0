#!/usr/bin/env bash
# Runs AggregatorBenchmark and prints each method's ms per step and its ratio to equal weights, per task count.
# Usage: benchmarks/aggregator-costs.sh [extra JMH options]   (one OpenMP thread unless OMP_NUM_THREADS is set)
#        e.g. -p steps=direct,fit for the trainer's direct steps and DL4J's own passes side by side
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
[ -f benchmarks/target/benchmarks.jar ] || mvn -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests
out="$(mktemp --suffix=.json)"
java -jar benchmarks/target/benchmarks.jar AggregatorBenchmark -rf json -rff "$out" "$@"
python3 - "$out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
score = {}
for r in rows:
    p = r["params"]
    score[(p.get("steps", "direct"), int(p["tasks"]), p["method"])] = (r["primaryMetric"]["score"], float(r["primaryMetric"]["scoreError"]))
for steps in sorted({s for s, _, _ in score}):
    ks = sorted({k for s, k, _ in score if s == steps})
    methods = []
    for s, _, m in score:
        if s == steps and m not in methods:
            methods.append(m)
    print("steps: %s; ms per training step (ratio to equal weights with the same steps), OMP threads: %s"
          % (steps, __import__("os").environ.get("OMP_NUM_THREADS")))
    print("%-12s" % "method" + "".join("%26s" % ("K=%d" % k) for k in ks))
    for m in methods:
        cells = []
        for k in ks:
            if (steps, k, m) in score and (steps, k, "equal") in score:
                s, e = score[(steps, k, m)]
                cells.append("%26s" % ("%.2f ± %.2f (%.2fx)" % (s, e, s / score[(steps, k, "equal")][0])))
            else:
                cells.append("%26s" % "-")
        print("%-12s" % m + "".join(cells))
PY
