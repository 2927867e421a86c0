#!/usr/bin/python3
"""The benchmark suite: runs the real `./mtl` on every table of manifest.json and writes one table (markdown + CSV).

  quick: seed 1; `mtl train --baselines` at its defaults (linear, single-task network, hard sharing), figures on the
         validation rows that `mtl train` holds out (20 %).
  full:  seeds 1-3; per seed the table is split 80/20 into dev and test rows (seeded shuffle, written under OUT/splits);
         `mtl train` runs on the dev rows only (its own 20 % validation split inside them) for hard sharing (with
         --baselines), hard + uncertainty weighting, MMoE and independent towers (= the single-task networks, saved);
         every saved model is then measured on the test rows with `mtl evaluate --json`. "best MTL" is, per seed, the
         multi-task model with the highest validation delta-m against the single-task baseline, reported on test rows.
         The linear baseline is measured on the same test rows by the hard run's `--test-data` (metrics.json `test`).

Stdlib only (Debian's /usr/bin/python3). benchmarks/suite.sh is the entry point; `suite.py table RUNS_DIR OUT_PREFIX`
re-aggregates finished runs without training. MTL_SUITE_ARGS adds options to every `mtl train`
(e.g. MTL_SUITE_ARGS="--lr-schedule plateau" to measure a candidate default against the defaults).
"""
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# delta-m compares these metrics per task type, as mtl-dl4j's Metric.comparedByDeltaM does.
COMPARED = {"regression": ["rmse", "mae"], "binary": ["accuracy", "auc", "f1"], "multiclass": ["accuracy", "macro_f1"]}
LOWER_IS_BETTER = {"rmse", "mae", "loss"}
# What the table shows per task type.
SHOWN = {"regression": ["r2", "rmse"], "binary": ["accuracy", "auc"], "multiclass": ["accuracy", "macro_f1"]}
MTL_MODELS = ["hard", "hard-uncertainty", "mmoe"]
FULL_RUNS = {"hard": ["--baselines"], "hard-uncertainty": ["--weighting", "uncertainty"], "mmoe": ["--arch", "mmoe"],
             "independent": ["--arch", "independent"]}


def load_manifest(path=os.path.join(HERE, "manifest.json")):
    with open(path) as f:
        return json.load(f)["tables"]


def header_of(path):
    with open(path, newline="") as f:
        return next(csv.reader(f))


def train_args(table, data):
    """`mtl train` arguments for a manifest table: its tasks and its features (every column but tasks and drops)."""
    task_columns = {t["column"] for t in table["tasks"]}
    features = [c for c in header_of(data) if c not in task_columns and c not in table.get("drop", [])]
    args = ["--data", data]
    for t in table["tasks"]:
        args += ["--task", "%s:%s:%s" % (t["name"], t["type"], t["column"])]
    args += ["--features", ",".join(features)]
    # MTL_SUITE_ARGS: extra `mtl train` options for every run (e.g. "--lr-schedule plateau"), to measure a change.
    args += os.environ.get("MTL_SUITE_ARGS", "").split()
    if table.get("categorical"):
        args += ["--categorical", ",".join(table["categorical"])]
    return args


