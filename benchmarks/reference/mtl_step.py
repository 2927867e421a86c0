#!/usr/bin/python3
"""PyTorch reference for TrainStepBenchmark: the same models, optimizer and batch, ms per training step.

Models (FLOAT, Adam(lr=1e-3), one MSE loss per head, summed, as DL4J sums its output layers' scores):
  seed: 10 -> shared 2 (linear, no bias) -> 2 heads of 2 (linear, no bias), batch 1000
  wide: 100 -> 256 relu -> 256 relu -> 8 heads (64 relu -> 1), batch 256
  mmoe: 100 inputs; 8 experts (100 -> 64 relu); 4 tasks, each a softmax gate (100 -> 8) mixing the experts and a
        tower (64 -> 32 relu -> 1); batch 256. The experts are one Linear(100, 8 x 64) viewed as [N, 8, 64] (the same
        function as 8 separate layers) and each gate mixes them with one bmm: the fastest of the forms tried here
        (LibMTL's list of experts, stacked and mixed by einsum, and broadcast-multiply-and-sum were slower).

  mixed: the wide model's trunk and heads (100 -> 256 relu -> 256 relu -> 8 heads of 64 relu); heads 1-4 one logit
        each, BCEWithLogitsLoss (sigmoid + binary cross-entropy, fused), heads 5-8 ten logits, CrossEntropyLoss
        (softmax + cross-entropy, fused); batch 256
  lenet: the MultiFashion example's convolutional trunk on 36x36x1 images (channels first, as DL4J's NCHW): conv 5x5x10
        relu, max-pool 2x2 stride 2, conv 5x5x20 relu, max-pool 2x2 stride 2 (no padding, stride 1 convolutions: DL4J's
        Truncate mode; 36 -> 32 -> 16 -> 12 -> 6), flatten channels first (20 x 6 x 6 = 720), dense 50 relu; two heads
        of 10 logits, CrossEntropyLoss each; batch 256 images, uniform in [0, 1). DL4J's side takes the images as flat
        rows of 1,296 values and reshapes them; here the batch is [256, 1, 36, 36] from the start (a view, no cost).

Usage: mtl_step.py [--model seed|wide|mmoe|mixed|lenet|all] [--seconds S] [--repeats R] [--inference ROWS,...]
Prints one line per model: "model <name> torch <version> threads <n> median_ms <x> min_ms <y>".
With --inference 1,256: the forward pass alone under torch.inference_mode() (InferenceBenchmark's other side), one
line per model and rows per call, in microseconds per call and rows per second.
Thread count comes from OMP_NUM_THREADS (torch.set_num_threads is set to it when given).
Needs Debian's python3-torch and libopenblas0-pthread (without the latter torch falls back to the reference BLAS).
"""
import argparse
import os
import statistics
import time

import torch
from torch import nn


class MMoE(nn.Module):
    def __init__(self, inputs, experts, width, tasks, tower, outputs):
        super().__init__()
        self.shape = (experts, width)
        self.experts = nn.Linear(inputs, experts * width)
        self.gates = nn.ModuleList(nn.Linear(inputs, experts) for _ in range(tasks))
        self.towers = nn.ModuleList(nn.Sequential(nn.Linear(width, tower), nn.ReLU(), nn.Linear(tower, outputs))
                                    for _ in range(tasks))

    def forward(self, x):
        h = torch.relu(self.experts(x)).view(-1, *self.shape)  # [N, E, width]
        return [tower(torch.bmm(torch.softmax(gate(x), -1).unsqueeze(1), h).squeeze(1))
                for gate, tower in zip(self.gates, self.towers)]


