#!/usr/bin/env python3
"""The PyTorch side of `bench/run.sh --whole-process`: what
`temper train examples/configs/fashion_mnist_mlp.yaml --set fit.epochs=E` does, as a PyTorch
user would write it, timed as a whole process (interpreter start and imports included).

Same data (Debian's dataset-fashion-mnist IDX files, pixels / 255), same split (the last 10 %
of the training set validates, as Keras's validation_split), same model, optimizer, batch size
and epochs, validation after every epoch, the two callbacks' bookkeeping, a test evaluation and
the trained model saved to disk.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def evaluate(model, loss_fn, x, y, batch):
    model.eval()
    total, correct, n = 0.0, 0, len(x)
    with torch.no_grad():
        for i in range(0, n, batch):
            out = model(x[i:i + batch])
            total += loss_fn(out, y[i:i + batch]).item() * len(out)
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    return total / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="torch_run")
    args = ap.parse_args()
    start = time.perf_counter()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)

    x_train = torch.from_numpy(read_idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
    y_train = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = torch.from_numpy(read_idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0)
    y_test = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    split = len(x_train) - len(x_train) // 10
    x_val, y_val = x_train[split:], y_train[split:]
    x_train, y_train = x_train[:split], y_train[:split]

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    best_acc, best_state, waited, batch = -1.0, None, 0, 128
    history = []
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x_train))
        total, correct = 0.0, 0
        for i in range(0, len(x_train), batch):
            idx = perm[i:i + batch]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            correct += (out.argmax(1) == yb).sum().item()
        val_loss, val_acc = evaluate(model, loss_fn, x_val, y_val, batch)
        history.append({"loss": total / len(x_train), "accuracy": correct / len(x_train),
                        "val_loss": val_loss, "val_accuracy": val_acc})
        print(f"Epoch {epoch + 1}/{args.epochs} - {history[-1]}", flush=True)
        sched.step(val_loss)
        # EarlyStopping(monitor=val_accuracy, patience=3, restore_best_weights=True)
        if val_acc > best_acc:
            best_acc, waited = val_acc, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= 3:
                break
    model.load_state_dict(best_state)
    test_loss, test_acc = evaluate(model, loss_fn, x_test, y_test, batch)
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({"test": {"loss": test_loss, "accuracy": test_acc}, "history": history}, f)
    print(f"test accuracy {test_acc:.4f}, in-process {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
