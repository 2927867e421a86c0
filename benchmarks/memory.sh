#!/usr/bin/env bash
# Peak resident memory of `./mtl train` against the number of epochs (issue 19's memory goal: the peak after 12 epochs
# at most 1.5x the peak after 1). Generates the issue's table once (50,000 rows, 20 numeric features; 2 regression,
# 1 binary and 1 three-class task; about 9 MB of CSV), trains it with the given epochs, and prints each run's peak RSS
# (GNU time's %M) and its ratio to the first.
# Usage: benchmarks/memory.sh [EPOCHS ...]   (default: 1 4 12); extra `mtl train` flags in MTL_MEMORY_FLAGS
#        (default: --weighting pcgrad), JVM options in MTL_JAVA_OPTS as for ./mtl.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
[ -x /usr/bin/time ] || { echo "memory.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
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
flags=(${MTL_MEMORY_FLAGS:---weighting pcgrad})
"$root/mtl" --help > /dev/null  # builds once, outside the measured runs
first=""
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
for e in "${epochs[@]}"; do
  /usr/bin/time -f "%M %e" -o "$work/time-$e" "$root/mtl" train --data "$table" --task r1:regression:r1 --task r2:regression:r2 \
    --task b:binary:b --task c:multiclass:c --epochs "$e" --patience 1000 "${flags[@]}" --out "$work/run-$e" > "$work/out-$e.txt" 2> "$work/err-$e.txt"
  read -r kb seconds < "$work/time-$e"
  [ -n "$first" ] || first="$kb"
  # The load average at the end of the run: on a shared machine garbage-collection pauses, and with them the heap
  # G1 commits, depend on it.
  awk -v e="$e" -v kb="$kb" -v s="$seconds" -v f="$first" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    'BEGIN { printf "epochs %3d  peak RSS %6.0f MB  (%.2fx the first run)  %6.1f s  (load %s)\n", e, kb / 1024, kb / f, s, load }'
done
echo "(runs and logs in $work)"
