#!/usr/bin/python3
"""Every `--weighting` name of `mtl train --help` on the demo's penguins tasks at the demo's budget, against equal
weights: validation delta-m per seed (issue 17's check: finite losses, delta-m >= -5 %).

Usage: /usr/bin/python3 benchmarks/methods-penguins.py OUT_DIR [SEED ...]   (default seeds 42 7; outside CI)
       MTL_METHODS=db-mtl,moco ... runs only those names (and equal weights).
Runs the real ./mtl (building it first if needed); writes OUT_DIR/methods-penguins.md and keeps every run under OUT_DIR.
Stdlib only; delta-m as benchmarks/suite/suite.py (and the library) computes it.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "suite"))
from suite import delta_m  # noqa: E402

MTL = os.path.join(ROOT, "mtl")
DATA = os.path.join(ROOT, "mtl-examples", "src", "main", "resources", "data", "penguins.csv")
# The demo's tasks and budget (mtl demo: 60 epochs, the other settings at mtl train's defaults).
TASKS = ["--task", "species:multiclass:species", "--task", "sex:binary:sex", "--task", "mass:regression:body_mass_g"]
EPOCHS = "60"


def weighting_names():
    """The names `mtl train --help` lists for --weighting (the method registry's)."""
    text = subprocess.run([MTL, "train", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    block = text[text.rindex("--weighting=<weighting>"):]
    block = block[block.index("aggregator:") + len("aggregator:"):]
    names = []
    for token in re.split(r"[,\s]+", block.strip()):
        if not re.fullmatch(r"[a-z][a-z0-9-]*", token):
            break
        names.append(token)
    return names


def train(name, seed, out_dir):
    out = os.path.join(out_dir, "seed%d" % seed, name)
    if os.path.exists(os.path.join(out, "metrics.json")):
        return out  # resumable: a finished run is kept
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".log", "w") as log:
        code = subprocess.call([MTL, "train", "--data", DATA] + TASKS + ["--epochs", EPOCHS, "--seed", str(seed),
                                "--weighting", name, "--out", out], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    return out if code == 0 else None


def main(argv):
    if not argv:
        sys.exit(__doc__)
    out_dir = os.path.abspath(argv[0])
    seeds = [int(s) for s in argv[1:]] or [42, 7]
    names = weighting_names()
    if os.environ.get("MTL_METHODS"):
        wanted = os.environ["MTL_METHODS"].split(",")
        unknown = [w for w in wanted if w not in names]
        if unknown:
            sys.exit("methods-penguins: unknown --weighting name(s) %s; mtl train --help lists %s" % (unknown, names))
        names = [n for n in names if n in wanted]
    started = time.time()
    rows = []
    for name in names:
        cells = []
        for seed in seeds:
            base = train("fixed", seed, out_dir)
            run = train(name, seed, out_dir)
            if run is None or base is None:
                cells.append("failed (see %s.log)" % os.path.join(out_dir, "seed%d" % seed, name))
                continue
            model = json.load(open(os.path.join(run, "metrics.json")))["tasks"]
            equal = json.load(open(os.path.join(base, "metrics.json")))["tasks"]
            dm = delta_m(model, equal)
            cells.append("n/a" if dm is None else "%+.1f %%" % (100 * dm))
        rows.append("| %s | %s |" % (name, " | ".join(cells)))
        print(rows[-1], flush=True)
    table = ["| `--weighting` | " + " | ".join("seed %d" % s for s in seeds) + " |",
             "|---|" + "---|" * len(seeds)] + rows
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "methods-penguins.md"), "w") as f:
        f.write("\n".join(table) + "\n")
    print("wall time %.0f s; wrote %s" % (time.time() - started, os.path.join(out_dir, "methods-penguins.md")))


if __name__ == "__main__":
    main(sys.argv[1:])
