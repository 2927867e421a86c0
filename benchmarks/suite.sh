#!/usr/bin/env bash
# The benchmark suite (docs/suite.md): the real ./mtl on the public tables of benchmarks/suite (manifest.json,
# SOURCES.md), one table of results per run (markdown + CSV).
# Usage: benchmarks/suite.sh [quick|full|affinity] [OUT_DIR] [TABLE,...]
#   quick (default): seed 1; linear, single-task and hard sharing at the defaults (mtl train --baselines).
#   full: seeds 1-3; plus hard + uncertainty weighting and MMoE; test rows held out; about half an hour; outside CI.
#   affinity: seeds 1-3; mtl affinity on the full mode's dev rows, beside the full mode's delta-m (same OUT_DIR).
# MTL_SUITE_ARGS adds options to every mtl train run (e.g. "--lr-schedule plateau"); MTL_SUITE_SEEDS chooses seeds
# ("4-8"); MTL_SUITE_RUNS the full mode's runs, ';'-separated, candidates as NAME=OPTIONS ("hard-128=--shared 128,128").
# A full or affinity run into an OUT_DIR that has finished runs resumes (adds seeds or candidates, repeats nothing).
# OUT_DIR defaults to target/suite-<mode>; results in OUT_DIR/suite.md and OUT_DIR/suite.csv, runs under OUT_DIR/runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Build the command line first (once), so its build time is not counted against the first table.
"$root/mtl" --version >/dev/null
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
exec /usr/bin/python3 "$root/benchmarks/suite/suite.py" "$@"
