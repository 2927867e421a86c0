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
        out = os.path.join(self.dir, "suite")
        suite.aggregate("quick", os.path.join(self.dir, "runs"), out, TABLES)
        with open(out + ".md") as f:
            md = f.read().splitlines()
        # hard r2 0.8 and 0.6: mean 0.7, sample sd sqrt(2 * 0.1^2 / 1) = 0.1414; linear 0.4 both: sd 0.
        self.assertIn("| toy | y | r2 | 0.400 ± 0.000 | 0.500 ± 0.000 | 0.700 ± 0.141 |", md)
        # delta-m: mean of 12.5 and 2.0833 = 7.2917; sd |12.5 - 2.0833| / sqrt(2) = 7.3656.
        self.assertIn("| toy | **delta-m** vs single-task | | 0.0 ± 0.0 % | — | 7.3 ± 7.4 % |", md)
        with open(out + ".csv") as f:
            rows = f.read().splitlines()
        self.assertEqual(rows[0], "table,task,type,metric,model,seed,value")
        self.assertIn("toy,y,regression,r2,hard,seed2,0.6", rows)


if __name__ == "__main__":
    unittest.main()
