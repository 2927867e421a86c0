#!/usr/bin/python3
"""The suite's aggregation on a fixture (CI: python3 -m unittest discover -s benchmarks/suite -p 'test_*.py').
Expected values computed by hand in the comments."""
import json
import os
import shutil
import tempfile
import unittest

import suite

TABLES = [{"name": "toy", "file": "toy.csv", "tasks": [{"name": "y", "type": "regression", "column": "y"},
                                                       {"name": "c", "type": "binary", "column": "c"}]}]


def reg(rmse, mae, r2):
    return {"type": "regression", "n": 10, "rmse": rmse, "mae": mae, "r2": r2}


def binary(accuracy, auc, f1):
    return {"type": "binary", "n": 10, "accuracy": accuracy, "auc": auc, "f1": f1}


def metrics(hard, linear, single):
    return {"tasks": hard, "baselines": {"linear": linear, "single_task": single}}


class SuiteTableTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def aggregate(self, mode, tables=TABLES):
        """Aggregates the runs under self.dir; returns the written markdown's lines and the output prefix."""
        out = os.path.join(self.dir, "suite")
        suite.aggregate(mode, os.path.join(self.dir, "runs"), out, tables)
        with open(out + ("-affinity.md" if mode == "affinity" else ".md")) as f:
            return f.read().splitlines(), out

    def write_run(self, seed, m):
        path = os.path.join(self.dir, "runs", "toy", "seed%d" % seed, "hard")
        os.makedirs(path)
        with open(os.path.join(path, "metrics.json"), "w") as f:
            json.dump(m, f)

    def test_delta_m_by_hand(self):
        # y: rmse 1 vs 2 -> +0.5, mae 2 vs 2 -> 0: task +0.25. c: accuracy 0.9 vs 0.8 -> +0.125, auc 0 change,
        # f1 0.5 vs 1.0 -> -0.5: task -0.125. Mean over tasks: +0.0625.
        model = {"y": reg(1.0, 2.0, 0.5), "c": binary(0.9, 0.8, 0.5)}
        base = {"y": reg(2.0, 2.0, 0.1), "c": binary(0.8, 0.8, 1.0)}
        self.assertAlmostEqual(suite.delta_m(model, base), 0.0625, delta=1e-12)
        base["c"]["f1"] = 0.0
        self.assertIsNone(suite.delta_m(model, base))

    def test_quick_table_two_seeds(self):
        single = {"y": reg(2.0, 2.0, 0.5), "c": binary(0.8, 0.8, 1.0)}
        linear = {"y": reg(2.0, 2.0, 0.4), "c": binary(0.8, 0.8, 1.0)}
        # seed 1 delta-m of hard vs single-task: y (1 vs 2: +0.5, 0) = +0.25, c 0 -> +12.5 %;
        # seed 2: y 0, c accuracy 0.9 vs 0.8 -> +0.125 / 3 = +0.041667 -> mean +2.0833 %.
        self.write_run(1, metrics({"y": reg(1.0, 2.0, 0.8), "c": binary(0.8, 0.8, 1.0)}, linear, single))
        self.write_run(2, metrics({"y": reg(2.0, 2.0, 0.6), "c": binary(0.9, 0.8, 1.0)}, linear, single))
        md, out = self.aggregate("quick")
        # hard r2 0.8 and 0.6: mean 0.7, sample sd sqrt(2 * 0.1^2 / 1) = 0.1414; linear 0.4 both: sd 0.
        self.assertIn("| toy | y | r2 | 0.400 ± 0.000 | 0.500 ± 0.000 | 0.700 ± 0.141 |", md)
        # delta-m: mean of 12.5 and 2.0833 = 7.2917; sd |12.5 - 2.0833| / sqrt(2) = 7.3656; both seeds >= 0. The
        # linear model equals the single-task one on both seeds: 0 twice, which counts as >= 0.
        self.assertIn("| toy | **delta-m** vs single-task | | 0.0 ± 0.0 % (2/2 ≥ 0) | — | 7.3 ± 7.4 % (2/2 ≥ 0) |", md)
        with open(out + ".csv") as f:
            rows = f.read().splitlines()
        self.assertEqual(rows[0], "table,task,type,metric,model,seed,value")
        self.assertIn("toy,y,regression,r2,hard,seed2,0.6", rows)

    def write_full(self, seed, name, valid, test, baselines=None):
        path = os.path.join(self.dir, "runs", "toy", "seed%d" % seed, name)
        os.makedirs(path)
        m = {"tasks": valid}
        if baselines:
            m["baselines"] = baselines
            m["test"] = {"baselines": {"linear": baselines["linear"]}}
        with open(os.path.join(path, "metrics.json"), "w") as f:
            json.dump(m, f)
        with open(os.path.join(path, "test.json"), "w") as f:
            json.dump({"tasks": test}, f)

    def test_full_table_with_a_candidate_and_an_unfinished_seed(self):
        single = {"y": reg(2.0, 2.0, 0.5), "c": binary(0.8, 0.8, 1.0)}
        base = {"linear": single, "single_task": single}
        for seed in (2, 10):
            self.write_full(seed, "hard", single, single, base)
            self.write_full(seed, "independent", single, single)
        # The candidate: seed 2 y rmse 1 vs 2 -> +0.5, mae 0: y +0.25, c 0 -> +12.5 %; seed 10 y rmse 3 vs 2 -> -0.5:
        # -12.5 %. Mean 0.0, sd 25 / sqrt(2) = 17.68; one seed of two >= 0.
        self.write_full(2, "cand", single, {"y": reg(1.0, 2.0, 0.8), "c": binary(0.8, 0.8, 1.0)})
        self.write_full(10, "cand", single, {"y": reg(3.0, 2.0, 0.2), "c": binary(0.8, 0.8, 1.0)})
        # seed 10 also has the three standard multi-task models (the same figures as hard): "best MTL" on that seed only.
        for name in ("hard-uncertainty", "mmoe"):
            self.write_full(10, name, single, single)
        # seed 3 has no independent run yet: not counted.
        self.write_full(3, "hard", single, {"y": reg(9.0, 9.0, 0.0), "c": binary(0.1, 0.1, 0.1)}, base)
        md, out = self.aggregate("full")
        self.assertIn("| table | task | metric | linear | single-task | hard | hard-uncertainty | mmoe | cand | best MTL |",
                      md)
        self.assertIn("| toy | best MTL picked on validation | |  |  |  |  |  |  | seed10: hard |", md)
        self.assertIn("| toy | y | rmse | 2.000 ± 0.000 | 2.000 ± 0.000 | 2.000 ± 0.000 | 2.000 | 2.000 | 2.000 ± 1.414 "
                      "| 2.000 |", md)
        self.assertIn("| toy | **delta-m** vs single-task | | 0.0 ± 0.0 % (2/2 ≥ 0) | — | 0.0 ± 0.0 % (2/2 ≥ 0) "
                      "| 0.0 % | 0.0 % | 0.0 ± 17.7 % (1/2 ≥ 0) | 0.0 % |", md)
        with open(out + ".csv") as f:
            rows = f.read().splitlines()
        # seed2 before seed10
        cand = [r for r in rows if r.startswith("toy,y,regression,rmse,cand,")]
        self.assertEqual(cand, ["toy,y,regression,rmse,cand,seed2,1.0", "toy,y,regression,rmse,cand,seed10,3.0"])

    def test_a_model_not_run_on_a_table_says_so(self):
        single = {"y": reg(2.0, 2.0, 0.5), "c": binary(0.8, 0.8, 1.0)}
        base = {"linear": single, "single_task": single}
        tables = TABLES + [{"name": "toy2", "file": "toy2.csv", "tasks": TABLES[0]["tasks"]}]
        for table in ("toy", "toy2"):
            for name in ("hard", "independent"):
                path = os.path.join(self.dir, "runs", table, "seed1", name)
                os.makedirs(path)
                with open(os.path.join(path, "metrics.json"), "w") as f:
                    json.dump({"tasks": single, "baselines": base, "test": {"baselines": {"linear": single}}}, f)
                with open(os.path.join(path, "test.json"), "w") as f:
                    json.dump({"tasks": single}, f)
        self.write_full(2, "hard", single, single, base)
        self.write_full(2, "independent", single, single)
        self.write_full(2, "cand", single, single)
        md, out = self.aggregate("full", tables)
        self.assertIn("| toy2 | y | rmse | 2.000 | 2.000 | 2.000 | not run |", md)
        self.assertIn("| toy2 | **delta-m** vs single-task | | 0.0 % | — | 0.0 % | not run |", md)

    def test_seeds_and_runs_from_the_environment_syntax(self):
        self.assertEqual(suite.parse_seeds("1,4-6"), [1, 4, 5, 6])
        with self.assertRaises(SystemExit):
            suite.parse_seeds("four")
        runs = suite.parse_runs("mmoe; hard-128=--shared 128,128")
        self.assertEqual(list(runs), ["hard", "independent", "mmoe", "hard-128"])
        self.assertEqual(runs["hard-128"], ["--shared", "128,128"])
        with self.assertRaises(SystemExit):
            suite.parse_runs("nonesuch")

    def test_delta_m_undefined_on_some_seeds_shows_the_defined_ones(self):
        self.assertEqual(suite.delta_m_cell([1.0, None, 3.0]), "n/a (2 of 3 seeds: 2.0 ± 1.4 % (2/2 ≥ 0))")
        self.assertEqual(suite.delta_m_cell([None, None]), "n/a")
        self.assertEqual(suite.delta_m_cell([-1.0]), "-1.0 %")

    def test_spearman_and_ranks_by_hand(self):
        # d = (0, 1, -1): 1 - 6 * 2 / (3 * 8) = 0.5.
        self.assertAlmostEqual(suite.spearman([1, 2, 3], [1, 3, 2]), 0.5, delta=1e-12)
        self.assertEqual(suite.ranks([5, 1, 5, 2]), [3.5, 1.0, 3.5, 2.0])
        self.assertIsNone(suite.spearman([1, 2], [2, 1]))

    def test_affinity_table_beside_delta_m(self):
        single = {"y": reg(2.0, 2.0, 0.5), "c": binary(0.8, 0.8, 1.0)}
        base = {"linear": single, "single_task": single}
        self.write_full(1, "hard", single, {"y": reg(1.0, 2.0, 0.8), "c": binary(0.8, 0.8, 1.0)}, base)
        self.write_full(1, "independent", single, single)
        path = os.path.join(self.dir, "affinity", "toy", "seed1")
        os.makedirs(path)
        with open(os.path.join(path, "affinity.json"), "w") as f:
            # Shares: y -> c 0.01 / 0.04 = 0.25, c -> y 0.02 / 0.1 = 0.2: mean 0.225. Cosine 0.3. Two groups.
            json.dump({"tasks": ["y", "c"], "gradient_cosine": [[1, 0.3], [0.3, 1]],
                       "lookahead": [[0.1, 0.01], [0.02, 0.04]], "groups": [["y"], ["c"]]}, f)
        md, out = self.aggregate("affinity")
        # delta-m of hard on seed 1: y rmse 1 vs 2 -> +0.5, mae 0 -> +0.25; c 0: +12.5 %.
        self.assertIn("| toy | 0.225 | 0.300 | 2 | 12.5 % |", md)
        self.assertTrue(md[-1].endswith("across the 1 tables where both are defined: n/a."), md[-1])


class PatienceEffectTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write_history(self, name, a_losses, b_losses, metrics=None):
        path = os.path.join(self.dir, "toy", "seed1", name)
        os.makedirs(path)
        with open(os.path.join(path, "history.csv"), "w") as f:
            f.write("epoch,a_train_loss,a_valid_loss,a_weight,b_train_loss,b_valid_loss,b_weight\n")
            for epoch, (a, b) in enumerate(zip(a_losses, b_losses), 1):
                f.write("%d,0.1,%s,1,0.1,%s,1\n" % (epoch, a, b))
        if metrics is not None:
            with open(os.path.join(path, "metrics.json"), "w") as f:
                json.dump(metrics, f)

    def test_criterion_and_stops_by_hand(self):
        # Relative to epoch 1 (a 2, b 4), averaged: 1.0, 0.75, 0.5*, 0.75, 1.0, 0.25*, 0.75; full run's best: 6.
        a = [2, 1, 1, 2, 2, 0.5, 1]
        b = [4, 4, 2, 2, 4, 1, 4]
        self.write_history("full", a, b, {"best_epoch": 6, "patience": None})
        self.write_history("stopped", a[:5], b[:5], {"best_epoch": 3, "patience": 2})
        criterion = suite.stopping_criterion(os.path.join(self.dir, "toy", "seed1", "full", "history.csv"))
        self.assertEqual(criterion, [1.0, 0.75, 0.5, 0.75, 1.0, 0.25, 0.75])
        # Patience 2: best 3, epochs 4 and 5 without a new one -> stops after 5, keeps 3.
        self.assertEqual(suite.stop_with_patience(criterion, 2), (3, 5))
        # Patience 3: epoch 6 is a new best before the third epoch without one; epoch 7 is the last: keeps 6.
        self.assertEqual(suite.stop_with_patience(criterion, 3), (6, 7))
        effect = suite.patience_effect(self.dir, [2, 3])
        self.assertEqual((effect["runs"], effect["epochs"], effect["disagree"], effect["skipped"]), (1, 7, 0, 1))
        self.assertEqual(effect["by_patience"][2], {"changed": {"toy": 1}, "epochs": 5})
        self.assertEqual(effect["by_patience"][3], {"changed": {}, "epochs": 7})


if __name__ == "__main__":
    unittest.main()
