#!/usr/bin/env bash
# Which nd4j-native build trains fastest here? Runs TrainStepBenchmark (this library's models, impl=mtl) with each
# build (classifier) of nd4j-native 1.0.0-M2.1, by swapping that one jar on the benchmarks' classpath, in ROUNDS
# rounds that visit every build in turn (so drifts of a shared machine hit all builds alike); prints per build the
# median ms per step over the rounds and the median over rounds of its ratio to the default build (linux-x86_64).
# Usage: benchmarks/nd4j-builds.sh [CLASSIFIER...]
#   default: linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn linux-x86_64-onednn-avx2 linux-x86_64-onednn-avx512
# Env: OMP_NUM_THREADS (default 1), ROUNDS (default 3), JMH_ARGS (JMH options per run; default -wi 2 -w 1 -i 3 -r 1). OPENBLAS_CORETYPE is left as the machine sets it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn
                                   linux-x86_64-onednn-avx2 linux-x86_64-onednn-avx512)
dir=benchmarks/target/nd4j-builds
mkdir -p "$dir"
mvn -B -q -pl benchmarks -am compile dependency:build-classpath -Dmdep.outputFile="$PWD/$dir/classpath.txt" >/dev/null
version=1.0.0-M2.1
default_jar="$(tr ':' '\n' < "$dir/classpath.txt" | grep "/nd4j-native-$version-linux-x86_64.jar$" || true)"
[ -n "$default_jar" ] || { echo "expected nd4j-native-$version-linux-x86_64.jar on the benchmarks' classpath" >&2; exit 1; }
repo="${default_jar%/org/nd4j/*}"
rounds="${ROUNDS:-3}"
declare -A classpaths
for c in "${builds[@]}"; do
  jar="$repo/org/nd4j/nd4j-native/$version/nd4j-native-$version-$c.jar"
  [ -f "$jar" ] || mvn -B -q dependency:get -Dartifact="org.nd4j:nd4j-native:$version:jar:$c" -Dtransitive=false
  classpaths[$c]="benchmarks/target/classes:$(sed "s|$default_jar|$jar|" "$dir/classpath.txt")"
  # Which native library does it really load? (JavaCPP picks the build's own; checked in a short run.)
  loaded="$(java -cp "${classpaths[$c]}" org.openjdk.jmh.Main TrainStepBenchmark -p model=seed -p impl=mtl -wi 0 -i 1 -r 1 \
      -jvmArgsAppend -Dorg.bytedeco.javacpp.logger.debug=true 2>&1 | grep -o 'bindings/[^/]*/libnd4jcpu.so' | head -1)"
  echo "$c loads ${loaded:-?}"
done
results=()
for round in $(seq 1 "$rounds"); do
  for c in "${builds[@]}"; do
    out="$dir/$c-$round.json"
    # shellcheck disable=SC2086
    java -cp "${classpaths[$c]}" org.openjdk.jmh.Main TrainStepBenchmark -p impl=mtl -rf json -rff "$out" \
        ${JMH_ARGS:--wi 2 -w 1 -i 3 -r 1} > "$dir/$c-$round.log"
    results+=("$c=$round=$out")
  done
done
echo "OMP_NUM_THREADS=$OMP_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
python3 - "${results[@]}" <<'PY'
import json, statistics, sys
runs = {}  # (build, round) -> {model: ms}
for arg in sys.argv[1:]:
    build, rnd, path = arg.split("=", 2)
    runs[(build, rnd)] = {r["params"]["model"]: float(r["primaryMetric"]["score"]) for r in json.load(open(path))}
builds = list(dict.fromkeys(b for b, _ in runs))
rounds = list(dict.fromkeys(r for _, r in runs))
print("mtl-dl4j training step over %d rounds: median ms [min-max] (median ratio to linux-x86_64 in the same round)" % len(rounds))
print("%-28s %30s %30s" % ("nd4j-native build", "seed", "wide"))
for build in builds:
    cells = []
    for m in ("seed", "wide"):
        ms = [runs[(build, r)][m] for r in rounds]
        ratios = [runs[(build, r)][m] / runs[("linux-x86_64", r)][m] for r in rounds if ("linux-x86_64", r) in runs]
        ratio = "%.2fx" % statistics.median(ratios) if ratios else "-"
        cells.append("%30s" % ("%.2f [%.2f-%.2f] (%s)" % (statistics.median(ms), min(ms), max(ms), ratio)))
    print("%-28s" % build + "".join(cells))
PY
