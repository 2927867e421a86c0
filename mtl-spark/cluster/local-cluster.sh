#!/usr/bin/env bash
# A real Spark standalone cluster on this machine: one master and two workers as separate JVMs on 127.0.0.1, run from
# the Spark jars Maven resolved (no download), then `spark-submit` of the cluster jar in client mode as
#   mtl train ARGS... --spark spark://127.0.0.1:PORT
# and everything stopped on exit. docs/cluster.md explains each step and the Spark/Java versions.
#
#   mtl-spark/cluster/local-cluster.sh train --data penguins.csv --task species:multiclass:species --out run
#   mtl-spark/cluster/local-cluster.sh train ARGS... --then train ARGS... [--then train ARGS...]...
#
# Several `train` runs joined by --then are a session: one spark-submit of mtl-cli's MtlSession, which runs them in order
# in one Spark application (its two executors start and load ND4J once); the first run that fails ends the session
# with its exit code.
# Builds mtl-cli/target/mtl-cluster.jar (mvn -Pcluster) on first use unless MTL_NO_BUILD is set.
# MTL_APP_CLASSPATH=JAR:JAR...  submits that class path instead of the cluster jar: the first jar as the application,
#                                the others with --jars, leaving out Spark's and Scala's (the build's LocalClusterIT
#                                submits mtl-cli's jar and classpath-spark.txt this way, without building the big jar)
# Environment: MTL_CLUSTER_DIR  lay the cluster out there and keep it (SPARK_HOME, logs/, work-1/, work-2/);
#                                default a temporary directory, removed on exit
#              MTL_CLUSTER_TIMEOUT  seconds for the whole run (default 900)
#              MTL_CLUSTER_WORKERS  workers of one core each (default 2; 1 for a one-worker baseline)
#              MTL_SUBMIT_ARGS  more spark-submit arguments, split at spaces (e.g. '--conf spark.eventLog.enabled=true
#                               --conf spark.eventLog.dir=file:///tmp/events' for every task's metrics)
#              SPARK_WORKER_MEMORY (default 1g), MTL_EXECUTOR_MEMORY (768m), MTL_DRIVER_MEMORY (1g)
#              MTL_EXECUTOR_JAVA_OPTS  more JVM options for the executors (e.g. -XX:+UseSerialGC)
set -euo pipefail

usage() {
  echo "usage: $0 train ARGS... [--then train ARGS...]... (mtl train's options; --spark is added)" >&2
  exit 2
}
[ "${1:-}" = train ] || usage
runs=1
previous=""
for arg in "$@"; do
  if [ "$previous" = --then ]; then
    [ "$arg" = train ] || usage
    runs=$((runs + 1))
  fi
  if [ "$arg" = --spark ] || [ "${arg#--spark=}" != "$arg" ]; then
    echo "local-cluster.sh: leave out --spark: the script passes the master of the cluster it starts" >&2
    exit 2
  fi
  previous="$arg"
done
[ "$previous" != --then ] || usage

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="$root/mtl-cli/target"
jar="$target/mtl-cluster.jar"
# The jars a Spark distribution ships (Spark, Scala and their dependencies), as Maven resolves them from Spark's pom.
distribution_pom="$root/mtl-spark/cluster/spark-distribution.xml"
distribution="$target/classpath-spark-distribution.txt"
deadline=$((SECONDS + ${MTL_CLUSTER_TIMEOUT:-900}))
workers="${MTL_CLUSTER_WORKERS:-2}"
case "$workers" in
  [1-9]) ;;
  *) echo "local-cluster.sh: MTL_CLUSTER_WORKERS must be a number of workers from 1 to 9, received '$workers'" >&2; exit 2 ;;
esac

if [ -z "${MTL_APP_CLASSPATH:-}" ] && [ ! -f "$jar" ]; then
  if [ -n "${MTL_NO_BUILD:-}" ]; then
    echo "local-cluster.sh: $jar is missing: run 'mvn -B -Pcluster -DskipTests -pl mtl-cli -am package' or unset MTL_NO_BUILD" >&2
    exit 2
  fi
  echo "local-cluster.sh: building the cluster jar (mvn -Pcluster, once)..." >&2
  log="$(mktemp)"
  if ! (cd "$root" && mvn -B -q -Pcluster -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl mtl-cli -am package) >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "local-cluster.sh: the build failed (Maven's output is above)" >&2
    exit 1
  fi
  rm -f "$log"
fi
if [ ! -f "$distribution" ] || [ "$distribution_pom" -nt "$distribution" ]; then
  mkdir -p "$target"
  if ! mvn -B -q -f "$distribution_pom" dependency:build-classpath -Dmdep.outputFile="$distribution" >&2; then
    echo "local-cluster.sh: could not resolve the Spark jars of $distribution_pom (Maven's output is above)" >&2
    exit 1
  fi
fi

# Spark 3.1 reflects into JDK packages that Java 17 keeps closed: the opens of the parent pom, in every JVM.
opens="$(sed -n 's:.*<spark.add-opens>\(.*\)</spark.add-opens>.*:\1:p' "$root/pom.xml")"
[ -n "$opens" ] || { echo "local-cluster.sh: no <spark.add-opens> in $root/pom.xml" >&2; exit 1; }

if [ -n "${MTL_CLUSTER_DIR:-}" ]; then
  home="$(mkdir -p "$MTL_CLUSTER_DIR" && cd "$MTL_CLUSTER_DIR" && pwd)"
  keep=1
else
  home="$(mktemp -d "${TMPDIR:-/tmp}/mtl-local-cluster.XXXXXX")"
  keep=""
