#!/usr/bin/env python3
"""The project's numpy yardstick for `cargo xtask bench-compare` (used when ../shared/peers is absent).

The two-layer training step as a student writes it in numpy: draw a batch with replacement, fancy-index
it out of the (HWC, mean-subtracted) training matrix, affine-ReLU-affine, softmax loss with
0.5*reg*sum(W^2), backward, SGD. Prints `sec_per_iter` (the timed loop only, data loading excluded).
  OPENBLAS_NUM_THREADS=1 python3 benches/peers/numpy_twolayer.py DATA_DIR --hidden 50 --iters 300
"""
import argparse
import time

import numpy as np


def load_train(folder):
    """The 50,000 training records, rows flattened in HWC order, and their labels."""
    parts = [np.fromfile(f"{folder}/data_batch_{k}.bin", dtype=np.uint8).reshape(-1, 3073) for k in range(1, 6)]
    raw = np.concatenate(parts)
    images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).reshape(-1, 3072)
    return images, raw[:, 0].astype(np.int64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--hidden", type=int, default=50)
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--batch", type=int, default=200)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--reg", type=float, default=0.25)
    p.add_argument("--dtype", default="float32")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    dt = np.dtype(a.dtype)
    images, labels = load_train(a.dir)
    x_train = images[:49000].astype(dt)
    y_train = labels[:49000]
    x_train -= x_train.mean(axis=0)
    gen = np.random.default_rng(a.seed)
    w1 = (1e-4 * gen.standard_normal((3072, a.hidden))).astype(dt)
    b1 = np.zeros(a.hidden, dt)
    w2 = (1e-4 * gen.standard_normal((a.hidden, 10))).astype(dt)
    b2 = np.zeros(10, dt)
    rows = np.arange(a.batch)
    start = time.perf_counter()
    for _ in range(a.iters):
        pick = gen.integers(0, len(x_train), a.batch)
        xb, yb = x_train[pick], y_train[pick]
        hid = np.maximum(xb @ w1 + b1, 0)
        scores = hid @ w2 + b2
        scores -= scores.max(axis=1, keepdims=True)
        prob = np.exp(scores)
        prob /= prob.sum(axis=1, keepdims=True)
        loss = -np.log(prob[rows, yb]).mean() + 0.5 * a.reg * (np.sum(w1 * w1) + np.sum(w2 * w2))
        dscores = prob
        dscores[rows, yb] -= 1
        dscores /= a.batch
        dw2 = hid.T @ dscores + a.reg * w2
        db2 = dscores.sum(axis=0)
        dhid = dscores @ w2.T
        dhid[hid <= 0] = 0
        dw1 = xb.T @ dhid + a.reg * w1
        db1 = dhid.sum(axis=0)
        w1 -= a.lr * dw1
        b1 -= a.lr * db1
        w2 -= a.lr * dw2
        b2 -= a.lr * db2
    elapsed = time.perf_counter() - start
    print(f"loss {loss:.4f} sec_per_iter {elapsed / a.iters:.6f}")


if __name__ == "__main__":
    main()
