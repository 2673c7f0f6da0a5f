#!/usr/bin/env python3
"""Summarises bench/run.sh results: medians over reps, Temper vs PyTorch ratios.

Usage: compare.py OUT_DIR REPS [MODELS]   (MODELS: mlp, cnn or mlp,cnn; default mlp)
"""
import json
import os
import statistics
import sys

out, reps = sys.argv[1], int(sys.argv[2])
models = sys.argv[3].split(",") if len(sys.argv) > 3 else ["mlp"]


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


def fmt(v, f="{:,.0f}"):
    return "-" if v is None else f.format(v)


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def temper_side(runs):
    if not runs:
        return None, None, None, None
    return (med([d["epochs"][0]["samples_per_s_after_warmup"] for d, _ in runs]),
            med([d["batch1_latency_us"] for d, _ in runs]),
            med([rss for _, rss in runs]),
            med([d["epochs"][-1]["test_acc"] for d, _ in runs]))


def torch_side(runs, model):
    """Training rate, best batch-1 latency over the variants measured, RSS, accuracy."""
    if not runs:
        return None, None, None, None
    ms = [d["models"][model] if "models" in d else d[model] for d, _ in runs]
    train = med([m["epochs"][0]["samples_per_s_after_warmup"] for m in ms])
    acc = med([m["epochs"][-1]["test_acc"] for m in ms])
    lats = []
    for m in ms:
        vals = [v["median_us"] for k, v in m.items() if k.startswith("latency_b1") and isinstance(v, dict)
                and "median_us" in v]
        if vals:
            lats.append(min(vals))
    return train, med(lats), med([rss for _, rss in runs]), acc


def table(model, t, p_best, p_variants, variant_label, c, name, epochs_label):
    t_train, t_lat, t_rss, t_acc = t
    p_train, p_lat, p_rss, p_acc = p_best
    c_train, c_lat, c_rss, c_acc = c
    print()
    print(f"| {name} metric (median of {reps}) | Temper | PyTorch | libtorch | Temper / PyTorch | Temper / libtorch |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| {name} training samples/s, epoch 1 after 20 warm-up batches (PyTorch: best of {variant_label}) "
          f"| {fmt(t_train)} | {fmt(p_train)} | {fmt(c_train)} | {ratio(t_train, p_train)} | {ratio(t_train, c_train)} |")
    print(f"| (PyTorch {variant_label}) | | {' / '.join(fmt(v) for v in p_variants)} | | | |")
    print(f"| batch-1 predict latency, us (torch: best variant) | {fmt(t_lat, '{:.1f}')} | {fmt(p_lat, '{:.1f}')} "
          f"| {fmt(c_lat, '{:.1f}')} | {ratio(t_lat, p_lat)} | {ratio(t_lat, c_lat)} |")
    print(f"| peak RSS, MB | {fmt(t_rss, '{:.0f}')} | {fmt(p_rss, '{:.0f}')} | {fmt(c_rss, '{:.0f}')} "
          f"| {ratio(t_rss, p_rss)} | {ratio(t_rss, c_rss)} |")
    print(f"| test accuracy after {epochs_label} | {fmt(t_acc, '{:.4f}')} | {fmt(p_acc, '{:.4f}')} "
          f"| {fmt(c_acc, '{:.4f}')} | | |")


if "mlp" in models:
    t = temper_side(load("temper"))
    p = torch_side(load("torch"), "mlp")
    p1 = torch_side(load("torch1t"), "mlp")[0]
    # The reference is PyTorch's best configuration on this machine.
    best = max([v for v in (p[0], p1) if v is not None], default=None)
    table("mlp", t, (best, p[1], p[2], p[3]), (p[0], p1), "2 threads passive / 1 thread",
          torch_side(load("libtorch"), "mlp"), "MLP", "the last epoch")

if "cnn" in models:
    t = temper_side(load("temper_cnn"))
    p = torch_side(load("torch_cnn"), "cnn")
    p2 = torch_side(load("torch2t_cnn"), "cnn")[0]
    best = max([v for v in (p[0], p2) if v is not None], default=None)
    table("cnn", t, (best, p[1], p[2], p[3]), (p[0], p2),
          "OPENBLAS_NUM_THREADS=1 + malloc pinned / default 2 threads",
          torch_side(load("libtorch_cnn"), "cnn"), "convnet", "the last epoch run")
    prof = [d.get("profile") for d, _ in load("temper_cnn") if d.get("profile")]
    if prof:
        pr = prof[0]
        print()
        print(f"Temper convnet step, per op (batch {pr['batch']}, each kernel timed on its own, median of 30 calls):")
        print()
        print("| op | ms | % of kernels |")
        print("|---|---:|---:|")
        for row in pr["ops"]:
            print(f"| {row['op']} | {row['ms']:.3f} | {row['pct']:.1f} |")
        print(f"| **sum of kernels** | {pr['sum_ms']:.3f} | |")
        print(f"| **train_on_batch step (measured)** | {pr['train_on_batch_ms']:.3f} | |")