class LeNet(nn.Module):
    def __init__(self, side=36, tasks=2, classes=10):
        super().__init__()
        flat = 20 * (((side - 4) // 2 - 4) // 2) ** 2
        self.shared = nn.Sequential(nn.Conv2d(1, 10, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(10, 20, 5), nn.ReLU(),
                                    nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(flat, 50), nn.ReLU())
        self.heads = nn.ModuleList(nn.Linear(50, classes) for _ in range(tasks))

    def forward(self, x):
        h = self.shared(x)
        return [head(h) for head in self.heads]


def build(name):
    if name == "lenet":
        g = torch.Generator().manual_seed(42)
        x = torch.rand(256, 1, 36, 36, generator=g)
        return LeNet(), x, [torch.randint(0, 10, (256,), generator=g) for _ in range(2)]
    if name == "mmoe":
        g = torch.Generator().manual_seed(42)
        x = torch.randn(256, 100, generator=g)
        return MMoE(100, 8, 64, 4, 32, 1), x, [torch.randn(256, 1, generator=g) for _ in range(4)]
    if name == "mixed":
        g = torch.Generator().manual_seed(42)
        x = torch.randn(256, 100, generator=g)
        ys = [torch.randint(0, 2, (256, 1), generator=g).float() for _ in range(4)]
        ys += [torch.randint(0, 10, (256,), generator=g) for _ in range(4)]
        shared = nn.Sequential(nn.Linear(100, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU())
        heads = nn.ModuleList(nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 1 if t < 4 else 10))
                              for t in range(8))
        return nn.ModuleDict({"shared": shared, "heads": heads}), x, ys
    if name == "seed":
        inputs, trunk, act, bias, tasks, head, outputs, batch = 10, [2], None, False, 2, 0, 2, 1000
    elif name == "wide":
        inputs, trunk, act, bias, tasks, head, outputs, batch = 100, [256, 256], nn.ReLU, True, 8, 64, 1, 256
    else:
        raise SystemExit("unknown model %r: expected seed, wide, mmoe, mixed or lenet" % name)
    layers, width = [], inputs
    for w in trunk:
        layers.append(nn.Linear(width, w, bias=bias))
        if act:
            layers.append(act())
        width = w
    shared = nn.Sequential(*layers)
    heads = nn.ModuleList()
    for _ in range(tasks):
        if head:
            heads.append(nn.Sequential(nn.Linear(width, head, bias=bias), act(), nn.Linear(head, outputs, bias=bias)))
        else:
            heads.append(nn.Linear(width, outputs, bias=bias))
    model = nn.ModuleDict({"shared": shared, "heads": heads})
    g = torch.Generator().manual_seed(42)
    x = torch.randn(batch, inputs, generator=g)
    ys = [torch.randn(batch, outputs, generator=g) for _ in range(tasks)]
    return model, x, ys


def losses(name, tasks):
    """One loss per head: MSE, or for the mixed model the fused sigmoid (heads 1-4) and softmax (5-8) cross-entropies."""
    if name == "mixed":
        return [nn.functional.binary_cross_entropy_with_logits] * 4 + [nn.functional.cross_entropy] * 4
    if name == "lenet":
        return [nn.functional.cross_entropy] * tasks
    return [nn.functional.mse_loss] * tasks


def step(model, optimizer, x, ys, task_losses):
    optimizer.zero_grad(set_to_none=True)
    if isinstance(model, (MMoE, LeNet)):
        predictions = model(x)
    else:
        h = model["shared"](x)
        predictions = [head(h) for head in model["heads"]]
    loss = sum(f(p, y) for f, p, y in zip(task_losses, predictions, ys))
    loss.backward()
    optimizer.step()


def measure(name, seconds, repeats):
    torch.manual_seed(42)
    model, x, ys = build(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    task_losses = losses(name, len(ys))
    deadline = time.perf_counter() + seconds  # warm-up
    while time.perf_counter() < deadline:
        step(model, optimizer, x, ys, task_losses)
    per_step = []
    for _ in range(repeats):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            step(model, optimizer, x, ys, task_losses)
            count += 1
        per_step.append((time.perf_counter() - start) * 1000.0 / count)
    return statistics.median(per_step), min(per_step)


def forward(model, x):
    if isinstance(model, (MMoE, LeNet)):
        return model(x)
    h = model["shared"](x)
    return [head(h) for head in model["heads"]]


def measure_inference(name, rows, seconds, repeats):
    """Microseconds per forward pass of the first `rows` rows under torch.inference_mode() (InferenceBenchmark's side)."""
    torch.manual_seed(42)
    model, x, _ = build(name)
    model.eval()
    x = x[:rows].contiguous()
    with torch.inference_mode():
        deadline = time.perf_counter() + seconds  # warm-up
        while time.perf_counter() < deadline:
            forward(model, x)
        per_call = []
        for _ in range(repeats):
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                forward(model, x)
                count += 1
            per_call.append((time.perf_counter() - start) * 1e6 / count)
    return statistics.median(per_call), min(per_call)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--inference", metavar="ROWS", help="comma-separated rows per call: time the forward pass instead")
    args = parser.parse_args()
    threads = os.environ.get("OMP_NUM_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    names = ["seed", "wide", "mmoe", "mixed", "lenet"] if args.model == "all" else [args.model]
    if args.inference:
        for name in names:
            for rows in (int(r) for r in args.inference.split(",")):
                median, best = measure_inference(name, rows, args.seconds, args.repeats)
                print("model %s inference rows %d torch %s threads %d median_us %.2f min_us %.2f rows_per_s %.0f"
                      % (name, rows, torch.__version__, torch.get_num_threads(), median, best, rows * 1e6 / median),
                      flush=True)
        return
    for name in names:
        median, best = measure(name, args.seconds, args.repeats)
        print("model %s torch %s threads %d median_ms %.4f min_ms %.4f"
              % (name, torch.__version__, torch.get_num_threads(), median, best), flush=True)


if __name__ == "__main__":
    main()