fi
# A standalone worker starts its executors with $SPARK_HOME/jars/* as class path: link the resolved jars there.
mkdir -p "$home/jars" "$home/conf" "$home/logs"
tr ':' '\n' < "$distribution" | while read -r file; do
  [ -n "$file" ] && ln -sf "$file" "$home/jars/"
done
export SPARK_HOME="$home" SPARK_CONF_DIR="$home/conf" SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
classpath="$home/conf/:$home/jars/*"
# The daemons log at INFO into logs/; the driver (spark-submit) at WARN, so its stderr stays readable.
printf '%s\n' 'log4j.rootCategory=WARN, console' 'log4j.appender.console=org.apache.log4j.ConsoleAppender' \
  'log4j.appender.console.target=System.err' 'log4j.appender.console.layout=org.apache.log4j.PatternLayout' \
  'log4j.appender.console.layout.ConversionPattern=%d{HH:mm:ss} %p %c{1}: %m%n' > "$home/conf/log4j-driver.properties"

application=("$jar")
if [ -n "${MTL_APP_CLASSPATH:-}" ]; then
  IFS=: read -r -a entries <<< "$MTL_APP_CLASSPATH"
  extra=""
  for entry in "${entries[@]:1}"; do
    case "$entry" in */org/apache/spark/*|*/org/scala-lang/*) continue ;; esac
    [ -e "$home/jars/$(basename "$entry")" ] && continue
    extra="${extra:+$extra,}$entry"
  done
  application=(--jars "$extra" "${entries[0]}")
fi

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  # A worker kills its executors when it stops; give them 15 s, then kill what is left of this cluster's JVMs (the
  # executors included), found by this cluster's own directory in their class path.
  for _ in $(seq 30); do
    pgrep -f -- "$home/jars" >/dev/null || break
    sleep 0.5
  done
  for pid in $(pgrep -f -- "$home/jars" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  [ -n "$keep" ] || rm -rf "$home"
}
trap stop_all EXIT
trap 'exit 143' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port="$(free_port)"
ui_port="$(free_port)"
master="spark://127.0.0.1:$port"

daemon() { # daemon LOG CLASS ARGS...: a Spark daemon JVM in the background, its output in logs/LOG
  local log="$1"
  shift
  # shellcheck disable=SC2086
  java -cp "$classpath" -Xmx256m $opens "$@" >"$home/logs/$log" 2>&1 &
  pids+=("$!")
}
daemon master.log org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$ui_port"
for n in $(seq "$workers"); do
  mkdir -p "$home/work-$n"
  daemon "worker-$n.log" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
    --memory "${SPARK_WORKER_MEMORY:-1g}" --work-dir "$home/work-$n" --webui-port 0 "$master"
done

# Wait until the master's JSON lists every worker alive (or a daemon died, or the time is up).
alive=0
until [ "$alive" = "$workers" ]; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "local-cluster.sh: a Spark daemon exited at start; its log:" >&2
      tail -n 30 "$home"/logs/*.log >&2
      exit 1
    fi
  done
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "local-cluster.sh: the workers did not register with the master in time; logs in $home/logs" >&2
    exit 1
  fi
  sleep 1
  alive="$(curl -fs "http://127.0.0.1:$ui_port/json/" | python3 -c 'import json, sys; print(json.load(sys.stdin)["aliveworkers"])' 2>/dev/null || echo 0)"
done
echo "local-cluster.sh: master $master (UI http://127.0.0.1:$ui_port), $workers workers of 1 core; logs in $home/logs" >&2

# spark-submit in client mode: the driver is this JVM (so its memory and opens are JVM options here), the executors are
# launched by the workers with the opens of spark.executor.extraJavaOptions. minRegisteredResourcesRatio=1 makes the
# driver wait for both executors before the first job. A session of several runs is one submit of mtl-cli's MtlSession:
# the runs share one Spark context, so the executors start (and load ND4J) once.
main=io.github.mtldl4j.cli.MtlCommand
[ "$runs" = 1 ] || main=io.github.mtldl4j.cli.MtlSession
commands=()
for arg in "$@"; do
  if [ "$arg" = --then ]; then
    commands+=(--spark "$master" --then)
  else
    commands+=("$arg")
  fi
done
commands+=(--spark "$master")
[ "$runs" = 1 ] || echo "local-cluster.sh: $runs runs in one application (at ${SECONDS} s)" >&2
# shellcheck disable=SC2086
timeout --kill-after=20 "$((deadline - SECONDS))" \
  java -cp "$classpath" -Xmx"${MTL_DRIVER_MEMORY:-1g}" $opens -Dlog4j.configuration="file:$home/conf/log4j-driver.properties" \
  org.apache.spark.deploy.SparkSubmit \
  --master "$master" --deploy-mode client --class "$main" \
  --conf spark.driver.host=127.0.0.1 \
  --conf spark.executor.memory="${MTL_EXECUTOR_MEMORY:-768m}" --conf spark.executor.cores=1 --conf spark.cores.max="$workers" \
  --conf "spark.executor.extraJavaOptions=$opens${MTL_EXECUTOR_JAVA_OPTS:+ $MTL_EXECUTOR_JAVA_OPTS}" --conf spark.executorEnv.OMP_NUM_THREADS="$OMP_NUM_THREADS" \
  --conf spark.scheduler.minRegisteredResourcesRatio=1.0 --conf spark.scheduler.maxRegisteredResourcesWaitingTime=120s \
  ${MTL_SUBMIT_ARGS:-} \
  "${application[@]}" "${commands[@]}"
