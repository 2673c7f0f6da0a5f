#!/usr/bin/env python3
"""Summarises bench/run.sh results: medians over reps, Temper vs PyTorch ratios."""
import json
import os
import statistics
import sys

out, reps = sys.argv[1], int(sys.argv[2])


def load(prefix):
    runs = []
    for r in range(1, reps + 1):
        path = os.path.join(out, f"{prefix}_r{r}.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            d = json.load(f)
        rss_path = os.path.join(out, f"{prefix}_r{r}.rss")
        rss = None
        if os.path.exists(rss_path):
            with open(rss_path) as f:
                lines = [l for l in f.read().split() if l.isdigit()]
                rss = int(lines[-1]) / 1024.0 if lines else None
        runs.append((d, rss))
    return runs


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


temper = load("temper")
torch = load("torch")
rows = []
t_train = med([d["epochs"][0]["samples_per_s_after_warmup"] for d, _ in temper])
t_lat = med([d["batch1_latency_us"] for d, _ in temper])
t_rss = med([rss for _, rss in temper])
t_acc = med([d["epochs"][-1]["test_acc"] for d, _ in temper])


def torch_side(runs):
    """Training rate, best batch-1 latency over the variants measured, RSS, accuracy."""
    if not runs:
        return None, None, None, None
    mlp = [d["models"]["mlp"] if "models" in d else d["mlp"] for d, _ in runs]
    train = med([m["epochs"][0]["samples_per_s_after_warmup"] for m in mlp])
    acc = med([m["epochs"][-1]["test_acc"] for m in mlp])
    lats = []
    for m in mlp:
        vals = [v["median_us"] for k, v in m.items() if k.startswith("latency_b1") and isinstance(v, dict)
                and "median_us" in v]
        if vals:
            lats.append(min(vals))
    return train, med(lats), med([rss for _, rss in runs]), acc


p_train, p_lat, p_rss, p_acc = torch_side(torch)
p1_train = torch_side(load("torch1t"))[0]
# The reference is PyTorch's best configuration on this machine.
p_best = max([v for v in (p_train, p1_train) if v is not None], default=None)
c_train, c_lat, c_rss, c_acc = torch_side(load("libtorch"))


def fmt(v, f="{:,.0f}"):
    return "-" if v is None else f.format(v)


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


print()
print(f"| metric (median of {reps}) | Temper | PyTorch | libtorch | Temper / PyTorch | Temper / libtorch |")
print("|---|---:|---:|---:|---:|---:|")
print(f"| MLP training samples/s, epoch 1 after 20 warm-up batches (PyTorch: best of 2 threads passive / 1 thread) "
      f"| {fmt(t_train)} | {fmt(p_best)} | {fmt(c_train)} | {ratio(t_train, p_best)} | {ratio(t_train, c_train)} |")
print(f"| (PyTorch 2 threads + OMP_WAIT_POLICY=passive / PyTorch 1 thread) | | {fmt(p_train)} / {fmt(p1_train)} | | | |")
print(f"| batch-1 predict latency, us (torch: best variant) | {fmt(t_lat, '{:.1f}')} | {fmt(p_lat, '{:.1f}')} "
      f"| {fmt(c_lat, '{:.1f}')} | {ratio(t_lat, p_lat)} | {ratio(t_lat, c_lat)} |")
print(f"| peak RSS, MB | {fmt(t_rss, '{:.0f}')} | {fmt(p_rss, '{:.0f}')} | {fmt(c_rss, '{:.0f}')} "
      f"| {ratio(t_rss, p_rss)} | {ratio(t_rss, c_rss)} |")
print(f"| test accuracy after the last epoch | {fmt(t_acc, '{:.4f}')} | {fmt(p_acc, '{:.4f}')} | {fmt(c_acc, '{:.4f}')} | | |")
