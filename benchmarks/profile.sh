#!/usr/bin/env bash
# Where does a training step's time go? Samples TrainStepBenchmark with async-profiler (tools.profiler:async-profiler
# from Maven Central, CPU time via itimer, so no perf_event rights are needed), keeps only the benchmark thread's
# stacks, and prints the share of samples per category (BLAS GEMM, Adam, other native ops, JNI op dispatch,
# Java-side DL4J bookkeeping, GC/allocation).
# Usage: benchmarks/profile.sh [MODEL [IMPL]]   (default: wide mtl)   Env: OMP_NUM_THREADS (default 1), JMH_ARGS
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
model="${1:-wide}"; impl="${2:-mtl}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
version=4.2
ap_jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version-linux-x64.jar"
[ -f "$ap_jar" ] || mvn -B -q dependency:get -Dartifact="tools.profiler:async-profiler:$version:jar:linux-x64" -Dtransitive=false
work="$(mktemp -d)"
unzip -q -o "$ap_jar" -d "$work"
lib="$(find "$work" -name libasyncProfiler.so | head -1)"
[ -f benchmarks/target/benchmarks.jar ] || mvn -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests
java -jar benchmarks/target/benchmarks.jar TrainStepBenchmark -p model="$model" -p impl="$impl" ${JMH_ARGS:-} -wi 5 -w 2 -i 5 -r 3 \
  -prof "async:libPath=$lib;event=itimer;interval=1000000;output=collapsed;dir=$work/out;rawCommand=include=*TrainStepBenchmark*" > "$work/run.log"
collapsed="$(find "$work/out" -name '*collapsed*' | head -1)"
grep -A3 '^Benchmark ' "$work/run.log" | grep -v ':async' || true
python3 - "$collapsed" "$model" "$impl" <<'PY'
import collections, re, sys
path, model, impl = sys.argv[1:]
rules = [  # first match on the leaf frame wins (the first rule looks at the whole stack)
    ("JavaCPP physical-memory accounting (reads /proc per allocation)", r"physicalBytes"),
    ("BLAS GEMM (OpenBLAS/oneDNN kernels)", r"gemm|dnnl|jit_|mkl"),
    ("Adam update (native)", r"adamUpdater"),
    ("other native math (activations, broadcasts, reductions, copies)", r"^(sd::|functions::|void functions|std::_Function_handler|simdOps|samediff|nd4j::|__mem|void sd)"),
    ("GC and allocation", r"^(G1|GC|Alloc|__GI___libc_malloc|malloc|free|_int_)|javacpp\.Pointer|DeallocatorService"),
    ("JNI op dispatch (ND4J Java <-> native)", r"Nd4jCpu|NativeOpExecutioner|OpContext|shapeBuffer|Nd4jCpu\$"),
]
totals, leaves, total = collections.Counter(), collections.defaultdict(collections.Counter), 0
for line in open(path):
    stack, _, count = line.rstrip().rpartition(" ")
    leaf = stack.split(";")[-1]
    count = int(count)
    total += count
    for name, pattern in rules:
        if re.search(pattern, stack if name.startswith("JavaCPP") else leaf):
            break
    else:
        name = ("Java: DL4J/ND4J bookkeeping (shapes, workspaces, graph traversal)"
                if re.match(r"(org|java|jdk|sun|io)[./]", leaf) else "other (kernel, libc, JVM)")
    totals[name] += count
    leaves[name][leaf[:90]] += count
print("model %s impl %s: %d samples of the benchmark thread" % (model, impl, total))
for name, count in totals.most_common():
    print("%6.1f%%  %s" % (100.0 * count / total, name))
    for leaf, n in leaves[name].most_common(3):
        print("          %5.1f%%  %s" % (100.0 * n / total, leaf))
PY
rm -rf "$work"
