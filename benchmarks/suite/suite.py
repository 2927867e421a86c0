#!/usr/bin/python3
"""The benchmark suite: runs the real `./mtl` on every table of manifest.json and writes one table (markdown + CSV).

  quick: seed 1; `mtl train --baselines` at its defaults (linear, single-task network, hard sharing with the default
         weighting: uncertainty), figures on the validation rows that `mtl train` holds out (20 %).
  full:  seeds 1-3; per seed the table is split 80/20 into dev and test rows (seeded shuffle, written under OUT/splits);
         `mtl train` runs on the dev rows only (its own 20 % validation split inside them) for hard sharing (with
         --baselines), hard + uncertainty weighting, MMoE and independent towers (= the single-task networks, saved);
         every saved model is then measured on the test rows with `mtl evaluate --json`. "best MTL" is, per seed, the
         multi-task model with the highest validation delta-m against the single-task baseline, reported on test rows.
         The linear baseline is measured on the same test rows by the hard run's `--test-data` (metrics.json `test`).
  affinity: seeds 1-3; `mtl affinity` (lookahead task affinity, Fifty et al. 2021) on each seed's dev rows (the full
         mode's splits), written beside the full mode's delta-m of hard sharing when OUT_DIR has those runs, with the
         rank correlation between the two across tables: do tasks that help each other in the first epochs gain from
         sharing on held-out rows?

Stdlib only (Debian's /usr/bin/python3). benchmarks/suite.sh is the entry point; `suite.py table RUNS_DIR OUT_PREFIX`
re-aggregates finished runs without training; `suite.py patience RUNS_DIR 5,10,20` says from runs made without early
stopping what each patience would have changed (kept epochs, epochs trained): exact, since a stopped run is the same
run up to its stop. MTL_SUITE_ARGS adds options to every `mtl train`
(e.g. MTL_SUITE_ARGS="--lr-schedule plateau" to measure a candidate default against the defaults); MTL_SUITE_SEEDS
chooses the seeds (e.g. "4-8"); MTL_SUITE_RUNS the full mode's runs per seed, separated by ';', with candidates as
NAME=OPTIONS (e.g. "hard-uncertainty;hard-128=--shared 128,128"). A full run into an OUT_DIR that has measured runs resumes: runs
with a test.json are not repeated, so more seeds or candidates can be added to a finished suite.
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
# Weightings named, so a column means the same whatever `mtl train`'s default (uncertainty for hard sharing since
# docs/suite.md "Uncertainty weighting as the default"; fixed before).
FULL_RUNS = {"hard": ["--baselines", "--weighting", "fixed"], "hard-uncertainty": ["--weighting", "uncertainty"],
             "mmoe": ["--arch", "mmoe", "--weighting", "fixed"], "independent": ["--arch", "independent", "--weighting", "fixed"]}


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
    seed on validation delta-m against the single-task baseline (only for seeds that have all of MTL_MODELS).

    A seed counts once its hard and independent runs are measured; every other run directory with a test.json (a
    candidate of MTL_SUITE_RUNS, say) is one more multi-task model."""
    results = {}
    for table in tables:
        tdir = os.path.join(runs_dir, table["name"])
        if not os.path.isdir(tdir):
            continue
        for sdir in sorted(os.listdir(tdir), key=seed_order):
            base = os.path.join(tdir, sdir)
            if not os.path.isdir(base) or not all(
                    os.path.exists(os.path.join(base, name, "test.json")) for name in ("hard", "independent")):
                continue  # a seed not finished
            hard = read_json(os.path.join(base, "hard", "metrics.json"))
            single_valid = hard["baselines"]["single_task"]
            if "test" in hard and "baselines" in hard["test"]:
                seed = {"linear": hard["test"]["baselines"]["linear"]}
            else:
                seed = {"linear (valid)": hard["baselines"]["linear"]}
            names = [n for n in sorted(os.listdir(base)) if os.path.exists(os.path.join(base, n, "test.json"))]
            test = {name: read_json(os.path.join(base, name, "test.json"))["tasks"] for name in names}
            seed["single-task"] = test["independent"]
            valid_dm = {}
            for name in names:
                if name == "independent":
                    continue
                seed[name] = test[name]
                valid = read_json(os.path.join(base, name, "metrics.json"))["tasks"]
                valid_dm[name] = delta_m(valid, single_valid)
            if all(name in valid_dm for name in MTL_MODELS):
                best = max(MTL_MODELS, key=lambda n: -1e9 if valid_dm[n] is None else valid_dm[n])
                seed["best MTL"] = dict(test[best])
                seed["_best"] = best
            results.setdefault(table["name"], {})[sdir] = seed
    return results


