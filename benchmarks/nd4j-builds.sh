#!/usr/bin/env bash
# Which nd4j-native build trains fastest here? Builds benchmarks.jar once per build (classifier) of nd4j-native
# 1.0.0-M2.1 and runs TrainStepBenchmark (this library's models) with each, one after the other in one go;
# prints ms per step and the ratio to the default build (linux-x86_64).
# Usage: benchmarks/nd4j-builds.sh [CLASSIFIER...]
#   default: linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn linux-x86_64-onednn-avx2 linux-x86_64-onednn-avx512
# Env: OMP_NUM_THREADS (default 1), JMH_ARGS (extra JMH options). OPENBLAS_CORETYPE is left as the machine sets it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn
                                   linux-x86_64-onednn-avx2 linux-x86_64-onednn-avx512)
dir=benchmarks/target/nd4j-builds
mkdir -p "$dir"
for c in "${builds[@]}"; do
  if [ ! -f "$dir/benchmarks-$c.jar" ]; then
    mvn -B -q -Pbenchmarks -pl benchmarks -am package -Dmaven.test.skip=true -Dnd4j.classifier="$c"
    cp benchmarks/target/benchmarks.jar "$dir/benchmarks-$c.jar"
  fi
done
rm -f benchmarks/target/benchmarks.jar   # built with the last classifier: side-by-side.sh rebuilds the default
results=()
for c in "${builds[@]}"; do
  # Which native library does this jar really load? (JavaCPP picks the build's own; checked in a short run.)
  loaded="$(java -jar "$dir/benchmarks-$c.jar" TrainStepBenchmark -p model=seed -p impl=mtl -wi 0 -i 1 -r 1 \
      -jvmArgsAppend -Dorg.bytedeco.javacpp.logger.debug=true 2>&1 | grep -o 'bindings/[^/]*/libnd4jcpu.so' | head -1)"
  echo "$c loads ${loaded:-?}"
  out="$dir/$c.json"
  java -jar "$dir/benchmarks-$c.jar" TrainStepBenchmark -p impl=mtl -rf json -rff "$out" ${JMH_ARGS:-} > "$dir/$c.log"
  results+=("$c=$out")
done
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
python3 - "${results[@]}" <<'PY'
import json, math, sys
def number(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan
table = {}
for arg in sys.argv[1:]:
    build, path = arg.split("=", 1)
    table[build] = {r["params"]["model"]: (number(r["primaryMetric"]["score"]), number(r["primaryMetric"]["scoreError"]))
                    for r in json.load(open(path))}
base = table.get("linux-x86_64")
print("mtl-dl4j training step, ms (ratio to linux-x86_64)")
print("%-28s %24s %24s" % ("nd4j-native build", "seed", "wide"))
for build, models in table.items():
    cells = []
    for m in ("seed", "wide"):
        s, e = models[m]
        ratio = s / base[m][0] if base else math.nan
        cells.append("%24s" % ("%.3f ± %.3f (%.2fx)" % (s, e, ratio)))
    print("%-28s" % build + "".join(cells))
PY
