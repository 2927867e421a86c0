#!/usr/bin/env bash
# Peak resident memory of `./mtl train` against the number of epochs (issue 19's memory goal: the peak after 12 epochs
# at most 1.5x the peak after 1). Generates the issue's table once (50,000 rows, 20 numeric features; 2 regression,
# 1 binary and 1 three-class task; about 9 MB of CSV), trains it with the given epochs, and prints each run's peak RSS
# (GNU time's %M) and its ratio to the first.
# Usage: benchmarks/memory.sh [EPOCHS ...]   (default: 1 4 12); extra `mtl train` flags in MTL_MEMORY_FLAGS
#        (default: --weighting pcgrad), JVM options in MTL_JAVA_OPTS as for ./mtl.
# MTL_MEMORY_CLUSTER=1: train on the local Spark cluster instead (mtl-spark/cluster/local-cluster.sh, two workers, from
#        mtl-cli's built jar and classpath-spark.txt) and report the peak RSS of each executor JVM and of the driver,
#        sampled from /proc every second (VmHWM); MTL_MEMORY_FLAGS then defaults to none (parameter averaging).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
cluster="${MTL_MEMORY_CLUSTER:-}"
[ -n "$cluster" ] || [ -x /usr/bin/time ] || { echo "memory.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
work="${MTL_MEMORY_DIR:-$(mktemp -d)}"
mkdir -p "$work"
table="$work/memory-50k.csv"
if [ ! -f "$table" ]; then
  /usr/bin/python3 - "$table" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(",".join([f"x{i}" for i in range(20)] + ["r1", "r2", "b", "c"]) + "\n")
    for _ in range(50000):
        x = [random.gauss(0, 1) for _ in range(20)]
        r1 = sum(x[:5]) + random.gauss(0, 0.5)
        r2 = x[5] * x[6] + x[7] + random.gauss(0, 0.5)
        b = 1 if x[8] + x[9] + random.gauss(0, 1) > 0 else 0
        c = "lo" if x[10] < -0.5 else ("mid" if x[10] < 0.5 else "hi")
        f.write(",".join(f"{v:.5f}" for v in x) + f",{r1:.4f},{r2:.4f},{b},{c}\n")
import os
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
PY
fi
epochs=("$@")
[ ${#epochs[@]} -gt 0 ] || epochs=(1 4 12)
# shellcheck disable=SC2206
if [ -n "$cluster" ]; then
  flags=(${MTL_MEMORY_FLAGS:-})
else
  flags=(${MTL_MEMORY_FLAGS:---weighting pcgrad})
fi
"$root/mtl" --help > /dev/null  # builds once, outside the measured runs
first=""
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
tasks=(--task r1:regression:r1 --task r2:regression:r2 --task b:binary:b --task c:multiclass:c)

# peak_rss_mb PID: the process's peak resident set (VmHWM) in MB, empty once it has gone.
peak_rss_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || true; }

if [ -n "$cluster" ]; then
  [ -f "$root/mtl-cli/target/classpath-spark.txt" ] || { echo "memory.sh: run ./mtl train --spark once (or mvn package) to write mtl-cli/target/classpath-spark.txt" >&2; exit 1; }
  export MTL_APP_CLASSPATH="$root/mtl-cli/target/mtl-cli-0.1.0-SNAPSHOT.jar:$(cat "$root/mtl-cli/target/classpath-spark.txt")"
  for e in "${epochs[@]}"; do
    home="$work/cluster-$e"
    rm -rf "$home" "$work/run-$e"
    start=$SECONDS
    MTL_CLUSTER_DIR="$home" "$root/mtl-spark/cluster/local-cluster.sh" train --data "$table" "${tasks[@]}" --epochs "$e" \
      --patience 1000 "${flags[@]}" --out "$work/run-$e" > "$work/out-$e.txt" 2> "$work/err-$e.txt" &
    runner=$!
    declare -A peaks=()
    while kill -0 "$runner" 2>/dev/null; do
      # This cluster's JVMs carry its directory in their class path; the executors run CoarseGrainedExecutorBackend,
      # the driver SparkSubmit.
      for pid in $(pgrep -f -- "$home/jars" || true); do
        args="$(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" || true)"
        case "$args" in
          *CoarseGrainedExecutorBackend*) role="executor-$pid" ;;
          *SparkSubmit*) role=driver ;;
          *) continue ;;
        esac
        mb="$(peak_rss_mb "$pid")"
        [ -z "$mb" ] || [ "${peaks[$role]:-0}" -ge "$mb" ] || peaks[$role]="$mb"
      done
      sleep 1
    done
    wait "$runner" || { echo "memory.sh: the cluster run of $e epochs failed; its stderr:" >&2; tail -n 20 "$work/err-$e.txt" >&2; exit 1; }
    executors=""
    largest=0
    for role in "${!peaks[@]}"; do
      case "$role" in executor-*) executors="$executors ${peaks[$role]}"; [ "${peaks[$role]}" -le "$largest" ] || largest="${peaks[$role]}" ;; esac
    done
    [ -n "$first" ] || first="$largest"
    awk -v e="$e" -v x="$largest" -v each="$executors" -v d="${peaks[driver]:-0}" -v f="$first" -v s="$((SECONDS - start))" \
      -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
      'BEGIN { printf "epochs %3d  executors peak RSS %5d MB (each:%s; %.2fx the first run)  driver %5d MB  %4d s  (load %s)\n", e, x, each, x / f, d, s, load }'
    unset peaks
  done
  echo "(runs and logs in $work)"
  exit 0
fi

for e in "${epochs[@]}"; do
  /usr/bin/time -f "%M %e" -o "$work/time-$e" "$root/mtl" train --data "$table" "${tasks[@]}" --epochs "$e" --patience 1000 "${flags[@]}" --out "$work/run-$e" > "$work/out-$e.txt" 2> "$work/err-$e.txt"
  read -r kb seconds < "$work/time-$e"
  [ -n "$first" ] || first="$kb"
  # The load average at the end of the run: on a shared machine garbage-collection pauses, and with them the heap
  # G1 commits, depend on it.
  awk -v e="$e" -v kb="$kb" -v s="$seconds" -v f="$first" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    'BEGIN { printf "epochs %3d  peak RSS %6.0f MB  (%.2fx the first run)  %6.1f s  (load %s)\n", e, kb / 1024, kb / f, s, load }'
done
echo "(runs and logs in $work)"