def seed_order(name):
    """seed2 before seed10."""
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else -1, name)


def full_models(results):
    """The multi-task models present in any seed: MTL_MODELS first, then candidates by name."""
    present = {k for by_seed in results.values() for seed in by_seed.values() for k in seed
               if not k.startswith("_") and k not in ("linear", "linear (valid)", "single-task", "best MTL")}
    return [m for m in MTL_MODELS if m in present] + sorted(present - set(MTL_MODELS))


def parse_seeds(text):
    """MTL_SUITE_SEEDS: "4-8", "1,2,3" or a mix ("1,4-6")."""
    seeds = []
    for part in text.split(","):
        part = part.strip()
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            sys.exit("suite: MTL_SUITE_SEEDS wants seeds such as 1,2,3 or 4-8 (got '%s')" % text)
        seeds += range(int(lo), int(hi or lo) + 1)
    return seeds


def parse_runs(text):
    """MTL_SUITE_RUNS (full mode): the runs per seed, separated by ';' (options may hold commas), each a name of
    FULL_RUNS or a candidate NAME=OPTIONS (options space-separated), e.g. "mmoe;hard-128=--shared 128,128". hard (its
    baselines) and independent (the reference of delta-m) are always run."""
    runs = {"hard": FULL_RUNS["hard"], "independent": FULL_RUNS["independent"]}
    for item in filter(None, (i.strip() for i in text.split(";"))):
        name, eq, options = item.partition("=")
        if eq:
            if not name or "/" in name:
                sys.exit("suite: MTL_SUITE_RUNS: '%s' needs a name before '=' (a directory name)" % item)
            runs[name] = options.split()
        elif name in FULL_RUNS:
            runs[name] = FULL_RUNS[name]
        else:
            sys.exit("suite: MTL_SUITE_RUNS: unknown run '%s'; known: %s, or NAME=OPTIONS" % (name, ", ".join(FULL_RUNS)))
    return runs


def relative_affinity(path):
    """From an affinity.json: the mean over ordered task pairs (i, j) of Z[i->j] / Z[j->j], i.e. how much a step on
    task i alone lowers task j's loss, as a share of what a step on j itself does; and the mean gradient cosine over
    pairs; and the number of groups `mtl affinity` suggests."""
    a = read_json(path)
    z, cos, n = a["lookahead"], a["gradient_cosine"], len(a["tasks"])
    shares = [z[i][j] / z[j][j] for i in range(n) for j in range(n) if i != j and z[j][j] > 0]
    cosines = [cos[i][j] for i in range(n) for j in range(i + 1, n)]
    return (sum(shares) / len(shares) if shares else None, sum(cosines) / len(cosines), len(a["groups"]))