def run(cmd, log):
    with open(log, "w") as out:
        code = subprocess.call(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    if code != 0:
        sys.exit("suite: %s failed (exit %d); its output is in %s" % (" ".join(cmd), code, log))


def split(data, seed, out_dir, test_fraction=0.2):
    """Seeded 80/20 shuffle split of a CSV into dev.csv and test.csv (header kept); returns their paths."""
    with open(data, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    order = list(range(len(body)))
    random.Random(seed).shuffle(order)
    n_test = int(round(len(body) * test_fraction))
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, idx in (("dev.csv", sorted(order[n_test:])), ("test.csv", sorted(order[:n_test]))):
        path = os.path.join(out_dir, name)
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(body[i] for i in idx)
        paths.append(path)
    return paths


def delta_m(model, baseline):
    """delta-m (Maninis et al. 2019) as mtl-dl4j computes it: per task the mean signed relative change of its compared
    metrics, then the mean over tasks; a fraction, positive = model better. None where a baseline value is <= 0."""
    per_task = []
    for task, m in model.items():
        b = baseline[task]
        changes = []
        for metric in COMPARED[m["type"]]:
            mv, bv = m.get(metric), b.get(metric)
            if mv is None or bv is None or bv <= 0:
                return None
            sign = -1 if metric in LOWER_IS_BETTER else 1
            changes.append(sign * (mv - bv) / bv)
        per_task.append(sum(changes) / len(changes))
    return sum(per_task) / len(per_task)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def collect_quick(runs_dir, tables):
    """{table: {seed: {model: {task: metrics}}}} from RUNS_DIR/<table>/seed<S>/hard/metrics.json."""
    results = {}
    for table in tables:
        tdir = os.path.join(runs_dir, table["name"])
        if not os.path.isdir(tdir):
            continue
        for sdir in sorted(os.listdir(tdir)):
            path = os.path.join(tdir, sdir, "hard", "metrics.json")
            if not os.path.exists(path):
                continue  # a run not finished (or failed): the table shows the finished ones
            m = read_json(path)
            b = m["baselines"]
            results.setdefault(table["name"], {})[sdir] = {
                "linear": b["linear"], "single-task": b["single_task"], "hard": m["tasks"]}
    return results


def collect_full(runs_dir, tables):
    """Test-row figures of the saved models and of the linear baseline (the hard run's `--test-data` block; runs made
    before it existed show the linear baseline's validation figures as "linear (valid)"), and "best MTL" chosen per
    seed on validation delta-m against the single-task baseline."""
    results = {}
    for table in tables:
        tdir = os.path.join(runs_dir, table["name"])
        if not os.path.isdir(tdir):
            continue
        for sdir in sorted(os.listdir(tdir)):
            base = os.path.join(tdir, sdir)
            if not all(os.path.exists(os.path.join(base, name, "test.json")) for name in FULL_RUNS):
                continue  # a seed not finished
            hard = read_json(os.path.join(base, "hard", "metrics.json"))
            single_valid = hard["baselines"]["single_task"]
            if "test" in hard and "baselines" in hard["test"]:
                seed = {"linear": hard["test"]["baselines"]["linear"]}
            else:
                seed = {"linear (valid)": hard["baselines"]["linear"]}
            test = {name: read_json(os.path.join(base, name, "test.json"))["tasks"] for name in FULL_RUNS}
            seed["single-task"] = test["independent"]
            valid_dm = {}
            for name in MTL_MODELS:
                seed[name] = test[name]
                valid = read_json(os.path.join(base, name, "metrics.json"))["tasks"]
                valid_dm[name] = delta_m(valid, single_valid)
            best = max(MTL_MODELS, key=lambda n: -1e9 if valid_dm[n] is None else valid_dm[n])
            seed["best MTL"] = dict(test[best])
            seed["_best"] = best
            results.setdefault(table["name"], {})[sdir] = seed
    return results


def fmt(values, digits=3):
    """Mean ± sample standard deviation; n/a if any value is undefined."""
    if not values or None in values:
        return "n/a"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return "%.*f" % (digits, mean)
    return "%.*f ± %.*f" % (digits, mean, digits, statistics.stdev(values))


def write_table(results, tables, models, out_prefix, reference="single-task", note=""):
    """Writes OUT_PREFIX.md and OUT_PREFIX.csv: per table and task, each model's shown metrics (mean ± sample standard
    deviation over seeds), and per table each model's delta-m against `reference` (in %)."""
    rows_csv = []
    md = []
    if note:
        md += [note, ""]
    md.append("| table | task | metric | " + " | ".join(models) + " |")
    md.append("|---|---|---|" + "---|" * len(models))
    for table in tables:
        seeds = results.get(table["name"])
        if not seeds:
            continue
        first = next(iter(seeds.values()))
        for t in table["tasks"]:
            ttype = first[models[0]][t["name"]]["type"]
            for metric in SHOWN[ttype]:
                cells = []
                for model in models:
                    vals = [s[model][t["name"]].get(metric) for s in seeds.values() if model in s]
                    cells.append(fmt(vals))
                    for sname, s in seeds.items():
                        if model in s:
                            rows_csv.append([table["name"], t["name"], ttype, metric, model, sname,
                                             s[model][t["name"]].get(metric)])
                md.append("| %s | %s | %s | %s |" % (table["name"], t["name"], metric, " | ".join(cells)))
        cells = []
        for model in models:
            dms = []
            for sname, s in seeds.items():
                if model not in s or "(valid)" in model:
                    continue
                dm = delta_m(s[model], s[reference])
                dms.append(None if dm is None else 100 * dm)
                rows_csv.append([table["name"], "", "", "delta_m_vs_" + reference, model, sname, dm])
            # A baseline measured on other rows (the linear one's validation rows in full mode) has no delta-m here.
            cells.append("—" if model == reference or "(valid)" in model else fmt(dms, 1) + ("" if None in dms else " %"))
        md.append("| %s | **delta-m** vs %s | | %s |" % (table["name"], reference, " | ".join(cells)))
        if any("_best" in s for s in seeds.values()):
            picks = ", ".join("%s: %s" % (k, s["_best"]) for k, s in seeds.items())
            md.append("| %s | best MTL picked on validation | | %s%s |" % (table["name"], " | " * (len(models) - 1), picks))
    with open(out_prefix + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    with open(out_prefix + ".csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["table", "task", "type", "metric", "model", "seed", "value"])
        w.writerows(rows_csv)


def main(argv):
    if len(argv) >= 1 and argv[0] == "table":
        mode, runs_dir, out_prefix = argv[1], argv[2], argv[3]
        tables = load_manifest()
        aggregate(mode, runs_dir, out_prefix, tables)
        return
    mode = argv[0] if argv else "quick"
    if mode not in ("quick", "full"):
        sys.exit("usage: benchmarks/suite.sh [quick|full] [OUT_DIR] [TABLE,...]  (got mode '%s')" % mode)
    out = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(ROOT, "target", "suite-" + mode))
    tables = load_manifest()
    if len(argv) > 2:
        wanted = argv[2].split(",")
        unknown = [w for w in wanted if w not in {t["name"] for t in tables}]
        if unknown:
            sys.exit("suite: unknown table(s) %s; manifest.json has %s" % (unknown, [t["name"] for t in tables]))
        tables = [t for t in tables if t["name"] in wanted]
    runs_dir = os.path.join(out, "runs")
    mtl = os.path.join(ROOT, "mtl")
    seeds = [1] if mode == "quick" else [1, 2, 3]
    started = time.time()
    for table in tables:
        data = os.path.join(HERE, table["file"])
        for seed in seeds:
            base = os.path.join(runs_dir, table["name"], "seed%d" % seed)
            t0, c0 = time.time(), os.times()
            os.makedirs(base, exist_ok=True)
            if mode == "quick":
                run([mtl, "train"] + train_args(table, data) + ["--baselines", "--seed", str(seed),
                     "--out", os.path.join(base, "hard")], os.path.join(base, "hard.log"))
            else:
                dev, test = split(data, seed, os.path.join(out, "splits", table["name"], "seed%d" % seed))
                for name, extra in FULL_RUNS.items():
                    # The hard run measures its linear baseline on the test rows too (metrics.json "test").
                    held_out = ["--test-data", test] if "--baselines" in extra else []
                    run([mtl, "train"] + train_args(table, dev) + extra + held_out + ["--seed", str(seed),
                         "--out", os.path.join(base, name)], os.path.join(base, name + ".log"))
                    with open(os.path.join(base, name, "test.json"), "w") as f:
                        code = subprocess.call([mtl, "evaluate", "--model", os.path.join(base, name, "model.zip"),
                                                "--data", test, "--json"], stdout=f, stderr=subprocess.DEVNULL, cwd=ROOT)
                    if code != 0:
                        sys.exit("suite: mtl evaluate failed for %s seed %d %s" % (table["name"], seed, name))
            c1 = os.times()
            cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
            # CPU seconds beside wall seconds: on a shared machine the wall time says more about the neighbours.
            print("%-16s seed %d  wall %6.1f s  cpu %6.1f s" % (table["name"], seed, time.time() - t0, cpu), flush=True)
    aggregate(mode, runs_dir, os.path.join(out, "suite"), tables)
    print("wall time %.1f s; wrote %s.md and %s.csv" % (time.time() - started, os.path.join(out, "suite"),
                                                      os.path.join(out, "suite")))


def aggregate(mode, runs_dir, out_prefix, tables):
    if mode == "quick":
        write_table(collect_quick(runs_dir, tables), tables, ["linear", "single-task", "hard"], out_prefix,
                    note="Validation rows of `mtl train` (20 %), mean ± sd over seeds; delta-m in %, positive = better "
                         "than the single-task networks; n/a where a baseline's F1 is 0 (it never predicts the "
                         "positive class), which leaves the relative change undefined.")
    else:
        results = collect_full(runs_dir, tables)
        old = any("linear (valid)" in seed for by_seed in results.values() for seed in by_seed.values())
        write_table(results, tables,
                    ["linear (valid)" if old else "linear", "single-task"] + MTL_MODELS + ["best MTL"], out_prefix,
                    note="Test rows (20 %, never seen by training or selection), mean ± sd over seeds; "
                         + ("the linear baseline on validation rows (runs made before `--test-data`); " if old else
                            "the linear baseline on the same test rows (`mtl train --test-data`); ")
                         + "delta-m in %, positive = better than the single-task networks.")


if __name__ == "__main__":
    main(sys.argv[1:])