def ranks(values):
    """1-based ranks, ties given their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs, ys):
    """Spearman's rank correlation (Pearson's on the ranks); None for fewer than three pairs."""
    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.mean(rx), statistics.mean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else None


def write_affinity(affinity_dir, full, tables, out_prefix):
    """OUT_PREFIX.md: per table the task affinity over seeds beside hard sharing's test-row delta-m (full mode runs of
    the same OUT_DIR, if any), and their rank correlation across tables."""
    md = ["Task affinity (`mtl affinity` on each seed's dev rows, 10 epochs of hard sharing): the share of a task's own "
          "one-step loss decrease that a step on another task gives it (lookahead, Fifty et al. 2021; mean over ordered "
          "task pairs), the gradient cosine (mean over pairs), the number of groups suggested per seed; beside hard "
          "sharing's delta-m against the single-task networks on test rows (full mode), mean ± sd over seeds.", "",
          "| table | lookahead share | gradient cosine | groups suggested | hard delta-m |", "|---|---|---|---|---|"]
    pairs = []
    for table in tables:
        tdir = os.path.join(affinity_dir, table["name"])
        if not os.path.isdir(tdir):
            continue
        measured = [relative_affinity(os.path.join(tdir, s, "affinity.json")) for s in sorted(os.listdir(tdir), key=seed_order)
                    if os.path.exists(os.path.join(tdir, s, "affinity.json"))]
        if not measured:
            continue
        shares = [m[0] for m in measured]
        dms = []
        for seed in full.get(table["name"], {}).values():
            dm = delta_m(seed["hard"], seed["single-task"])
            dms.append(None if dm is None else 100 * dm)
        dm_cell = delta_m_cell(dms) if dms else "not run"
        md.append("| %s | %s | %s | %s | %s |" % (table["name"], fmt(shares), fmt([m[1] for m in measured]),
                                                  ", ".join(str(m[2]) for m in measured), dm_cell))
        if dms and None not in dms and None not in shares:
            pairs.append((statistics.mean(shares), statistics.mean(dms)))
    rho = spearman([p[0] for p in pairs], [p[1] for p in pairs])
    md += ["", "Spearman rank correlation of the mean lookahead share with the mean delta-m across the %d tables where "
           "both are defined: %s." % (len(pairs), "n/a" if rho is None else "%+.2f" % rho)]
    with open(out_prefix + ".md", "w") as f:
        f.write("\n".join(md) + "\n")


def fmt(values, digits=3):
    """Mean ± sample standard deviation; n/a if any value is undefined."""
    if not values or None in values:
        return "n/a"
    mean = sum(values) / len(values)
    if len(values) == 1:
        return "%.*f" % (digits, mean)
    return "%.*f ± %.*f" % (digits, mean, digits, statistics.stdev(values))


def delta_m_cell(values):
    """delta-m in % over seeds with the seeds >= 0; where some seed's is undefined (a baseline F1 of 0), "n/a" and
    the figure over the seeds where it is defined."""
    defined = [v for v in values if v is not None]
    if len(defined) == len(values):
        return fmt(values, 1) + " %" + at_least_zero(values)
    if not defined:
        return "n/a"
    return "n/a (%d of %d seeds: %s %%%s)" % (len(defined), len(values), fmt(defined, 1), at_least_zero(defined))


def at_least_zero(values):
    """" (k/n >= 0)": on how many seeds the model was at least as good as the reference (from two seeds on)."""
    if len(values) < 2:
        return ""
    return " (%d/%d ≥ 0)" % (sum(1 for v in values if v >= 0), len(values))


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
                    cells.append(fmt(vals) if vals else "not run")
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
            cells.append("—" if model == reference or "(valid)" in model else "not run" if not dms else
                         delta_m_cell(dms))
        md.append("| %s | **delta-m** vs %s | | %s |" % (table["name"], reference, " | ".join(cells)))
        if "best MTL" in models and any("_best" in s for s in seeds.values()):
            picks = ", ".join("%s: %s" % (k, s["_best"]) for k, s in seeds.items() if "_best" in s)
            md.append("| %s | best MTL picked on validation | | %s%s |" % (table["name"], " | " * (len(models) - 1), picks))
    with open(out_prefix + ".md", "w") as f:
        f.write("\n".join(md) + "\n")
    with open(out_prefix + ".csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["table", "task", "type", "metric", "model", "seed", "value"])
        w.writerows(rows_csv)


def main(argv):
    if len(argv) >= 1 and argv[0] == "patience":
        if len(argv) != 3:
            sys.exit("usage: suite.py patience RUNS_DIR P[,P...]  (e.g. OUT_DIR/runs 5,10,20)")
        try:
            patiences = [int(p) for p in argv[2].split(",")]
        except ValueError:
            patiences = []
        if not patiences or min(patiences) < 1:
            sys.exit("suite: patience: expected whole numbers of epochs >= 1 separated by commas, e.g. 5,10,20; got '%s'" % argv[2])
        print_patience_effect(argv[1], patiences)
        return
    if len(argv) >= 1 and argv[0] == "table":
        mode, runs_dir, out_prefix = argv[1], argv[2], argv[3]
        tables = load_manifest()
        aggregate(mode, runs_dir, out_prefix, tables)
        return
    mode = argv[0] if argv else "quick"
    if mode not in ("quick", "full", "affinity"):
        sys.exit("usage: benchmarks/suite.sh [quick|full|affinity] [OUT_DIR] [TABLE,...]  (got mode '%s')" % mode)
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
    seeds = parse_seeds(os.environ["MTL_SUITE_SEEDS"]) if os.environ.get("MTL_SUITE_SEEDS") else (
        [1] if mode == "quick" else [1, 2, 3])
    runs = parse_runs(os.environ.get("MTL_SUITE_RUNS", ";".join(FULL_RUNS)))
    started = time.time()
    for table in tables:
        data = os.path.join(HERE, table["file"])
        for seed in seeds:
            base = os.path.join(runs_dir, table["name"], "seed%d" % seed)
            t0, c0 = time.time(), os.times()
            os.makedirs(base, exist_ok=True)
            if mode == "affinity":
                dev, _ = split(data, seed, os.path.join(out, "splits", table["name"], "seed%d" % seed))
                measured = os.path.join(out, "affinity", table["name"], "seed%d" % seed)
                if not os.path.exists(os.path.join(measured, "affinity.json")):
                    run([mtl, "affinity"] + train_args(table, dev) + ["--seed", str(seed), "--out", measured],
                        measured + ".log")
            elif mode == "quick":
                run([mtl, "train"] + train_args(table, data) + ["--baselines", "--seed", str(seed),
                     "--out", os.path.join(base, "hard")], os.path.join(base, "hard.log"))
            else:
                dev, test = split(data, seed, os.path.join(out, "splits", table["name"], "seed%d" % seed))
                for name, extra in runs.items():
                    if os.path.exists(os.path.join(base, name, "test.json")):
                        continue  # measured by an earlier run of the suite into this OUT_DIR: resume
                    # The hard run measures its linear baseline on the test rows too (metrics.json "test").
                    held_out = ["--test-data", test] if "--baselines" in extra else []
                    run([mtl, "train"] + train_args(table, dev) + extra + held_out + ["--seed", str(seed),
                         "--out", os.path.join(base, name)], os.path.join(base, name + ".log"))
                    # Written aside and renamed: a test.json that exists is complete, so a rerun can resume.
                    measured = os.path.join(base, name, "test.json")
                    with open(measured + ".part", "w") as f:
                        code = subprocess.call([mtl, "evaluate", "--model", os.path.join(base, name, "model.zip"),
                                                "--data", test, "--json"], stdout=f, stderr=subprocess.DEVNULL, cwd=ROOT)
                    if code != 0:
                        sys.exit("suite: mtl evaluate failed for %s seed %d %s" % (table["name"], seed, name))
                    os.replace(measured + ".part", measured)
            c1 = os.times()
            cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
            # CPU seconds beside wall seconds: on a shared machine the wall time says more about the neighbours.
            print("%-16s seed %d  wall %6.1f s  cpu %6.1f s" % (table["name"], seed, time.time() - t0, cpu), flush=True)
    aggregate(mode, runs_dir, os.path.join(out, "suite"), tables)
    written = os.path.join(out, "suite") + ("-affinity.md" if mode == "affinity" else ".md and suite.csv")
    print("wall time %.1f s; wrote %s" % (time.time() - started, written))


def stopping_criterion(history_path):
    """Per epoch the criterion `mtl train` keeps the best epoch by: each task's validation loss divided by its epoch-1
    validation loss, averaged over the tasks (tasks without a validation loss in an epoch are left out of its mean)."""
    with open(history_path, newline="") as f:
        rows = list(csv.DictReader(f))
    tasks = [c[:-len("_valid_loss")] for c in rows[0] if c.endswith("_valid_loss")]
    first = {t: float(rows[0][t + "_valid_loss"]) for t in tasks}
    criterion = []
    for row in rows:
        ratios = [float(row[t + "_valid_loss"]) / first[t] for t in tasks if row[t + "_valid_loss"] not in ("", "NaN")]
        criterion.append(sum(ratios) / len(ratios))
    return criterion


def stop_with_patience(criterion, patience):
    """(kept epoch, last epoch run), both 1-based, had the run stopped after `patience` epochs without a new best (as
    DL4J's ScoreImprovementEpochTerminationCondition with no minimum improvement): a stopped run is the same run up to
    its stop (seeded), so a finished run's history says exactly what a patience would have done."""
    best = 0
    for epoch, value in enumerate(criterion):
        if value < criterion[best]:
            best = epoch
        if epoch - best >= patience:
            return best + 1, epoch + 1
    return best + 1, len(criterion)


def patience_effect(runs_dir, patiences):
    """For each patience: runs whose kept epoch would change, and the epochs trained against those of the full runs,
    from every RUNS_DIR/<table>/seed<S>/<run>/history.csv (runs made without early stopping). Also the runs whose
    recorded best_epoch disagrees with the criterion recomputed here (0 unless the criterion changed)."""
    histories = []
    skipped = 0
    for table in sorted(os.listdir(runs_dir)):
        tdir = os.path.join(runs_dir, table)
        for sdir in sorted(os.listdir(tdir), key=seed_order) if os.path.isdir(tdir) else []:
            base = os.path.join(tdir, sdir)
            for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
                path = os.path.join(base, name, "history.csv")
                metrics = os.path.join(base, name, "metrics.json")
                if os.path.exists(metrics) and read_json(metrics).get("patience") is not None:
                    skipped += 1  # trained with early stopping: its history cannot say what a longer patience does
                elif os.path.exists(path):
                    histories.append((table, sdir, name, path))
    disagree = 0
    effects = {p: {"changed": {}, "epochs": 0} for p in patiences}
    total = 0
    for table, sdir, name, path in histories:
        criterion = stopping_criterion(path)
        full_best, _ = stop_with_patience(criterion, len(criterion) + 1)
        metrics = os.path.join(os.path.dirname(path), "metrics.json")
        if os.path.exists(metrics) and read_json(metrics).get("best_epoch") not in (None, full_best):
            disagree += 1
        total += len(criterion)
        for p in patiences:
            kept, last = stop_with_patience(criterion, p)
            effects[p]["epochs"] += last
            if kept != full_best:
                effects[p]["changed"][table] = effects[p]["changed"].get(table, 0) + 1
    return {"runs": len(histories), "epochs": total, "disagree": disagree, "skipped": skipped, "by_patience": effects}


def print_patience_effect(runs_dir, patiences):
    e = patience_effect(runs_dir, patiences)
    print("%d runs, %d epochs trained; recorded best epoch differs from the recomputed criterion in %d; %d runs left out "
          "(trained with early stopping)" % (e["runs"], e["epochs"], e["disagree"], e["skipped"]))
    for p in patiences:
        by = e["by_patience"][p]
        changed = sum(by["changed"].values())
        print("patience %3d: kept epoch changes in %d of %d runs (%s); epochs trained %d (%.0f %%)"
              % (p, changed, e["runs"], ", ".join("%s %d" % kv for kv in sorted(by["changed"].items())) or "none",
                 by["epochs"], 100.0 * by["epochs"] / max(1, e["epochs"])))


def aggregate(mode, runs_dir, out_prefix, tables):
    if mode == "affinity":
        write_affinity(os.path.join(os.path.dirname(runs_dir), "affinity"), collect_full(runs_dir, tables), tables,
                       out_prefix + "-affinity")
    elif mode == "quick":
        write_table(collect_quick(runs_dir, tables), tables, ["linear", "single-task", "hard"], out_prefix,
                    note="Validation rows of `mtl train` (20 %), mean ± sd over seeds; delta-m in %, positive = better "
                         "than the single-task networks; n/a where a baseline's F1 is 0 (it never predicts the "
                         "positive class), which leaves the relative change undefined.")
    else:
        results = collect_full(runs_dir, tables)
        old = any("linear (valid)" in seed for by_seed in results.values() for seed in by_seed.values())
        best = ["best MTL"] if any("best MTL" in s for by_seed in results.values() for s in by_seed.values()) else []
        write_table(results, tables,
                    ["linear (valid)" if old else "linear", "single-task"] + full_models(results) + best, out_prefix,
                    note="Test rows (20 %, never seen by training or selection), mean ± sd over seeds; "
                         + ("the linear baseline on validation rows (runs made before `--test-data`); " if old else
                            "the linear baseline on the same test rows (`mtl train --test-data`); ")
                         + "delta-m in %, positive = better than the single-task networks.")


if __name__ == "__main__":
    main(sys.argv[1:])
